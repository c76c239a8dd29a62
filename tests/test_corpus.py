"""Corpus loading and the index cache: formats, bad bytes, unreadable files, and a cache that
is reused, rebuilt when stale or corrupt, and written atomically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval import index as index_mod
from retrieval.corpus import CorpusError, bundled_corpus, decode, load_corpus, read_file
from tests.helpers import SEEDS

ARTICLE = ("赣州经开区医疗床位总数达3910张,新增医疗床位1290张。全区村均集体经营性收入60.54万元,"
           "空气质量优良天数比例为99.4%。")


def test_bundled_corpus_is_the_seeds():
    names = sorted(p.name for p in bundled_corpus().glob("*.txt"))
    assert names == sorted(p.name for p in SEEDS.glob("*.txt")) and len(names) == 5


def test_html_goes_through_a_parser(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>标题</title><script>var x='不要';</script><style>p{}</style></head>"
        f"<body><nav>首页 新闻</nav><h1>经开区综述</h1><p>{ARTICLE}</p><p>第二段&amp;结束。</p>"
        "</body></html>", encoding="utf-8")
    text = read_file(tmp_path / "a.html", tmp_path).text
    assert ARTICLE in text and "第二段&结束。" in text
    assert "不要" not in text and "p{}" not in text and "首页 新闻" not in text
    assert text.index("经开区综述") < text.index(ARTICLE)


def test_markdown_and_htm_and_subfolders_are_read(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("# 标题\n\n" + ARTICLE, encoding="utf-8")
    (tmp_path / "b.htm").write_text(f"<p>{ARTICLE}</p>", encoding="utf-8")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    loaded = load_corpus(tmp_path)
    assert sorted(f.path for f in loaded.files) == ["b.htm", "sub/a.md"]


def test_invalid_bytes_are_replaced_and_counted():
    data = ARTICLE.encode() + b"\xff\xfe" + "完".encode()[:2] + "。".encode()
    text, replaced = decode(data)
    assert text.startswith(ARTICLE) and replaced >= 2
    assert decode("已有\ufffd字符".encode()) == ("已有\ufffd字符", 0)


def test_unreadable_file_is_skipped_not_fatal(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "bad.txt").write_text(ARTICLE, encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "bad.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    loaded = load_corpus(tmp_path)
    assert [f.path for f in loaded.files] == ["good.txt"]
    assert loaded.skipped == ["bad.txt: Permission denied"]


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_unusable_corpus_folder_is_a_clear_error(res, tmp_path, make):
    folder = tmp_path / "corpus"
    if make == "file":
        folder.write_text("x")
    elif make == "empty":
        folder.mkdir()
    with pytest.raises(CorpusError):
        index_mod.open_index(folder, res)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def test_cache_is_reused_then_rebuilt_when_stale(res, corpus, monkeypatch):
    notices: list[str] = []
    first = index_mod.open_index(corpus, res, notices.append)
    path = index_mod.cache_path(corpus)
    assert path.exists() and notices == []
    built = []
    monkeypatch.setattr(index_mod, "build", lambda *a, **k: built.append(1) or first)
    index_mod.open_index(corpus, res, notices.append)
    assert built == [] and notices == []  # warm: loaded, not built
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")
    index_mod.open_index(corpus, res, notices.append)
    assert built == [1] and len(notices) == 1 and "rebuilding" in notices[0]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x04\x95garbage"])
def test_corrupt_cache_is_rebuilt_with_a_notice(res, corpus, garbage):
    index_mod.open_index(corpus, res)
    path = index_mod.cache_path(corpus)
    path.write_bytes(garbage)
    notices: list[str] = []
    index = index_mod.open_index(corpus, res, notices.append)
    assert index.stats.passages > 0
    assert len(notices) == 1 and "unreadable" in notices[0]
    assert index_mod.load(path).key == index.key  # and the good index is back on disk


def test_cache_write_is_atomic(res, corpus, monkeypatch):
    index = index_mod.open_index(corpus, res)
    path = index_mod.cache_path(corpus)
    before = path.read_bytes()

    def crash(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_mod.pickle, "dump", crash)
    with pytest.raises(OSError):
        index_mod.save(index, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
