"""BM25 scoring over passage token lists, with rank-bm25's BM25Okapi as the definition.

Kept behind a small interface (``top``) so the engine does not care how scores are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

K1 = 1.5
B = 0.75


class BM25Scorer:
    """Scores every passage for a query; ``top`` returns the best ``n`` (index, score)."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> None:
        self.size = len(corpus)
        self._bm25 = (
            BM25Okapi([list(doc) or [""] for doc in corpus], k1=k1, b=b) if corpus else None
        )

    def document_frequency(self, token: str) -> int:
        if self._bm25 is None:
            return 0
        return sum(1 for freqs in self._bm25.doc_freqs if token in freqs)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(0)
        return np.asarray(self._bm25.get_scores(list(query)), dtype=float)

    def top(self, query: Sequence[str], n: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        if scores.size == 0:
            return []
        n = min(n, scores.size)
        idx = np.argpartition(-scores, n - 1)[:n]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
