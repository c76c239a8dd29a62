"""A corpus in shards that rank as one index, as Elasticsearch's ``dfs_query_then_fetch`` does:
the statistics BM25 weighs with — the passages, their total length in tokens, each term's
document frequency — summed over every shard (:func:`corpus_wide`), and each shard's score
matrix built with them from its stored token ids (:func:`weighed`). A shard is an ordinary
index of the files its hash names (:func:`retrieval.index.open_index` with ``shard``); weighed
with its own statistics, its scores would not be comparable with another shard's. Text
repeated in files of different shards is kept once over all of them (:func:`shared_visible`),
as one index keeps it once.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bm25 import Bm25, CorpusWide
from .index import Index
from .passages import visible_rows


def shared_visible(shards: Sequence[Index]) -> list[np.ndarray]:
    """The rows each shard ranks when repeated text is chosen over all shards' articles at
    once (:func:`retrieval.passages.visible_rows`, whose choice depends on the articles, not on
    where they are): one index's choice."""
    starts = [0]
    for index in shards:
        starts.append(starts[-1] + len(index.texts))
    articles, rows_of = [], []
    for index, start in zip(shards, starts, strict=False):
        own: list[list[int]] = [[] for _ in range(len(index.article_json))]
        for row, a in enumerate(np.asarray(index.article_index).tolist()):
            own[a].append(start + row)
        articles += [index.article(a) for a in range(len(own))]
        rows_of += own

    def at(row: int) -> tuple[Index, int]:
        s = bisect.bisect_right(starts, row) - 1
        return shards[s], row - starts[s]

    def key(row: int) -> int:
        index, r = at(row)
        return int(index.keys[r])

    def text(row: int) -> str:
        index, r = at(row)
        return index.texts[r]

    def length(row: int) -> int:
        index, r = at(row)
        return int(index.lengths[r])

    kept = np.asarray(visible_rows(articles, rows_of, key, text, length), dtype=np.int64)
    return [(kept[(kept >= a) & (kept < b)] - a).astype(np.int32)
            for a, b in zip(starts, starts[1:], strict=False)]


@dataclass(frozen=True)
class Whole:
    """The statistics of a corpus kept in shards: its passages, their total length in tokens,
    and each term's document frequency."""

    n_docs: int
    total_length: int
    df: dict[str, int]

    def seen_by(self, index: Index) -> CorpusWide:
        """The statistics as ``index`` weighs with them: document frequencies by its term ids."""
        return CorpusWide(self.n_docs, self.total_length,
                          np.fromiter((self.df.get(t, 0) for t in index.vocab), np.int64,
                                      count=len(index.vocab)))


def whole_of(shards: Sequence[Index], visible: Sequence[np.ndarray]) -> Whole:
    """The whole's statistics over the rows each shard ranks (``visible``)."""
    df: Counter[str] = Counter()
    n_docs = total = 0
    for index, rows in zip(shards, visible, strict=True):
        docs = index.tokens.take(rows)
        # The documents holding each term, as the shard's own matrix over these rows counts them.
        counts = np.diff(np.asarray(Bm25.build(docs, len(index.vocab)).indptr))
        df.update({index.vocab[int(t)]: int(counts[t]) for t in np.flatnonzero(counts)})
        n_docs += len(rows)
        total += int(docs.lengths().sum())
    return Whole(n_docs, total, dict(df))


def corpus_wide(shards: Sequence[Index], visible: Sequence[np.ndarray]) -> list[CorpusWide]:
    """The whole's statistics as each shard sees them."""
    whole = whole_of(shards, visible)
    return [whole.seen_by(index) for index in shards]


def weighed(index: Index, rows: np.ndarray, whole: CorpusWide) -> Bm25:
    """The score matrix of ``index``'s ``rows``, in that order, weighed with the whole's
    statistics."""
    return Bm25.build(index.tokens.take(rows), len(index.vocab), whole)
