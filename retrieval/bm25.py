"""BM25 scoring over passage token lists, with rank-bm25's BM25Okapi as the definition.

Kept behind a small interface (``top``, ``scores``) so the engine does not care how scores are
computed. ``BM25Okapi.get_scores`` walks every passage for every query term (a Python loop over
all documents per term), which is fine for a few hundred passages and far too slow for a
national knowledge base of tens of thousands. Here the same scores are computed from an
inverted index built once:

* every (term, passage) pair holds its precomputed term weight
  ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``, evaluated with the very
  operations and operation order of ``BM25Okapi`` (and ``math.log`` for idf, including its
  ``epsilon * average_idf`` floor for terms in more than half the passages), so every weight is
  bit-identical to the one rank-bm25 would add;
* a query only touches the passages that contain one of its terms: their weights are summed in
  query-term order (duplicate query terms count once per occurrence, like BM25Okapi; unknown
  terms add nothing), which reproduces ``get_scores`` bit for bit, ties included.

No ``BM25Okapi`` object is kept (its per-passage dicts cost far more memory than the arrays).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, KeysView, Sequence
from functools import reduce
from itertools import chain
from operator import add

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25
"""BM25Okapi's default floor factor: negative idf becomes ``EPSILON * average idf``."""
_SLICE = 1 << 18


class BM25Scorer:
    """BM25Okapi scores from precomputed postings; ``top`` returns the best ``(index, score)``.

    Immutable after construction, so one scorer can serve concurrent queries.
    """

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float = K1,
        b: float = B,
        epsilon: float = EPSILON,
    ) -> None:
        self.size = len(corpus)
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        n = self.size
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=n)
        total = int(lengths.sum())
        # First-occurrence order over the corpus: the order BM25Okapi fills its ``nd`` dict in,
        # which fixes the summation order of its average idf.
        first_seen = dict.fromkeys(chain.from_iterable(corpus))
        self._vocab: dict[str, int] = dict(zip(first_seen, range(len(first_seen)), strict=True))
        vocab_size = len(self._vocab)
        self._lengths = lengths
        self.avgdl = total / n if n else 0.0
        self._lock = threading.Lock()
        self._doc_indptr: np.ndarray | None = None
        self._doc_terms: np.ndarray | None = None
        self._token_list: list[str] = []
        if total == 0:
            # BM25Okapi cannot even be built here (avgdl 0, no vocabulary): nothing can match.
            self._idf = np.zeros(0)
            self._df = np.zeros(vocab_size, dtype=np.int64)
            self._indptr = np.zeros(1, dtype=np.int64)
            self._docs = np.zeros(0, dtype=np.int32)
            self._weights = np.zeros(0)
            self.average_idf = 0.0
            return

        # One key per token occurrence, term * n + passage, in the narrowest integer type that
        # holds it (memory: this runs at every start-up, and peak RSS is what a server pays).
        # Sorted, equal keys form one run per (term, passage): postings grouped by term,
        # passages ascending inside each term, run lengths = term frequencies.
        key_type = np.int32 if vocab_size * n < 2**31 else np.int64
        keys = np.fromiter(
            map(self._vocab.__getitem__, chain.from_iterable(corpus)), dtype=key_type, count=total
        )
        keys *= n
        keys += np.repeat(np.arange(n, dtype=key_type), lengths)
        keys.sort()
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        tf = np.diff(starts, append=total)
        post_terms, docs = np.divmod(keys[starts], n)
        del keys, starts
        docs = docs.astype(np.int32)
        df = np.bincount(post_terms, minlength=vocab_size)
        self._df = df
        self._indptr = np.zeros(vocab_size + 1, dtype=np.int64)
        np.cumsum(df, out=self._indptr[1:])

        # idf exactly as BM25Okapi._calc_idf: math.log (not np.log, which may differ in the last
        # bit), summed left to right in first-occurrence order, negative ones floored.
        idf_list = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in df.tolist()]
        self.average_idf = reduce(add, idf_list, 0) / len(idf_list)
        eps = self.epsilon * self.average_idf
        idf = np.array(idf_list)
        idf[idf < 0] = eps
        self._idf = idf

        # The per-posting term of BM25Okapi.get_scores, same operations in the same order
        # (element-wise, so computing it in slices changes no bit; slices bound the temporaries):
        # idf * (q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl)))
        weights = np.empty(docs.size)
        avgdl = self.avgdl
        for lo in range(0, docs.size, _SLICE):
            hi = lo + _SLICE
            q_freq = tf[lo:hi]
            doc_len = lengths[docs[lo:hi]]
            ratio = q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl))
            np.multiply(idf[post_terms[lo:hi]], ratio, out=weights[lo:hi])
        self._weights = weights
        self._docs = docs

    # -- vocabulary statistics -----------------------------------------------------------------
    @property
    def vocabulary(self) -> KeysView[str]:
        """Every token of the indexed passages (a live, read-only view: ``in`` is O(1))."""
        return self._vocab.keys()

    def document_frequency(self, token: str) -> int:
        """Number of passages containing ``token`` (0 when unknown)."""
        term = self._vocab.get(token)
        return 0 if term is None else int(self._df[term])

    def idf(self, token: str) -> float:
        """The idf BM25Okapi uses for ``token`` (floored; 0 for unknown tokens)."""
        term = self._vocab.get(token)
        return 0.0 if term is None else float(self._idf[term])

    def document_length(self, index: int) -> int:
        """Number of tokens of passage ``index`` (what BM25 normalises by)."""
        return int(self._lengths[index])

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """Passages containing ``token`` (ascending) and their BM25 weights, as read-only arrays.

        For callers that combine terms in their own way without recomputing BM25.
        """
        term = self._vocab.get(token)
        if term is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        lo, hi = int(self._indptr[term]), int(self._indptr[term + 1])
        docs, weights = self._docs[lo:hi], self._weights[lo:hi]
        docs.flags.writeable = False
        weights.flags.writeable = False
        return docs, weights

    # -- per-passage term presence (coverage checks) ------------------------------------------
    def contains(self, token: str, indices: np.ndarray) -> np.ndarray:
        """Whether each passage of ``indices`` contains ``token``: a binary search in its
        postings, not a score vector over the whole corpus (coverage checks a few dozen
        passages per question)."""
        docs, _ = self.postings(token)
        if not docs.size:
            return np.zeros(len(indices), dtype=bool)
        at = np.searchsorted(docs, indices)
        return docs[np.minimum(at, docs.size - 1)] == indices

    def document_terms(self, index: int) -> frozenset[str]:
        """The distinct tokens of passage ``index``."""
        indptr, terms = self._document_index()
        tokens = self._token_list
        return frozenset(tokens[t] for t in terms[indptr[index] : indptr[index + 1]].tolist())

    def matched_terms(self, query: Iterable[str], index: int) -> list[str]:
        """The distinct query tokens (in query order) that passage ``index`` contains."""
        indptr, terms = self._document_index()
        row = terms[indptr[index] : indptr[index + 1]]
        out: list[str] = []
        for token in dict.fromkeys(query):
            term = self._vocab.get(token)
            if term is None:
                continue
            at = int(np.searchsorted(row, term))
            if at < row.size and row[at] == term:
                out.append(token)
        return out

    def _document_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Passage → sorted term ids, built on first use (coverage checks are rare)."""
        if self._doc_terms is None or self._doc_indptr is None:
            with self._lock:
                if self._doc_terms is None:
                    post_terms = np.repeat(np.arange(len(self._df), dtype=np.int32), self._df)
                    order = np.argsort(self._docs, kind="stable")
                    indptr = np.zeros(self.size + 1, dtype=np.int64)
                    np.cumsum(np.bincount(self._docs, minlength=self.size), out=indptr[1:])
                    self._token_list = list(self._vocab)
                    self._doc_indptr = indptr
                    self._doc_terms = post_terms[order]
        assert self._doc_indptr is not None and self._doc_terms is not None
        return self._doc_indptr, self._doc_terms

    # -- scoring -------------------------------------------------------------------------------
    def _gather(self, query: Iterable[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """(passage indices, weights) of every query occurrence, concatenated in query order."""
        vocab = self._vocab
        spans = [
            (int(self._indptr[t]), int(self._indptr[t + 1]))
            for t in (vocab.get(tok) for tok in query)
            if t is not None
        ]
        if not spans:
            return None
        if len(spans) == 1:
            lo, hi = spans[0]
            return self._docs[lo:hi], self._weights[lo:hi]
        docs = np.concatenate([self._docs[lo:hi] for lo, hi in spans])
        weights = np.concatenate([self._weights[lo:hi] for lo, hi in spans])
        return docs, weights

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """The full score vector, equal to ``BM25Okapi(corpus, k1, b).get_scores(query)``."""
        gathered = self._gather(query)
        if gathered is None:
            return np.zeros(self.size)
        docs, weights = gathered
        # bincount adds in input order starting from 0.0, i.e. term by term in query order:
        # the same sums as get_scores (adding its zeros for absent terms changes nothing).
        return np.bincount(docs, weights=weights, minlength=self.size)

    def top(self, query: Sequence[str], n: int) -> list[tuple[int, float]]:
        """The best ``n`` passages with a positive score, by score then index (deterministic)."""
        if n <= 0:
            return []
        scores = self.scores(query)
        candidates = np.flatnonzero(scores > 0)
        return _best(candidates, scores[candidates], n)

    def top_among(
        self, query: Sequence[str], n: int, candidates: Sequence[int] | np.ndarray
    ) -> list[tuple[int, float]]:
        """Like :meth:`top`, restricted to the passage indices in ``candidates``.

        For filters decided elsewhere (a document, a status) without rescoring the corpus.
        """
        if n <= 0:
            return []
        wanted = np.unique(np.asarray(candidates, dtype=np.int64))
        if wanted.size == 0:
            return []
        scores = self.scores(query)[wanted]
        keep = scores > 0
        return _best(wanted[keep], scores[keep], n)


def _best(indices: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """Top ``n`` of ``indices`` (ascending) by score descending, ties by lower index."""
    if indices.size > n:
        kth = np.partition(scores, indices.size - n)[indices.size - n]
        above = scores > kth
        ties = np.flatnonzero(scores == kth)[: n - int(above.sum())]
        keep = np.flatnonzero(above)
        keep = np.sort(np.concatenate([keep, ties]))
        indices, scores = indices[keep], scores[keep]
    order = np.lexsort((indices, -scores))
    return list(zip(indices[order].tolist(), scores[order].tolist(), strict=True))
