"""Which passage of a ranked article to show first.

The article's rank comes from BM25 and priors; inside the article the best-scoring passage is
not always the one to read. Two facts about Vietnamese legal drafting decide it:

- delegation clauses ("Chính phủ quy định chi tiết …", "Ủy ban nhân dân cấp tỉnh quy định chi
  tiết tiêu chuẩn …") are short and repeat the article's key words, so they score well, but
  they only say that the detail lives elsewhere;
- a question asking for a list ("hồ sơ gồm những giấy tờ gì") is answered by the clause that
  enumerates points, not by one that mentions the same words in a sentence.

The phrases and factors live in ``data/passage_choice.toml`` (hand-set, checked by the share
of questions whose gold clause is shown first; see tests/test_passage_choice.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.text import normalize

DATA = Path(__file__).resolve().parent / "data" / "passage_choice.toml"
_ENUMERATION = re.compile(r"(?m)^\s*(?:[a-zđ]\)|-\s)")


def _phrases(values: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(normalize(v)) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class PassageChoice:
    """Per-passage flags computed once per index; a per-query weight vector on demand."""

    delegates: np.ndarray
    enumerates: np.ndarray
    delegation_asked: re.Pattern[str]
    listing_asked: re.Pattern[str]
    delegation_factor: float
    listing_factor: float

    @classmethod
    def build(cls, texts: Sequence[str], path: Path = DATA) -> PassageChoice:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        delegation, listing = config["delegation"], config["listing"]
        pattern = _phrases(delegation["patterns"])
        limit = int(delegation["max_chars"])
        delegates = np.array(
            [len(t) <= limit and bool(pattern.search(normalize(t))) for t in texts], dtype=bool
        )
        enumerates = np.array([bool(_ENUMERATION.search(t)) for t in texts], dtype=bool)
        return cls(
            delegates=delegates,
            enumerates=enumerates,
            delegation_asked=_phrases(delegation["asked_by"]),
            listing_asked=_phrases(listing["asked_by"]),
            delegation_factor=float(delegation["factor"]),
            listing_factor=float(listing["factor"]),
        )

    def weights(self, question_text: str) -> tuple[float, float]:
        """(factor for delegation passages, factor for enumerating passages) for a question."""
        text = normalize(question_text)
        delegation = 1.0 if self.delegation_asked.search(text) else self.delegation_factor
        listing = self.listing_factor if self.listing_asked.search(text) else 1.0
        return delegation, listing

    def best(self, members: Sequence[int], scores: np.ndarray, question_text: str) -> list[int]:
        """``members`` ordered for display: weighted score first, then document order."""
        delegation, listing = self.weights(question_text)

        def key(i: int) -> tuple[float, int]:
            weight = 1.0
            if self.delegates[i]:
                weight *= delegation
            if self.enumerates[i]:
                weight *= listing
            return (-float(scores[i]) * weight, i)

        return sorted(members, key=key)
