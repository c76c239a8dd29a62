"""Shared fixtures: one set of resources and one seed-corpus engine per test session, and an
index cache folder of the session's own so tests never touch the user's cache."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.helpers import SEEDS, seed_text

_CACHE = tempfile.mkdtemp(prefix="ganwen-test-cache-")
os.environ["GANWEN_CACHE_DIR"] = _CACHE
os.environ.pop("GANWEN_CORPUS", None)
os.environ["PTB_TIMEDELTA"] = "true"  # python-telegram-bot's future default; no warnings


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def res():
    from retrieval.resources import load_resources

    return load_resources()


@pytest.fixture(scope="session")
def engine():
    from retrieval.engine import Engine

    return Engine.open(SEEDS, notice=lambda _: None)


@pytest.fixture(scope="session")
def seed_articles(res):
    from retrieval.articles import split_articles

    return {
        p.name[:3]: split_articles(res.simplified(p.read_text(encoding="utf-8")), p.name, res.is_word)
        for p in sorted(SEEDS.glob("*.txt"))
    }


@pytest.fixture
def joined_corpus(tmp_path):
    """A corpus as scrapes deliver it: 001 runs on into the speech of 002, 003 into the start of
    the 萍乡 article of 004, and 002 and 004 stand in files of their own too."""
    (tmp_path / "001_joined.txt").write_text(seed_text("001") + seed_text("002"), encoding="utf-8")
    (tmp_path / "003_joined.txt").write_text(
        seed_text("003") + "\n" + seed_text("004")[:1500], encoding="utf-8")
    for prefix in ("000", "002", "004"):
        src = next(SEEDS.glob(f"{prefix}_*.txt"))
        shutil.copy(src, tmp_path / src.name)
    return tmp_path
