"""BM25 ranking with rank-bm25's BM25Okapi formula.

IDF choice: BM25Okapi floors negative IDF (terms in more than half the passages) at
``epsilon × mean IDF``; its default epsilon=0.25 gives such very common words a positive weight
and lets them outrank rarer ones. ganwen uses ``epsilon=0``: a term in most passages weighs 0.
"""

from __future__ import annotations

import numpy as np
from rank_bm25 import BM25Okapi

K1 = 1.5
B = 0.75
EPSILON = 0.0


class Bm25:
    def __init__(self, docs: list[list[str]]):
        self.model = BM25Okapi(docs, k1=K1, b=B, epsilon=EPSILON)

    def scores(self, query: list[str]) -> np.ndarray:
        return self.model.get_scores(query)

    def idf(self, token: str) -> float:
        return float(self.model.idf.get(token, 0.0))

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The k best documents with a positive score, best first."""
        scores = self.scores(query)
        if not len(scores):
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(best, key=lambda i: (-scores[i], i))
        return [(int(i), float(scores[i])) for i in ranked if scores[i] > 0]
