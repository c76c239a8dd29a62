"""Passages quoted in their file's own script: a traditional question over a traditional article
shows the article's characters, never a re-conversion of the simplified index."""

from __future__ import annotations

import re

from tests.helpers import SEEDS


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def test_a_traditional_files_passages_keep_its_characters(engine):
    originals = [p for p in engine.index.passages() if p.original]
    assert originals  # 000 and 003 are traditional
    raw = {f.name: f.read_text(encoding="utf-8") for f in SEEDS.glob("*.txt")}
    for p in originals:
        assert len(p.original) == len(p.text)  # offsets hold in either script
        assert engine.res.simplified(p.original) == p.text
        source = raw[p.article_id.split("#")[0] + ".txt"]
        assert _subsequence(re.sub(r"\s", "", p.original), source), p.id


def test_a_simplified_files_passages_have_no_copy(engine):
    assert any(p.original is None for p in engine.index.passages())


def test_a_traditional_question_quotes_the_articles_own_characters(engine):
    r = engine.ask("南康2020年投資完成多少")
    shown = r.passages[0].passage.text
    assert r.answer is not None and shown[r.answer.start:r.answer.end] == r.answer.text
    assert "眾多成就" in shown  # the article's 眾, not OpenCC's 衆


def test_a_simplified_question_over_a_traditional_article_is_simplified(engine):
    r = engine.ask("南康2020年投资完成多少")
    assert "众多成就" in r.passages[0].passage.text and r.answer is not None
    assert r.answer.text == "509.69亿元"
