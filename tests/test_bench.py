"""The benchmark's synthetic corpus is a corpus ganwen reads like any other: articles with a
title, a date line and paragraphs that become one passage each, with figures."""

from __future__ import annotations

import sys

from retrieval.engine import Engine
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from synth import PASSAGES_PER_FILE, questions, write_corpus  # noqa: E402


def test_synthetic_corpus_indexes_one_passage_per_paragraph(tmp_path):
    meta = write_corpus(tmp_path / "corpus", 30, seed=3)
    assert len(meta) == 30 // PASSAGES_PER_FILE
    engine = Engine.open(tmp_path / "corpus", notice=lambda _: None)
    stats = engine.index.stats
    assert (stats.files, stats.articles, stats.passages) == (3, 3, 30)
    # the three generated figures (dictionary words such as 两个 are counts too)
    assert all(sum(f.text[0].isdigit() for f in p.figures) == 3 for p in engine.index.passages())
    asked = questions(meta, 5, seed=4)
    assert len(asked) == 5 and all(q.endswith("多少") for q in asked)
    for q in asked:
        place = next(m["place"] for m in meta if q.startswith(m["place"]))
        assert all(place in rp.article.title for rp in engine.ask(q).passages[:1])


def test_the_load_test_reports_each_step_without_errors():
    """bench/load.py against a real `ganwen serve` on 127.0.0.1, cut to a few seconds."""
    import json
    import subprocess

    run = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--seconds", "2",
                          "--clients", "1", "3", "--workers", "1"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stderr.strip().splitlines()[-1])
    assert [r["clients"] for r in report["rows"]] == [1, 3]
    assert all(r["requests"] > 0 and r["errors"] == 0 for r in report["rows"])
    assert report["best"] is not None and "requests/s" in run.stdout
