"""BM25 ranking: rank-bm25's BM25Okapi scores, computed through a sparse index.

The score matrix (one column per term: the documents holding it and their BM25 weight) is the
one bm25s builds with ``method="atire", idf_method="robertson"`` — the BM25Okapi formula with
k1 = 1.5, b = 0.75 — from token ids stored at index time, so an incremental update re-runs only
this step, never the tokenizer. Its three arrays are saved as ``.npy`` files and memory-mapped
when served. Hand-written (:meth:`Bm25.build`), in a few whole-array numpy steps: bm25s builds
the very same arrays, bit for bit (a test holds them equal), but in a Python loop over the
documents, 7× slower (3.6 s at 100,000 passages against 0.5 s), and its import brings numba
into every first start. From COMPILED_FROM documents the pairs are counted by a compiled
counting sort instead of numpy's sort (:mod:`retrieval.bm25_kernel`; 15 s → 4 s at a million
passages), the same arrays again.

IDF choice: BM25Okapi floors negative IDF (terms in more than half the passages) at
``epsilon × mean IDF``; its default epsilon=0.25 gives such very common words a positive weight
and lets them outrank rarer ones. ganwen uses epsilon=0 — a term in most passages weighs 0 —
which is what bm25s's Robertson IDF does by clamping at 0.

Querying is done here rather than by bm25s's ``retrieve``: its numba backend costs seconds of
import and JIT compilation at start-up, and both backends add up every posting of every query
term and rank all N documents. This uses MaxScore (Turtle & Flood 1995): terms are taken in
order of their largest possible contribution; once the terms left could not lift a passage
that none of the taken terms matched past the current k-th score, those terms' long postings
are only looked up for the passages already found. The result is the exact top k. An index of
COMPILED_FROM documents or more is queried by the numba kernel of :mod:`retrieval.bm25_kernel`
instead (numba is a dependency; it is imported only then). Both sum float32 weights in an order
of their own; the k best and a few more are then scored again in float64, term by term in the
question's order, so a passage's score is the same bits in any index holding its weights (a
shard weighed with the whole's statistics scores as the whole, :mod:`retrieval.sharded`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import Ragged, open_array, save_array

K1 = 1.5
B = 0.75
# Documents from which the compiled kernel answers: 5× numpy's speed at 100,000 (0.16 against
# 0.78 ms), 2.5× at 10,000; below, a query's saving does not pay back numba's import at start.
COMPILED_FROM = 20_000
EPSILON = 0.0  # rank-bm25's epsilon: negative IDF becomes 0
EXACT_EXTRA = 8  # candidates beyond k scored exactly: near-ties at the k-th place stay in


def robertson_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """log((N − df + 0.5) / (df + 0.5)), floored at 0 (EPSILON); 0 for unused terms."""
    with np.errstate(divide="ignore", invalid="ignore"):
        idf = np.log((n_docs - df + 0.5) / (df + 0.5))
    return np.where(df > 0, np.maximum(idf, EPSILON), 0.0).astype(np.float32)


@dataclass(frozen=True)
class CorpusWide:
    """The statistics a part of a corpus (a shard) weighs its passages with, so that they score
    as in one index of the whole (Elasticsearch's dfs_query_then_fetch): the whole's passages,
    their total length in tokens, and each term's document frequency in the whole, indexed by
    the part's own term ids."""

    n_docs: int
    total_length: int
    df: np.ndarray

    @property
    def mean_length(self) -> float:
        # The total is exact (an int), so this is the very float numpy's mean of the whole's
        # lengths gives: a part scores bit for bit as the whole.
        return self.total_length / self.n_docs if self.n_docs else 0.0


class Bm25:
    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int,
                 upper: np.ndarray | None = None, idf: np.ndarray | None = None):
        self.data, self.indices, self.indptr, self.n_docs = data, indices, indptr, n_docs
        self.idf_array = idf if idf is not None else robertson_idf(np.diff(indptr), n_docs)
        # The largest weight of each term in any document: MaxScore's bound.
        self.upper = upper if upper is not None else term_upper_bounds(data, indptr)
        # Scratch space reused by every query of a thread (scores of the documents a query
        # touches): one set per thread, so that threads answering at once never share one and
        # no lock is taken per query.
        self._scratch = threading.local()

    @classmethod
    def build(cls, docs: Ragged, n_vocab: int, whole: CorpusWide | None = None) -> Bm25:
        """The score matrix of ``docs`` (token ids below ``n_vocab``): every (term, document)
        pair counted in one sort, then weighed at once; from COMPILED_FROM documents, counted
        and weighed by compiled loops (:func:`retrieval.bm25_kernel.postings`), the same
        arrays in a third of the time and memory. ``whole``: the statistics of the corpus
        ``docs`` are a part of, to weigh them with instead of their own."""
        n_docs = len(docs)
        if not n_docs:
            return cls(np.zeros(0, np.float32), np.zeros(0, np.int32),
                       np.zeros(n_vocab + 1, np.int64), 0,
                       idf=None if whole is None else robertson_idf(whole.df, whole.n_docs))
        lengths = docs.lengths()
        mean = whole.mean_length if whole is not None else float(lengths.mean())
        if n_docs >= COMPILED_FROM:
            from . import bm25_kernel  # numba: only for an index this large

            doc, tf, df = bm25_kernel.postings(np.asarray(docs.flat), np.asarray(docs.offsets),
                                               n_vocab)
            idf = cls._idf(df, n_docs, whole)
            data = bm25_kernel.weights(doc, tf, df, idf, cls._norm(lengths, mean), K1)
            return cls(data, doc, cls._indptr(df), n_docs, idf=idf)
        # term × N + document for every token: sorted, the pairs come term by term, documents
        # in order. Worked in place (no np.unique): at a million passages this is 50 million
        # tokens, and each array of them 400 MB.
        pairs = np.array(docs.flat[docs.offsets[0]:docs.offsets[-1]], dtype=np.int64)
        pairs *= n_docs
        pairs += np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pairs.sort()
        first = np.empty(len(pairs), dtype=bool)
        first[:1] = True
        np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        del first
        tf = np.diff(starts, append=len(pairs))
        pairs = pairs[starts]
        del starts
        term, doc = np.divmod(pairs, n_docs)
        del pairs
        df = np.bincount(term, minlength=n_vocab)
        idf = cls._idf(df, n_docs, whole)
        data = idf[term] * (tf * (K1 + 1)) / (tf + cls._norm(lengths, mean)[doc])
        return cls(data.astype(np.float32), doc.astype(np.int32), cls._indptr(df), n_docs,
                   idf=idf)

    @staticmethod
    def _idf(df: np.ndarray, n_docs: int, whole: CorpusWide | None) -> np.ndarray:
        return robertson_idf(df, n_docs) if whole is None else robertson_idf(whole.df,
                                                                             whole.n_docs)

    @staticmethod
    def _norm(lengths: np.ndarray, mean: float) -> np.ndarray:
        """Each document's length normalisation, k1 × (1 − b + b × length / mean length)."""
        return K1 * (1 - B + B * lengths / (mean or 1.0))  # or: no token at all

    @staticmethod
    def _indptr(df: np.ndarray) -> np.ndarray:
        indptr = np.zeros(len(df) + 1, np.int64)
        np.cumsum(df, out=indptr[1:])
        return indptr

    def save(self, folder: Path, name: str = "bm25") -> None:
        for part in ("data", "indices", "indptr", "upper"):
            save_array(folder, f"{name}.{part}", getattr(self, part))
        save_array(folder, f"{name}.idf", self.idf_array)

    @classmethod
    def open(cls, folder: Path, n_docs: int, name: str = "bm25") -> Bm25:
        data, indices, indptr, upper, idf = (open_array(folder, f"{name}.{n}")
                                             for n in ("data", "indices", "indptr", "upper", "idf"))
        return cls(data, indices, indptr, n_docs, upper, idf)

    def idf(self, term: int | None) -> float:
        return 0.0 if term is None else float(self.idf_array[term])

    def scores(self, terms: Sequence[int | None]) -> np.ndarray:
        """Every document's score (for tests and comparisons; queries use :meth:`top`)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for term, times in Counter(t for t in terms if t is not None).items():
            docs, weights = self._column(term)
            out[docs] += weights * times
        return out

    def top(self, terms: Sequence[int | None], k: int,
            weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
        """The k best documents with a positive score, best first (ties: lower id first). A
        term's score is multiplied by its weight (1 each by default), summed over repeats."""
        counts: dict[int, float] = {}
        for i, t in enumerate(terms):
            if t is not None:
                counts[t] = counts.get(t, 0.0) + (weights[i] if weights is not None else 1.0)
        # A term in most passages weighs nothing; one a part of the corpus (a shard) does not
        # hold has no postings here.
        weighted = [(t, n) for t, n in counts.items()
                    if self.idf_array[t] > 0 and self.indptr[t + 1] > self.indptr[t]]
        if not weighted or k <= 0:
            return []
        # A few more than k, scored again exactly: the kernels sum float32 weights in an order
        # of their own, and two sums of the same weights can differ in the last bit.
        if self.n_docs >= COMPILED_FROM:
            return self._compiled_top(weighted, k)
        found = self._maxscore(list(weighted), k + EXACT_EXTRA)
        return self._exact(weighted, [doc for doc, _ in found], k)

    def _exact(self, weighted: list[tuple[int, float]], docs: list[int], k: int
               ) -> list[tuple[int, float]]:
        """The k best of ``docs`` by their scores summed in float64, term by term in the
        query's order: every float32 weight is exact in float64, so a passage scores the same
        bits in any index whose weights are its (a shard's weighed with the whole's
        statistics, :mod:`retrieval.shards`) and ties are real ties."""
        if not docs:
            return []
        candidates = np.asarray(docs, dtype=np.int32)
        scores = np.zeros(len(candidates), dtype=np.float64)
        for term, times in weighted:
            self._add_weights(scores, candidates, term, times)
        order = np.lexsort((candidates, -scores))[:k]
        return [(int(candidates[i]), float(scores[i])) for i in order if scores[i] > 0]

    def _scratch_array(self, name: str, dtype: type) -> np.ndarray:
        """This thread's scratch array ``name`` (zeros, one item per document), made on first
        use; a query leaves it as it found it."""
        array = getattr(self._scratch, name, None)
        if array is None:
            array = np.zeros(self.n_docs, dtype=dtype)
            setattr(self._scratch, name, array)
        return array

    def _compiled_top(self, weighted: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        from . import bm25_kernel  # imports numba (~0.3 s): only for an index this large

        terms = np.array([t for t, _ in weighted], np.int64)
        docs, _ = bm25_kernel.top_k(
            self.data, self.indices, self.indptr, terms,
            np.array([n for _, n in weighted], np.float32), self._scratch_array("acc", np.float32),
            self._scratch_array("touched", np.int64), k + EXACT_EXTRA, self.upper)
        docs = np.asarray(docs, dtype=np.int64)
        scores = bm25_kernel.exact(self.data, self.indices, self.indptr, terms,
                                   np.array([n for _, n in weighted], np.float64), docs)
        order = np.lexsort((docs, -scores))[:k]
        return [(int(docs[i]), float(scores[i])) for i in order if scores[i] > 0]

    def _maxscore(self, weighted: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        weighted.sort(key=lambda tn: -float(self.upper[tn[0]]) * tn[1])
        bounds = [float(self.upper[t]) * n for t, n in weighted]
        lengths = [int(self.indptr[t + 1] - self.indptr[t]) for t, _ in weighted]
        acc, touched, left = self._scratch_array("acc", np.float32), [], sum(bounds)
        rest, seen, taken = sum(lengths), 0, 0
        for (term, times), bound, length in zip(weighted, bounds, lengths, strict=True):
            docs, weights = self._column(term)
            acc[docs] += weights * times  # a document appears once per term: no repeated index
            touched.append(docs)
            taken, left, rest, seen = taken + 1, left - bound, rest - length, seen + length
            # Checking costs a pass over the candidates: worth it only while the postings
            # left are longer than those already summed.
            if taken < len(weighted) and seen >= k and rest > seen:
                found = self._distinct(touched)
                if len(found) >= k and left < np.partition(acc[found], -k)[-k]:
                    break  # passages none of these terms match cannot reach the top k
        candidates = self._distinct(touched)
        scores = acc[candidates].astype(np.float64)
        acc[candidates] = 0.0
        for term, times in weighted[taken:]:
            self._add_weights(scores, candidates, term, times)
        if len(candidates) > k:
            best = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[best], scores[best]
        order = np.lexsort((candidates, -scores))
        return [(int(candidates[i]), float(scores[i])) for i in order if scores[i] > 0]

    def _add_weights(self, scores: np.ndarray, candidates: np.ndarray, term: int,
                     times: float) -> None:
        """Add ``term``'s weight in each of ``candidates`` (if it holds the term) to ``scores``."""
        docs, weights = self._column(term)
        if not len(docs):
            return
        at = np.minimum(np.searchsorted(docs, candidates), len(docs) - 1)
        hit = docs[at] == candidates
        scores[hit] += weights[at[hit]].astype(np.float64) * times

    def _column(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.indices[start:end], self.data[start:end]

    def _distinct(self, parts: list[np.ndarray]) -> np.ndarray:
        """Each document once, in O(len) (no sort): keep the last place each one stands."""
        if len(parts) == 1:
            return parts[0]
        docs = np.concatenate(parts)
        places = np.arange(len(docs))
        mark = self._scratch_array("mark", np.int64)
        mark[docs] = places
        return docs[mark[docs] == places]


def term_upper_bounds(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each term's largest weight over all documents (0 for an unused term)."""
    upper = np.zeros(len(indptr) - 1, dtype=np.float32)
    nonempty = np.flatnonzero(np.diff(indptr) > 0)
    if len(nonempty):
        upper[nonempty] = np.maximum.reduceat(np.asarray(data), np.asarray(indptr)[nonempty])
    return upper
