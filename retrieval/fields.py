"""The searchable fields of one index snapshot, built once from the stored tokens.

Legal texts are structured, and officers' words land in different places of it: the article
heading names the topic ("Hồ sơ đề nghị xét tặng ..."), a clause holds the answer, a point
("c) Biên bản bình xét") only makes sense after its clause's lead-in. So there are three fields:

* **body**, one per passage: the passage's tokens, preceded by its clause lead-in when the
  passage is a point (the lead-in's words are part of what the point says);
* **heading**, one per unit (article/section): the unit title; for a unit without one (the
  consolidated 2003 law prints bare "Điều 28"), the opening sentence of its first passage,
  which in legal drafting states what the article is about ("Danh hiệu “Tập thể lao động
  tiên tiến” được xét tặng cho ..."). Without it an untitled document could never earn the
  heading weight and would lose every near tie for a reason unrelated to relevance;
* **article**, one per unit: the whole unit (title and every passage), so a clause also ranks
  with what its article as a whole is about.

Each field has its own BM25 (:class:`retrieval.bm25.BM25Scorer`), so each keeps its own
idf and length normalisation; :mod:`retrieval.ranking` weighs and combines them.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence

import numpy as np

from knowledge.store import IndexRow
from retrieval.bm25 import BM25Scorer


def _tokens(text: str | None) -> list[str]:
    return list(map(sys.intern, text.split())) if text else []


_NUMBERING = re.compile(r"^\s*(?:\d{1,3}[.)]|[a-zđ]\))\s*")
_SENTENCE_END = re.compile(r"[:.;](?:\s|$)|\n")
_SYLLABLE = re.compile(r"[^\W_]+")
OPENING_LIMIT = 30
"""Most tokens an opening sentence contributes as a stand-in heading."""


def opening_sentence(text: str) -> str:
    """The first sentence of ``text``, its clause number dropped."""
    body = _NUMBERING.sub("", text, count=1)
    end = _SENTENCE_END.search(body)
    return body[: end.start()] if end else body


def opening_tokens(text: str, tokens: Sequence[str]) -> list[str]:
    """The stored tokens of the first sentence of ``text`` (its clause number dropped).

    Tokens are stored without positions, so the sentence is found in the text and as many
    leading tokens are taken as it has syllables: no re-segmentation at index build.
    """
    body = _NUMBERING.sub("", text, count=1)
    skip = len(_SYLLABLE.findall(text[: len(text) - len(body)]))
    end = _SENTENCE_END.search(body)
    want = len(_SYLLABLE.findall(body[: end.start()] if end else body))
    out: list[str] = []
    count = 0
    for token in tokens[skip:]:
        if count >= want or len(out) >= OPENING_LIMIT:
            break
        out.append(token)
        count += token.count("_") + 1
    return out


class FieldIndex:
    """Per-passage and per-unit token fields with their scorers and unit bookkeeping."""

    def __init__(self, rows: Sequence[IndexRow], k1: float, b: float) -> None:
        n = len(rows)
        unit_index: dict[int, int] = {}
        unit_of = np.zeros(n, dtype=np.int64)
        self.unit_rows: list[list[int]] = []
        for i, r in enumerate(rows):
            u = unit_index.get(r.unit_id)
            if u is None:
                u = unit_index[r.unit_id] = len(self.unit_rows)
                self.unit_rows.append([])
            self.unit_rows[u].append(i)
            unit_of[i] = u
        self.unit_of = unit_of
        self.unit_index = unit_index
        # Rows come in document order, so a unit's passages are contiguous and per-unit maxima
        # are one ``np.maximum.reduceat``; fall back to ``maximum.at`` if a store ever differs.
        self.unit_starts = np.array([rows_[0] for rows_ in self.unit_rows], dtype=np.int64)
        self.contiguous = all(
            rows_ == list(range(rows_[0], rows_[0] + len(rows_))) for rows_ in self.unit_rows
        ) and bool(np.all(np.diff(self.unit_starts) > 0))

        passage_tokens = [_tokens(r.tokens) for r in rows]
        self.passages = passage_tokens
        """Each passage's own tokens (without lead-in): the texts as written, in order."""
        self.lead_in: list[int | None] = [None] * n
        for members in self.unit_rows:
            lead: dict[str | None, int] = {}
            for i in members:
                r = rows[i]
                if r.point is None:
                    lead[r.clause] = i
                elif r.clause in lead:
                    self.lead_in[i] = lead[r.clause]
        # A passage without a lead-in shares its token list (no copy: memory at 100k passages).
        self.body = [
            passage_tokens[i]
            if (j := self.lead_in[i]) is None
            else passage_tokens[j] + passage_tokens[i]
            for i in range(n)
        ]
        self.heading = [
            _tokens(rows[m[0]].unit_title_tokens)
            or opening_tokens(rows[m[0]].text, passage_tokens[m[0]])
            for m in self.unit_rows
        ]
        # The whole-unit token lists are only needed to build their scorer.
        article = [
            self.heading[u] + [t for i in members for t in passage_tokens[i]]
            for u, members in enumerate(self.unit_rows)
        ]
        self.body_scorer = BM25Scorer(self.body, k1=k1, b=b)
        self.heading_scorer = BM25Scorer(self.heading, k1=k1, b=b)
        self.article_scorer = BM25Scorer(article, k1=k1, b=b)
        del article

    @property
    def units(self) -> int:
        return len(self.unit_rows)

    def unit_max(self, passage_scores: np.ndarray) -> np.ndarray:
        """The best passage score of every unit."""
        if self.contiguous and len(passage_scores):
            return np.maximum.reduceat(passage_scores, self.unit_starts)
        out = np.full(self.units, -np.inf)
        np.maximum.at(out, self.unit_of, passage_scores)
        return out

    def idf(self, token: str) -> float:
        """Positive idf over units, for weighing query words (unknown words weigh most)."""
        n = self.units
        df = self.article_scorer.document_frequency(token)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
