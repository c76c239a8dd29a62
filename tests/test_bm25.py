"""BM25: ganwen's scores are rank-bm25's BM25Okapi with epsilon=0, on the seed passages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.bm25 import B, K1, Bm25
from retrieval.tokenize import tokens

QUESTIONS = ["南康2020年投资完成多少", "赣州经开区医疗床位总数是多少", "萍乡企业上云", "于都 纺织服装",
             "发展", "不存在的词"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_scores_equal_rank_bm25(engine, res, question):
    reference = BM25Okapi(engine.index.doc_tokens, k1=1.5, b=0.75, epsilon=0)
    query = tokens(question, res)
    np.testing.assert_allclose(engine.index.bm25.scores(query), reference.get_scores(query),
                               rtol=1e-9, atol=1e-12)


def test_formula_by_hand():
    docs = [["a", "b", "b"], ["a", "c"], ["d"], ["a"]]
    index = Bm25(docs)
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    idf_b = math.log(n - 1 + 0.5) - math.log(1 + 0.5)
    tf, dl = 2, 3
    expected = idf_b * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
    assert index.scores(["b"])[0] == pytest.approx(expected)
    # "a" is in 3 of 4 documents: negative IDF, floored at epsilon × mean = 0.
    assert index.idf("a") == 0.0
    assert list(index.scores(["a"])) == [0.0] * 4


def test_default_epsilon_would_rank_common_words():
    docs = [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]
    assert BM25Okapi(docs).get_scores(["a"])[0] > 0  # why ganwen sets epsilon=0
    assert Bm25(docs).scores(["a"])[0] == 0


def test_top_is_sorted_and_positive(engine, res):
    top = engine.index.bm25.top(tokens("南昌经开区工业企业", res), 10)
    scores = [s for _, s in top]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
