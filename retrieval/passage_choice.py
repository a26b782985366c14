"""Which passage of a ranked article to show first.

The article's rank comes from BM25 and priors; inside the article the best-scoring passage is
not always the one to read. Two facts about Vietnamese legal drafting decide it:

- delegation clauses ("Chính phủ quy định chi tiết …", "Ủy ban nhân dân cấp tỉnh quy định chi
  tiết tiêu chuẩn …") are short and repeat the article's key words, so they score well, but
  they only say that the detail lives elsewhere;
- a question asking for a list ("hồ sơ gồm những giấy tờ gì") is answered by the clause that
  enumerates points, not by one that mentions the same words in a sentence.

Who a clause is for matters too (:mod:`retrieval.intent` reads who the question is about):
the general clause comes before special-subject ones (hộ gia đình, doanh nghiệp, người nước
ngoài, công nhân/nông dân) unless the question names that subject; "cá nhân" or "tập thể" in
the question steers to the clause for them; "có hiệu lực từ ngày nào" wants the dated clause.

The phrases and factors live in ``data/passage_choice.toml`` (hand-set, checked by the share
of questions whose gold clause is shown first; see tests/test_passage_choice.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.intent import (
    AwardCatalog,
    IntentVocabulary,
    QuestionReading,
    Words,
    subjects_in,
    syllables,
)
from retrieval.text import normalize

DATA = Path(__file__).resolve().parent / "data" / "passage_choice.toml"
_ENUMERATION = re.compile(r"(?m)^\s*(?:[a-zđ]\)|-\s)")
_DATE = re.compile(r"\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b")
_OPENING_END = re.compile(r"[:;.](?:\s|$)")
GENERAL_SUBJECTS = ("cá nhân", "tập thể")
WEIGHTS_REMEMBERED = 256
LISTED_TOGETHER = 3
"""Syllables apart within which "cá nhân" and "tập thể" are one listing, not a reference."""


SUPPLEMENT_OPENING_CHARS = 60
"""How far into a passage (its number included) a [supplementary] opening is looked for."""


def _phrases(values: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(normalize(v)) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class DelegationRule:
    """A short passage that only hands the matter to another body ("Chính phủ quy định chi
    tiết …", ``[delegation]`` above): shown after the provisions that answer, here and on
    award cards (:mod:`retrieval.card_builder`)."""

    pattern: re.Pattern[str]
    max_chars: int

    def matches(self, text: str, normalized: str | None = None) -> bool:
        if len(text) > self.max_chars:
            return False
        return bool(self.pattern.search(normalize(text) if normalized is None else normalized))


@lru_cache(maxsize=4)
def delegation_rule(path: Path = DATA) -> DelegationRule:
    delegation = tomllib.loads(path.read_text(encoding="utf-8"))["delegation"]
    return DelegationRule(_phrases(delegation["patterns"]), int(delegation["max_chars"]))


@dataclass(frozen=True)
class PassageChoice:
    """Per-passage flags computed once per index; a per-query weight vector on demand."""

    awards: tuple[tuple[tuple[str, str | None] | None, frozenset[tuple[str, str]]], ...]
    """Per passage: the award its opening sentence is about (key, hạng), and every (award,
    hạng) it names with a hạng; empty without an award catalogue."""
    award_factor: float
    delegates: np.ndarray
    enumerates: np.ndarray
    dated: np.ndarray
    subjects: tuple[frozenset[str], ...]
    """Subjects each passage's opening sentence addresses (general and special)."""
    special: frozenset[str]
    delegation_asked: re.Pattern[str]
    listing_asked: re.Pattern[str]
    delegation_factor: float
    listing_factor: float
    special_factor: float = 1.0
    match_factor: float = 1.0
    other_factor: float = 1.0
    date_intents: frozenset[str] = frozenset()
    date_factor: float = 1.0
    intents: tuple[frozenset[str], ...] = ()
    """Per passage: intents whose opening phrases its opening sentence holds ("… đạt các tiêu
    chuẩn sau đây:" → tieu_chuan; "Hồ sơ đề nghị … gồm:" → ho_so)."""
    intent_factor: float = 1.0
    supplements: np.ndarray | None = None
    """Per passage: it opens by setting the article's other clauses aside ("Ngoài các trường
    hợp quy định tại khoản 1 và khoản 2 Điều này, …"), i.e. it adds cases to them."""
    supplement_factor: float = 1.0
    asked: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        path: Path = DATA,
        vocabulary: IntentVocabulary | None = None,
        catalog: AwardCatalog | None = None,
        about_awards: Sequence[bool] | None = None,
    ) -> PassageChoice:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        delegation, listing = config["delegation"], config["listing"]
        subjects_cfg, dates = config.get("subjects", {}), config.get("dates", {})
        delegates_only = delegation_rule(path)
        # Features depend on the text alone: computed once per distinct text (a national
        # knowledge base repeats many passages: "Điều này có hiệu lực …", model clauses).
        supplementary = config.get("supplementary", {})
        sets_aside = _phrases(supplementary.get("openings", [])) if supplementary else None
        flags: dict[str, tuple[bool, bool, bool, bool]] = {}

        def flags_of(text: str) -> tuple[bool, bool, bool, bool]:
            known = flags.get(text)
            if known is None:
                known = flags[text] = (
                    delegates_only.matches(text),
                    bool(_ENUMERATION.search(text)),
                    ("ngày" in text or "/" in text) and bool(_DATE.search(text)),
                    sets_aside is not None
                    and bool(sets_aside.search(normalize(text[:SUPPLEMENT_OPENING_CHARS]))),
                )
            return known

        per_text = [flags_of(t) for t in texts]
        delegates, enumerates, dated, supplements = (
            np.array([f[i] for f in per_text], dtype=bool) for i in range(4)
        )
        vocabulary = vocabulary or IntentVocabulary.load()
        table = {
            **{k: v for k, v in vocabulary.subjects.items() if k in GENERAL_SUBJECTS},
            **vocabulary.special_subjects,
        }
        chars = int(subjects_cfg.get("opening_chars", 300))
        cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        by_text: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        cues = [(spec.key, spec.opening) for spec in vocabulary.intents if spec.opening]

        def opening(text: str) -> tuple[frozenset[str], frozenset[str]]:
            """(subjects, intents) of the opening sentence. Of cá nhân/tập thể only the first
            named (both when listed together: "cá nhân, tập thể"), since a later mention is a
            reference ("gấp hai lần mức tiền thưởng đối với cá nhân")."""
            if text in by_text:
                return by_text[text]
            body = text[:chars]
            end = _OPENING_END.search(body, 20)
            body = body[: end.start()] if end else body
            if body not in cache:
                words = Words(syllables(body))
                said = frozenset(k for k, phrases in cues if any(words.has(p) for p in phrases))
                found = set(subjects_in(words, table))
                first = {
                    g: min(i for p in table[g] for i in words.find(p))
                    for g in GENERAL_SUBJECTS
                    if g in found
                }
                if len(first) == 2:
                    later = max(first, key=first.__getitem__)
                    if abs(first["cá nhân"] - first["tập thể"]) > LISTED_TOGETHER:
                        found.discard(later)
                cache[body] = (frozenset(found), said)
            by_text[text] = cache[body]
            return cache[body]

        openings = [opening(t) for t in texts]

        awards = cls._awards(texts, catalog, chars, about_awards) if catalog is not None else ()
        return cls(
            awards=tuple(awards),
            award_factor=float(subjects_cfg.get("award_factor", 1.0)),
            delegates=delegates,
            enumerates=enumerates,
            dated=dated,
            subjects=tuple(subjects for subjects, _ in openings),
            intents=tuple(said for _, said in openings),
            intent_factor=float(config.get("openings", {}).get("factor", 1.0)),
            special=frozenset(vocabulary.special_subjects),
            delegation_asked=_phrases(delegation["asked_by"]),
            listing_asked=_phrases(listing["asked_by"]),
            delegation_factor=float(delegation["factor"]),
            listing_factor=float(listing["factor"]),
            special_factor=float(subjects_cfg.get("special_factor", 1.0)),
            match_factor=float(subjects_cfg.get("match_factor", 1.0)),
            other_factor=float(subjects_cfg.get("other_factor", 1.0)),
            date_intents=frozenset(dates.get("intents", [])),
            date_factor=float(dates.get("factor", 1.0)),
            supplements=supplements,
            supplement_factor=float(supplementary.get("factor", 1.0)),
        )

    @staticmethod
    def _awards(
        texts: Sequence[str],
        catalog: AwardCatalog,
        chars: int,
        about_awards: Sequence[bool] | None = None,
    ) -> list[tuple[tuple[str, str | None] | None, frozenset[tuple[str, str]]]]:
        cache: dict[str, tuple[tuple[str, str | None] | None, frozenset[tuple[str, str]]]] = {}
        nothing: tuple[None, frozenset[tuple[str, str]]] = (None, frozenset())
        out: list[tuple[tuple[str, str | None] | None, frozenset[tuple[str, str]]]] = []
        for i, text in enumerate(texts):
            if about_awards is not None and not about_awards[i]:
                out.append(nothing)
                continue
            if text not in cache:
                body = normalize(text[:chars])
                end = _OPENING_END.search(body, 20)
                opening = catalog.find(body[: end.start()] if end else body)
                lead = next(((m.award, m.rank) for m in opening if m.award), None)
                ranked = (
                    frozenset(
                        (m.award, m.rank)
                        for m in catalog.find(normalize(text))
                        if m.award and m.rank
                    )
                    if "hạng" in text.lower()
                    else frozenset()
                )
                cache[text] = (lead, ranked)
            out.append(cache[text])
        return out

    def award_weight(self, i: int, reading: QuestionReading | None) -> float:
        """The clause about the award asked about (at its hạng) before clauses about the
        article's other awards ("Nghệ sĩ ưu tú" → the clause for it, not for "Nghệ sĩ nhân
        dân"; "hạng Nhất" → the clause that names hạng Nhất)."""
        obj = reading.object if reading is not None else None
        if not self.awards or obj is None or obj.award is None:
            return 1.0
        lead, ranked = self.awards[i]
        if obj.rank and (obj.award, obj.rank) in ranked:
            return self.award_factor
        if obj.rank and any(award == obj.award for award, _ in ranked):
            return 1.0 / self.award_factor  # the same award at other hạng only
        if lead is None:
            return 1.0
        award, rank = lead
        if award == obj.award and (obj.rank is None or rank in (None, obj.rank)):
            return self.award_factor
        return 1.0 / self.award_factor

    def weights(self, question_text: str) -> tuple[float, float]:
        """(factor for delegation passages, factor for enumerating passages) for a question;
        remembered for the last questions (it is asked for every ranked article)."""
        known = self.asked.get(question_text)
        if known is not None:
            return known
        if len(self.asked) >= WEIGHTS_REMEMBERED:
            self.asked.clear()
        text = normalize(question_text)
        delegation = 1.0 if self.delegation_asked.search(text) else self.delegation_factor
        listing = self.listing_factor if self.listing_asked.search(text) else 1.0
        self.asked[question_text] = (delegation, listing)
        return delegation, listing

    def subject_weight(self, i: int, reading: QuestionReading | None) -> float:
        """Who passage ``i`` is for against who the question is about."""
        own = self.subjects[i]
        if not own:
            return 1.0
        asked = set(reading.subjects) if reading is not None else set()
        weight = 1.0
        special = own & self.special
        if special:
            weight *= self.match_factor if special & asked else self.special_factor
        general = asked & set(GENERAL_SUBJECTS)
        if len(general) == 1:
            (wanted,) = general
            if wanted in own:
                weight *= self.match_factor
            elif own & set(GENERAL_SUBJECTS):
                weight *= self.other_factor
        return weight

    def best(
        self,
        members: Sequence[int],
        scores: np.ndarray,
        question_text: str,
        reading: QuestionReading | None = None,
    ) -> list[int]:
        """``members`` ordered for display: weighted score first, then document order."""
        delegation, listing = self.weights(question_text)
        dates = (
            self.date_factor
            if reading is not None and self.date_intents & set(reading.intents)
            else 1.0
        )

        asked = set(reading.intents[:1]) if reading is not None and self.intents else set()

        def key(i: int) -> tuple[float, int]:
            weight = self.subject_weight(i, reading) * self.award_weight(i, reading)
            if asked & self.intents[i]:
                weight *= self.intent_factor
            if self.delegates[i]:
                weight *= delegation
            if self.enumerates[i]:
                weight *= listing
            if self.dated[i]:
                weight *= dates
            if self.supplements is not None and self.supplements[i]:
                weight *= self.supplement_factor
            return (-float(scores[i]) * weight, i)

        return sorted(members, key=key)
