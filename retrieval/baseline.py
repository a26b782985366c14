"""The baseline every figure is compared with: plain rank-bm25 over whole articles.

Deliberately naive, so the gain of each technique of the engine is measured against the
obvious first attempt: ``rank_bm25.BM25Okapi`` with its default parameters, one document per
article (or section) holding its heading and full text, tokens = lowercase syllables with
punctuation dropped. No word segmentation, no abbreviation expansion, no synonyms, no
diacritic restoration, no priors, no declining beyond "no word matches at all".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from rank_bm25 import BM25Okapi

from knowledge.store import IndexRow
from retrieval.engine import Answer
from retrieval.text import nfc

_SYLLABLE = re.compile(r"[^\W_]+")


def syllables(text: str) -> list[str]:
    """Lowercase syllables, punctuation dropped: "Điều 84. Hồ sơ" → ["điều", "84", "hồ", "sơ"]."""
    return _SYLLABLE.findall(nfc(text).lower())


class BaselineSearch:
    """BM25Okapi over each article's full text; ``search`` has the engine's signature."""

    def __init__(self, rows: Sequence[IndexRow]) -> None:
        self.units: list[list[IndexRow]] = []
        position: dict[int, int] = {}
        for r in rows:
            if r.unit_id not in position:
                position[r.unit_id] = len(self.units)
                self.units.append([])
            self.units[position[r.unit_id]].append(r)
        corpus = [
            syllables(" ".join([members[0].unit_title, *(r.text for r in members)]))
            for members in self.units
        ]
        self.bm25 = BM25Okapi(corpus) if corpus else None

    def search(self, question: str, k: int = 5) -> list[Answer]:
        tokens = syllables(question)
        if self.bm25 is None or not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
        return [
            self._answer(self.units[u], float(scores[u]), rank)
            for rank, u in enumerate(order, start=1)
        ]

    @staticmethod
    def _answer(members: list[IndexRow], score: float, rank: int) -> Answer:
        r = members[0]
        return Answer(
            rank=rank,
            score=score,
            **r.cited_fields(),
            clause=None,
            point=None,
            paragraph=None,
            citation=replace(r, clause=None, point=None, paragraph=None).citation(),
            text="\n".join(m.text for m in members),
            other_passages=[m.passage_id for m in members[1:]],
        )


BASELINE_LABEL = "baseline: rank-bm25, điều, âm tiết"
"""How ``tdkt eval --baseline`` names this system."""
