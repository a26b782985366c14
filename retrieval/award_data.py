"""The award cards' data: the facets (``data/awards.toml``), the facet a question asks, and
what a card is (:class:`AwardCard` of :class:`Provision` by facet). How cards are read from
the texts: :mod:`retrieval.card_builder`; the public entry points: :mod:`retrieval.awards`."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.model import CitedPassage
from retrieval.intent import QuestionReading, syllables

DATA = Path(__file__).resolve().parent / "data" / "awards.toml"

OWN = 4.0
"""The passage names the award at the card's hạng (or an award without hạng)."""
AWARD = 3.0
"""The award named without a hạng ("“Huân chương Lao động”", "(các hạng)")."""
KIND = 2.0
"""Its kind: "Huân chương các loại", "huân chương"."""
GROUP = 1.5
"""A group the texts define: "… cấp Nhà nước"."""
GENERAL = 1.0
"""The law's general kinds: "danh hiệu thi đua", "hình thức khen thưởng"."""
CONTEXT = 0.5
"""Names nothing, in an article that names the award elsewhere."""
NAMED = AWARD
"""From this level on a passage names the award itself."""
TIER = 8
"""How much of a provision's order key (:meth:`AwardCards._entry`) makes its tier: source,
level, heading level, names in the heading, document (status, locality, hierarchy), and
whether it answers the facet. The next item says it is about a special subject."""

# -- data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetSpec:
    key: str
    label: str
    intents: tuple[str, ...]
    cues: tuple[tuple[str, ...], ...]
    heading_cues: tuple[tuple[str, ...], ...]
    asked_by: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    steers: bool = True
    """Whether a question on this facet is answered from the card first."""
    specific: bool = False
    """Only passages naming the award or its kind (no general provision) belong to it."""
    answers: re.Pattern[str] | None = None
    """What a provision answering the facet contains ("20 ngày làm việc")."""
    general_with_award: bool = False
    """A provision naming only the law's general kinds ("hình thức khen thưởng") belongs to
    this facet of a card only in an article that names the card's award (or its kind, a group
    it is in) elsewhere: NĐ 152 Điều 35's deadlines are the Ministry's, for the awards it
    names, not a provincial Bằng khen's."""
    opening_first: bool = False
    """A provision opening with the facet's words ("Hồ sơ đề nghị tặng … Huân chương các loại
    … gồm") that names the award's kind ranks as one naming the award itself: an article on
    dossiers in general names awards in clauses that are not about papers."""


@dataclass(frozen=True)
class CardConfig:
    """``data/awards.toml``."""

    facets: tuple[FacetSpec, ...]
    bare_fallback: frozenset[str]
    conditions: tuple[tuple[str, ...], ...]
    group_intents: frozenset[str]
    group_min_words: int
    skip_intents: frozenset[str] = frozenset()
    skip_headings: tuple[tuple[str, ...], ...] = ()
    not_this: frozenset[str] = frozenset()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facets)

    def facet(self, key: str) -> FacetSpec | None:
        return next((f for f in self.facets if f.key == key), None)

    def label(self, key: str) -> str:
        spec = self.facet(key)
        return spec.label if spec else key


def phrases(values: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(t for v in values if (t := tuple(syllables(v))))


def phrase_pattern(phrases: Iterable[Sequence[str]]) -> re.Pattern[str] | None:
    """One expression finding any of ``phrases`` (syllable tuples) as whole words in a
    normalised text, whatever punctuation or quotes stand between their words."""
    alternatives = sorted(
        {r"[\W_]+".join(map(re.escape, p)) for p in phrases if p}, key=len, reverse=True
    )
    if not alternatives:
        return None
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])")


@lru_cache(maxsize=1)
def load_config(path: Path = DATA) -> CardConfig:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    facets = tuple(
        FacetSpec(
            key=str(f["key"]),
            label=str(f["label"]),
            intents=tuple(f.get("intents", [])),
            cues=phrases(f.get("cues", [])),
            heading_cues=phrases(f.get("heading_cues", [])),
            asked_by=tuple(f.get("asked_by", f.get("intents", []))),
            before=tuple(f.get("before", [])),
            specific=bool(f.get("specific", False)),
            steers=bool(f.get("steers", True)),
            opening_first=bool(f.get("opening_first", False)),
            general_with_award=bool(f.get("general_with_award", False)),
            answers=re.compile("|".join(f"(?:{a})" for a in f["answers"]))
            if f.get("answers")
            else None,
        )
        for f in raw.get("facet", [])
    )
    return CardConfig(
        facets=facets,
        bare_fallback=frozenset(raw.get("bare_kind", {}).get("fallback_only", [])),
        conditions=phrases(raw.get("condition", {}).get("before", [])),
        group_intents=frozenset(raw.get("group", {}).get("intents", [])),
        group_min_words=int(raw.get("group", {}).get("min_words", 2)),
        skip_intents=frozenset(raw.get("skip", {}).get("intents", [])),
        skip_headings=phrases(raw.get("skip", {}).get("headings", [])),
        not_this=frozenset(
            w for v in raw.get("kind", {}).get("not_this", []) for w in syllables(v)
        ),
        raw=raw,
    )


def asked_facet(reading: QuestionReading | None, config: CardConfig | None = None) -> str | None:
    """The facet a question asks for: that of its main intent ("ai ký quyết định …" asks who
    decides), unless another facet it asks wins over it ("thời hạn nộp hồ sơ" asks the
    deadline, not the dossier: ``before`` in the data file). None when the main intent is no
    facet's (revocation, sanctions …)."""
    if reading is None or not reading.intents:
        return None
    config = config or load_config()
    of_intent = {i: f for f in config.facets for i in f.asked_by}
    main = of_intent.get(reading.intents[0])
    if main is None:
        return None
    asked = {of_intent[i].key for i in reading.intents if i in of_intent}
    for f in config.facets:
        if f.key in asked and main.key in f.before:
            return f.key
    return main.key


# -- cards ---------------------------------------------------------------------------------------


@dataclass
class Provision(CitedPassage):
    """One verbatim passage of a facet: a clause (with its points), a point, or a paragraph."""

    row: int = 0
    """Index in the snapshot's rows of the passage that holds it."""
    paragraph: int | None = None
    lead_in: str | None = None
    """A point's clause lead-in ("1. Đối với cá nhân:"), shown above it."""

    @property
    def key(self) -> tuple[int, str | None]:
        return (self.row, self.point)

    def to_json(self) -> dict[str, object]:
        clause = int(self.clause) if self.clause and self.clause.isdigit() else self.clause
        return {
            "document_number": self.document_number,
            "article": self.article,
            "clause": clause,
            "point": self.point,
            "citation": self.citation,
            "text": self.text,
            "lead_in": self.lead_in,
            "document_scope": self.document_scope,
        }


@dataclass(frozen=True)
class AwardCard:
    """Everything the loaded texts say about one award (at one hạng)."""

    id: str
    """Short, stable across knowledge-base versions: callback data and links."""
    award: str
    """:attr:`Award.key`."""
    rank: str | None
    name: str
    """"Huân chương Lao động hạng Ba", as the texts write the award."""
    award_class: str
    aliases: tuple[str, ...]
    facets: dict[str, tuple[Provision, ...]]
    tiers: dict[str, tuple[tuple, ...]] = field(default_factory=dict, repr=False)
    """Per facet, each provision's rank before its position (source, level, heading …, see
    :data:`TIER`). Provisions of the first tier are equally the award's own; the question's
    words choose among them."""

    def provisions(self, facet: str) -> tuple[Provision, ...]:
        return self.facets.get(facet, ())

    def first_tier(self, facet: str) -> tuple[tuple[Provision, bool], ...]:
        """The facet's equally specific first provisions, each with whether it is about a
        special subject (foreigners, households, the army …)."""
        items, tiers = self.provisions(facet), self.tiers.get(facet, ())
        if not items or len(tiers) != len(items):
            return tuple((p, False) for p in items[:1])
        top = tiers[0][:TIER]
        return tuple(
            (p, bool(t[TIER])) for p, t in zip(items, tiers, strict=True) if t[:TIER] == top
        )

    @property
    def filled(self) -> list[str]:
        return [f for f, items in self.facets.items() if items]

    def to_json(self) -> dict[str, object]:
        return {
            "award": self.name,
            "aliases": list(self.aliases),
            "class": self.award_class,
            "facets": {f: [p.to_json() for p in items] for f, items in self.facets.items()},
        }


def card_id(award: str, rank: str | None) -> str:
    key = award + (f"|{rank}" if rank else "")
    return hashlib.blake2s(key.encode(), digest_size=5).hexdigest()
