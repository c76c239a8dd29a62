"""A corpus in shards that rank as one index, as Elasticsearch's ``dfs_query_then_fetch`` does:
the statistics BM25 weighs with — the passages, their total length in tokens, each term's
document frequency — summed over every shard (:func:`corpus_wide`), and each shard's score
matrix built with them from its stored token ids (:func:`weighed`). A shard is an ordinary
index of the files its hash names (:func:`retrieval.index.open_index` with ``shard``); weighed
with its own statistics, its scores would not be comparable with another shard's.

Not yet here: text repeated in files of different shards is kept once per shard (one index
keeps it once in all), so the shards rank as one index of a corpus without such repeats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .bm25 import Bm25, CorpusWide
from .index import Index
from .store import Ragged


def _visible_tokens(index: Index) -> Ragged:
    """The token ids of the passages ``index`` ranks, in its document order."""
    return index.tokens.take(np.asarray(index.visible))


def corpus_wide(shards: Sequence[Index]) -> list[CorpusWide]:
    """The whole's statistics as each shard sees them (document frequencies by its own term
    ids), over the passages each shard indexes."""
    df: Counter[str] = Counter()
    n_docs = total = 0
    for index in shards:
        counts = np.diff(np.asarray(index.bm25.indptr))  # documents holding each term
        used = np.flatnonzero(counts)
        df.update({index.vocab[int(t)]: int(counts[t]) for t in used})
        n_docs += len(index)
        total += int(_visible_tokens(index).lengths().sum())
    return [CorpusWide(n_docs, total, np.fromiter((df[t] for t in index.vocab), np.int64,
                                                  count=len(index.vocab)))
            for index in shards]


def weighed(index: Index, whole: CorpusWide) -> Bm25:
    """``index``'s score matrix weighed with the whole's statistics."""
    return Bm25.build(_visible_tokens(index), len(index.vocab), whole)
