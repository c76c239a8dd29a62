"""BM25 ranking: rank-bm25's BM25Okapi scores, computed through a sparse index.

The score matrix (one column per term: the documents holding it and their BM25 weight) is built
by bm25s with ``method="atire", idf_method="robertson"`` — the BM25Okapi formula with k1 = 1.5,
b = 0.75 — from token ids stored at index time, so an incremental update re-runs only this step,
never the tokenizer. Its three arrays are saved as ``.npy`` files and memory-mapped when served.

IDF choice: BM25Okapi floors negative IDF (terms in more than half the passages) at
``epsilon × mean IDF``; its default epsilon=0.25 gives such very common words a positive weight
and lets them outrank rarer ones. ganwen uses epsilon=0 — a term in most passages weighs 0 —
which is what bm25s's Robertson IDF does by clamping at 0.

Querying is done here rather than by bm25s's ``retrieve``: its numba backend costs a second of
import and JIT compilation at start-up, and both backends rank all N documents; this sums only
the query terms' postings and ranks only the documents they touch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .store import Ragged, open_array, save_array

K1 = 1.5
B = 0.75
EPSILON = 0.0  # rank-bm25's epsilon: negative IDF becomes 0


def robertson_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """log((N − df + 0.5) / (df + 0.5)), floored at 0 (EPSILON); 0 for unused terms."""
    with np.errstate(divide="ignore", invalid="ignore"):
        idf = np.log((n_docs - df + 0.5) / (df + 0.5))
    return np.where(df > 0, np.maximum(idf, EPSILON), 0.0).astype(np.float32)


class Bm25:
    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int):
        self.data, self.indices, self.indptr, self.n_docs = data, indices, indptr, n_docs
        self.idf_array = robertson_idf(np.diff(np.asarray(indptr)), n_docs)
        # Scratch space reused by every query: scores of the documents a query touches.
        self._acc = np.zeros(n_docs, dtype=np.float32)
        self._mark = np.zeros(n_docs, dtype=np.int64)

    @classmethod
    def build(cls, docs: Ragged, n_vocab: int) -> Bm25:
        import bm25s  # index building only: serving never imports it

        model = bm25s.BM25(method="atire", idf_method="robertson", k1=K1, b=B)
        if not len(docs):
            return cls(np.zeros(0, np.float32), np.zeros(0, np.int32),
                       np.zeros(n_vocab + 1, np.int64), 0)
        flat = np.asarray(docs.flat)
        rows = [flat[docs.offsets[i]:docs.offsets[i + 1]] for i in range(len(docs))]
        scores = model.build_index_from_ids(
            unique_token_ids=list(range(n_vocab)), corpus_token_ids=rows, show_progress=False)
        return cls(scores["data"].astype(np.float32), scores["indices"].astype(np.int32),
                   scores["indptr"].astype(np.int64), len(docs))

    def save(self, folder: Path) -> None:
        for name in ("data", "indices", "indptr"):
            save_array(folder, f"bm25.{name}", getattr(self, name))

    @classmethod
    def open(cls, folder: Path, n_docs: int) -> Bm25:
        return cls(*(open_array(folder, f"bm25.{n}") for n in ("data", "indices", "indptr")),
                   n_docs=n_docs)

    def idf(self, term: int | None) -> float:
        return 0.0 if term is None else float(self.idf_array[term])

    def _postings(self, terms: Sequence[int | None]):
        """(documents, weights) per distinct query term, a repeated term counting again."""
        for term, times in Counter(t for t in terms if t is not None).items():
            if self.idf_array[term] <= 0:
                continue  # in most passages: weighs nothing
            start, end = self.indptr[term], self.indptr[term + 1]
            yield self.indices[start:end], self.data[start:end] * times

    def scores(self, terms: Sequence[int | None]) -> np.ndarray:
        """Every document's score (for tests and comparisons; queries use :meth:`top`)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for docs, weights in self._postings(terms):
            out[docs] += weights
        return out

    def _distinct(self, docs: np.ndarray) -> np.ndarray:
        """Each document once, in O(len) (no sort): keep the last place each one stands."""
        places = np.arange(len(docs))
        self._mark[docs] = places
        return docs[self._mark[docs] == places]

    def top(self, terms: Sequence[int | None], k: int) -> list[tuple[int, float]]:
        """The k best documents with a positive score, best first (ties: lower id first)."""
        touched = []
        acc = self._acc
        for docs, weights in self._postings(terms):
            acc[docs] += weights  # a document appears once per term: no repeated index
            touched.append(docs)
        if not touched:
            return []
        candidates = touched[0] if len(touched) == 1 else self._distinct(np.concatenate(touched))
        scores = acc[candidates]
        acc[candidates] = 0.0
        if len(candidates) > k:
            best = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[best], scores[best]
        order = np.lexsort((candidates, -scores))
        return [(int(candidates[i]), float(scores[i])) for i in order if scores[i] > 0]

