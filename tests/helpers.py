"""Paths and small helpers shared by the tests (no side effects: conftest.py sets the
environment)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


GANWEN = Path(sys.executable).parent / "ganwen"


@contextlib.contextmanager
def ganwen_bot(tg, cwd: Path, **env: str) -> Iterator[subprocess.Popen]:
    """``ganwen bot`` as a process polling the fake Bot API ``tg`` (with ``env`` added), from
    its first getUpdates on; killed if a test leaves it running. Its stdout and stderr go to
    files in ``cwd`` (a pipe nobody reads while it runs could fill up and stall it)."""
    from tests.fake_telegram import TOKEN

    full = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url, **env}
    with open(cwd / "bot.out", "w") as out, open(cwd / "bot.err", "w") as err:
        proc = subprocess.Popen([str(GANWEN), "bot"], cwd=cwd, env=full, text=True,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    try:
        tg.wait_for_sync("getUpdates", timeout=60, answered=False)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop_bot(proc: subprocess.Popen, sig: int, cwd: Path) -> tuple[str, str, float]:
    """Signal the bot started in ``cwd``; what it printed on stdout and on stderr, and how long
    it took to exit."""
    start = time.monotonic()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    took = time.monotonic() - start
    return (cwd / "bot.out").read_text(), (cwd / "bot.err").read_text(), took


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def deny_reading(monkeypatch, name: str) -> None:
    """Reading the file called ``name`` fails as an unreadable file does (EACCES)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def break_processing(monkeypatch, marker: str) -> None:
    """Taking a passage apart raises (as cn2an once did in figure extraction) on any text
    holding ``marker``."""
    from retrieval import ingest

    real = ingest.index_words

    def words(text: str, *args, **kwargs):
        if marker in text:
            raise KeyError(1)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(ingest, "index_words", words)


def conversations() -> list[list[str]]:
    """Every question of tests/data, a follow-up after the question it follows."""
    items = {}
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                items[f"{path.stem}:{item['id']}"] = (path.stem, item)
    chats = []
    for stem, item in items.values():
        after = item.get("after")
        chats.append([items[f"{stem}:{after}"][1]["q"], item["q"]] if after else [item["q"]])
    return chats
