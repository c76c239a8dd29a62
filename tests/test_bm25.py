"""BM25: ganwen's scores are rank-bm25's BM25Okapi with epsilon=0, through bm25s's sparse
matrix, on the seed passages and on a generated corpus."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.bm25 import K1, B, Bm25
from retrieval.store import Ragged
from retrieval.tokenize import tokens

QUESTIONS = ["南康2020年投资完成多少", "赣州经开区医疗床位总数是多少", "萍乡企业上云", "于都 纺织服装",
             "发展", "不存在的词", "南康 南康 投资"]
RTOL = 1e-5  # scores are stored as float32


def build(docs: list[list[str]]) -> tuple[Bm25, dict[str, int]]:
    vocab = {t: i for i, t in enumerate(sorted({t for d in docs for t in d}))}
    return Bm25.build(Ragged.from_lists([[vocab[t] for t in d] for d in docs]), len(vocab)), vocab


def zipf_corpus(rng: np.random.Generator, n_words: int, n_docs: int, lengths: tuple[int, int]
                ) -> tuple[list[str], np.ndarray, list[list[str]]]:
    """Words drawn with Zipf-like frequencies (some in most documents): the words, their
    probabilities, and ``n_docs`` documents of ``lengths`` words."""
    words = [f"w{i}" for i in range(n_words)]
    weights = 1 / np.arange(1, n_words + 1) ** 1.1
    weights /= weights.sum()
    docs = [list(rng.choice(words, size=rng.integers(*lengths), p=weights)) for _ in range(n_docs)]
    return words, weights, docs


@pytest.mark.parametrize("question", QUESTIONS)
def test_scores_equal_rank_bm25_on_the_seeds(engine, res, question):
    idx = engine.index
    docs = [idx.doc_tokens(d) for d in range(len(idx))]
    reference = BM25Okapi(docs, k1=1.5, b=0.75, epsilon=0)
    query = tokens(question, res)
    ours = idx.bm25.scores([idx.term_id(t) for t in query])
    np.testing.assert_allclose(ours, reference.get_scores(query), rtol=RTOL, atol=1e-6)
    top = idx.top(query, 5)
    expected = np.argsort(-reference.get_scores(query), kind="stable")[:len(top)]
    assert [d for d, _ in top] == list(expected)


def test_scores_equal_rank_bm25_on_a_generated_corpus():
    rng = np.random.default_rng(7)
    words, weights, docs = zipf_corpus(rng, 400, 1500, (5, 60))
    index, vocab = build(docs)
    reference = BM25Okapi(docs, k1=1.5, b=0.75, epsilon=0)
    for _ in range(30):
        query = list(rng.choice(words, size=rng.integers(1, 6), p=weights))
        ours = index.scores([vocab.get(t) for t in query])
        np.testing.assert_allclose(ours, reference.get_scores(query), rtol=RTOL, atol=1e-6)
        ref = reference.get_scores(query)
        for k in (1, 3, 10, 50):  # MaxScore prunes differently for each k; the result is exact
            got = index.top([vocab.get(t) for t in query], k)
            assert [s for _, s in got] == pytest.approx(sorted(ref[ref > 0], reverse=True)[:k],
                                                        rel=RTOL)


def test_formula_by_hand():
    docs = [["a", "b", "b"], ["a", "c"], ["d"], ["a"]]
    index, vocab = build(docs)
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    idf_b = math.log(n - 1 + 0.5) - math.log(1 + 0.5)
    tf, dl = 2, 3
    expected = idf_b * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
    assert index.scores([vocab["b"]])[0] == pytest.approx(expected, rel=RTOL)
    # "a" is in 3 of 4 documents: negative IDF, floored at epsilon × mean = 0.
    assert index.idf(vocab["a"]) == 0.0
    assert list(index.scores([vocab["a"]])) == [0.0] * 4 and index.top([vocab["a"]], 3) == []


def test_default_epsilon_would_rank_common_words():
    docs = [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]
    index, vocab = build(docs)
    assert BM25Okapi(docs).get_scores(["a"])[0] > 0  # why ganwen sets epsilon=0
    assert index.scores([vocab["a"]])[0] == 0


def test_unknown_terms_and_repeats():
    index, vocab = build([["a", "b"], ["c"], ["d"]])
    assert index.top([None], 3) == []
    once = index.scores([vocab["a"]])[0]
    assert index.scores([vocab["a"], vocab["a"]])[0] == pytest.approx(2 * once)


def test_top_is_sorted_positive_and_reusable(engine, res):
    query = tokens("南昌经开区工业企业", res)
    first = engine.index.top(query, 10)
    assert [s for _, s in first] == sorted((s for _, s in first), reverse=True)
    assert all(s > 0 for _, s in first)
    assert engine.index.top(query, 10) == first  # the scratch space was left clean


@pytest.mark.parametrize("per_thread", [None, 1], ids=["one thread", "blocks"])
def test_compiled_kernel_agrees(monkeypatch, per_thread):
    """Large indexes rank with a numba kernel; forced on here, it must rank as numpy does
    (which the tests above hold to rank-bm25): on one thread, as queries this short run, and
    over blocks of documents, one per thread, as a query with long postings runs."""
    import retrieval.bm25 as bm25_mod
    from retrieval import bm25_kernel

    launches = []
    real_blocks = bm25_kernel._blocks
    monkeypatch.setattr(bm25_kernel, "_blocks", lambda *a: launches.append(a) or real_blocks(*a))
    if per_thread is not None:
        monkeypatch.setattr(bm25_kernel, "POSTINGS_PER_THREAD", per_thread)

    rng = np.random.default_rng(11)
    words, weights, docs = zipf_corpus(rng, 300, 800, (5, 50))
    index, vocab = build(docs)
    queries = [[vocab.get(t) for t in rng.choice(words, size=rng.integers(1, 7), p=weights)]
               for _ in range(40)]
    wanted = {(i, k): index.top(query, k) for i, query in enumerate(queries) for k in (1, 10)}
    calls = []

    def top_k(*args):
        calls.append(args)
        return real_top_k(*args)

    real_top_k = bm25_kernel.top_k
    monkeypatch.setattr(bm25_kernel, "top_k", top_k)
    monkeypatch.setattr(bm25_mod, "COMPILED_FROM", 0)  # read at each query
    for (i, k), want in wanted.items():
        got = index.top(queries[i], k)
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=RTOL)
        assert {d for d, _ in got} == {d for d, _ in want} or got[-1][1] == pytest.approx(
            want[-1][1], rel=RTOL)  # the same documents, but for a tie at the k-th place
    ranked = [q for q in queries if any(t is not None and index.idf(t) > 0 for t in q)]
    assert len(calls) == 2 * len(ranked) > 0  # each query that ranks went through the kernel
    assert not index._scratch.acc.any()  # the scratch space is left clean
    parallel = per_thread is not None and bm25_kernel.get_num_threads() > 1
    assert len(launches) == (len(calls) if parallel else 0)  # short postings: no thread pool


@pytest.mark.parametrize("compiled", [None, "one", "blocks"],
                         ids=["maxscore", "compiled", "compiled in blocks"])
def test_threads_querying_one_index_get_the_sequential_results(monkeypatch, compiled):
    """8 threads × 500 queries at once on one index, each result exactly the one a single
    thread gets (the scratch arrays once were shared: threads summed into each other's)."""
    import threading

    import retrieval.bm25 as bm25_mod

    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(400)]
    weights = 1 / np.arange(1, 401) ** 1.1
    weights /= weights.sum()
    docs = [list(rng.choice(words, size=rng.integers(5, 60), p=weights)) for _ in range(3000)]
    index, vocab = build(docs)
    queries = [[vocab.get(t) for t in rng.choice(words, size=rng.integers(2, 8), p=weights)]
               for _ in range(500)]
    monkeypatch.setattr(bm25_mod, "COMPILED_FROM", 0 if compiled else 10**9)
    if compiled == "blocks":
        from retrieval import bm25_kernel

        monkeypatch.setattr(bm25_kernel, "POSTINGS_PER_THREAD", 1)
    wanted = [index.top(q, 10) for q in queries]
    start = threading.Barrier(8)
    got: dict[int, list] = {}

    def run(n: int) -> None:
        order = np.random.default_rng(n).permutation(len(queries))  # each thread its own order
        start.wait()
        got[n] = [(int(i), index.top(queries[i], 10)) for i in order]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    differing = sum(result != wanted[i] for n in range(8) for i, result in got[n])
    assert len(got) == 8 and differing == 0


def test_compiled_maxscore_prunes_and_stays_exact():
    """A rare, heavy term and common, light ones: MaxScore sums the rare term's postings, then
    looks the common terms up only for the documents it found (by bisection, or by a pass over
    a shorter list), and the top k are those of a full sum, score for score."""
    from retrieval import bm25_kernel

    rng = np.random.default_rng(3)
    docs = [["common"] * int(rng.integers(1, 4)) * (n % 5 < 2) + ["filler"] * int(rng.integers(1, 20))
            + (["rare"] if n % 500 == 0 else []) + (["mid"] if n % 7 == 0 else [])
            for n in range(20_000)]
    bm, vocab = build(docs)
    for query, k in ((["rare", "common"], 5), (["rare", "mid", "common"], 10),
                     (["common", "mid"], 10), (["rare"], 3)):
        terms = np.array([vocab[t] for t in query], np.int64)
        weights = np.ones(len(terms), np.float32)
        bounds = bm.upper[terms].astype(np.float64) * weights
        order = np.argsort(-bounds, kind="stable")
        left = np.cumsum(bounds[order][::-1])[::-1].copy()
        acc, touched = np.zeros(bm.n_docs, np.float32), np.zeros(bm.n_docs, np.int64)
        found, scores, taken = bm25_kernel._maxscore(
            bm.data, bm.indices, bm.indptr, terms[order], weights[order], left, acc, touched, k)
        full = bm.scores(terms.tolist())
        best = np.argsort(-full, kind="stable")[:k]
        assert sorted(scores.tolist(), reverse=True) == pytest.approx(full[best].tolist(), rel=RTOL)
        assert set(found.tolist()) == set(best.tolist()) and not acc.any()
        if query[0] == "rare" and len(query) > 1:
            assert taken == 1  # the common terms were only looked up


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_the_score_matrix_is_bm25s_s_bit_for_bit(engine, monkeypatch, compiled):
    """The matrix is built by numpy here, or from COMPILED_FROM documents by the compiled
    counting sort; bm25s (method atire, Robertson IDF) builds the same arrays, value for
    value, on the seeds and on a generated corpus with empty documents and unused terms."""
    import bm25s

    from retrieval import bm25

    monkeypatch.setattr(bm25, "COMPILED_FROM", 0 if compiled else 10**9)

    rng = np.random.default_rng(13)
    generated = [rng.integers(0, 500, size=rng.integers(0, 80)).tolist() for _ in range(3000)]
    idx = engine.index
    seeds = [np.asarray(idx.tokens[int(v)]).tolist() for v in idx.visible]
    for docs, n_vocab in ((generated, 520), (seeds, len(idx.vocab))):
        ours = Bm25.build(Ragged.from_lists(docs), n_vocab)
        model = bm25s.BM25(method="atire", idf_method="robertson", k1=1.5, b=0.75)
        theirs = model.build_index_from_ids(unique_token_ids=list(range(n_vocab)),
                                            corpus_token_ids=[np.asarray(d) for d in docs],
                                            show_progress=False)
        assert np.array_equal(ours.indptr, theirs["indptr"])
        assert np.array_equal(ours.indices, theirs["indices"])
        assert np.array_equal(ours.data, theirs["data"].astype(np.float32))


@pytest.mark.parametrize("compiled", [False, True])
def test_parts_weighed_with_the_wholes_statistics_score_as_the_whole(monkeypatch, compiled):
    """A corpus split in parts, each with its own term ids, each part's matrix built with the
    whole's statistics (CorpusWide): every passage's score is the whole index's, bit for bit,
    and the parts' top k merged are the whole's; with their own statistics they are not."""
    from retrieval import bm25 as bm25_mod
    from retrieval.bm25 import CorpusWide

    monkeypatch.setattr(bm25_mod, "COMPILED_FROM", 0 if compiled else 10**9)
    rng = np.random.default_rng(11)
    words, weights, docs = zipf_corpus(rng, 300, 900, (3, 50))
    whole, vocab = build(docs)
    df = np.diff(np.asarray(whole.indptr))
    total = sum(map(len, docs))
    parts = [[d for d in range(len(docs)) if d % 3 == p] for p in range(3)]
    built = []
    for rows in parts:
        own = sorted({t for d in rows for t in docs[d]})
        local = {t: i for i, t in enumerate(own)}
        stats = CorpusWide(len(docs), total, df[[vocab[t] for t in own]])
        tokens = Ragged.from_lists([[local[t] for t in docs[d]] for d in rows])
        built.append((rows, local, Bm25.build(tokens, len(own), stats),
                      Bm25.build(tokens, len(own))))
    differs = False
    for _ in range(25):
        query = list(rng.choice(words, size=rng.integers(1, 5), p=weights))
        full = whole.scores([vocab.get(t) for t in query])
        merged = []
        for rows, local, part, alone in built:
            ids = [local.get(t) for t in query]
            assert np.array_equal(part.scores(ids), full[rows])  # bit for bit
            differs |= not np.array_equal(alone.scores(ids), full[rows])
            merged += [(s, rows[d]) for d, s in part.top(ids, 10)]
        # The merged ten are ten best of the whole (top()'s float32 sums follow each part's
        # order of terms, so they may differ from the whole's in the last bit).
        got = [d for _, d in sorted(merged, key=lambda x: (-x[0], x[1]))[:10]]
        assert sorted(full[got], reverse=True) == pytest.approx(
            sorted(full[full > 0], reverse=True)[:10], rel=1e-6)
    assert differs  # the parts' own statistics would rank otherwise
