"""Award cards: what the loaded texts say about one award, by facet, each passage cited.

Officers think in awards ("Huân chương Lao động hạng Ba", "Bằng khen Thủ tướng") and a
question about one is really "what do I need for it": who may propose it, who decides, which
papers, by when, what the recipient gets. A card gathers, for every award the
:class:`~retrieval.intent.AwardCatalog` knows (the law's lists, quoted names in headings, an
uploaded regulation's own awards), the provisions of each facet (``data/awards.toml``):
``tieu_chuan``, ``tham_quyen_quyet_dinh``, ``tham_quyen_de_nghi``, ``ho_so``, ``thoi_han``,
``tien_thuong``, ``trao_tang``.

Nothing here is a table of answers: the facets come from the texts' own structure.

* **Which facet** — an article's heading read by :meth:`QuestionReader.read_heading` (its
  intents; an award's own article is its standard), a heading that delegates ("Phân cấp,
  phân quyền …"), and for a passage naming the award, the facet's own words in it ("Chính
  phủ ủy quyền cho Thủ tướng … quyết định tặng").
* **Which award** — what a passage names, how specifically, in the order of levels below: the
  award itself at the card's hạng, the award without a hạng, its kind ("Huân chương các
  loại"), a group the texts define ("hình thức khen thưởng cấp Nhà nước"), the law's two
  general kinds (danh hiệu thi đua, hình thức khen thưởng). A clause's lead-in says whom its
  points are about; a name after "đã được tặng", "đạt" … is a condition, not the subject; an
  article whose heading names awards speaks only of those. A passage naming nothing takes its
  heading's awards, else (at the lowest level) those its article names elsewhere.
* **Order** — heading before a passage's own words, then level, then a clause that opens with
  the facet ("Hồ sơ đề nghị … gồm"), documents in force nationwide before local ones, the law
  before the decree. Documents no longer in force are left out; reference material only
  serves awards no binding text names.

Cards are built once per index snapshot, on the first question that needs them
(:func:`cards`), never at start-up.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.award_data import (
    KIND,
    AwardCard,
    CardConfig,
    FacetSpec,
    Provision,
    asked_facet,
    card_id,
    load_config,
    phrase_pattern,
)
from retrieval.card_builder import AwardCards
from retrieval.intent import QuestionReading

if TYPE_CHECKING:
    from retrieval.engine import SearchIndex

__all__ = [
    "AwardCard",
    "AwardCards",
    "CardConfig",
    "CardLookup",
    "FacetAnswer",
    "FacetSpec",
    "Provision",
    "asked_facet",
    "card_id",
    "cards",
    "facet_answer",
    "load_config",
    "lookup",
    "phrase_pattern",
]

# -- per snapshot --------------------------------------------------------------------------------

_cache: weakref.WeakKeyDictionary[SearchIndex, AwardCards] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def cards(index: SearchIndex) -> AwardCards:
    """The cards of ``index``, built on first use (not at start-up) and dropped with it."""
    with _lock:
        found = _cache.get(index)
        if found is None:
            headings = index.ranker.headings or None
            found = _cache[index] = AwardCards(
                index.rows,
                index.field_index,
                index.reader,
                headings,
                abbreviations=dict(index.lexicon.abbreviations),
                locality=index.locality,
                rulebooks=index.ranker.rulebooks if headings else None,
            )
        return found


TIER_SCANNED = 16
"""Provisions of a facet's first tier the question's words choose among (the card's order
decides beyond: a knowledge base holding many copies of a rule has long tiers)."""
STEER_LEVEL = KIND
"""A card reorders the answers only with a provision naming the award or its kind: a
general rule ("… cấp Nhà nước", "danh hiệu thi đua") may not be this award's."""


@dataclass(frozen=True)
class FacetAnswer:
    """A question read as one facet of one award's card."""

    card: AwardCard
    facet: str
    provision: Provision | None
    """What to show first; None when the texts hold nothing for this facet of the award."""
    steers: bool = False
    """Whether the answers start with :attr:`provision` (see :func:`facet_answer`)."""


def facet_answer(
    index: SearchIndex,
    reading: QuestionReading | None,
    match: Callable[[Provision], dict[str, float]] | None = None,
) -> FacetAnswer | None:
    """The card and facet a question asks about ("hồ sơ hclđ hạng ba"), with the provision
    to show first: of the facet's first tier (equally the award's own), the one whose
    opening the question's words match best (``match``: word → weight), else the card's
    first; a provision on a special subject (a business, the army) only when the question
    uses a word of it that the general ones lack ("hợp tác xã"). None when
    the question asks no facet, names no award where it asks (a
    story's award is not the question's), or names a ranked award without its hạng.

    It ``steers`` (comes first among the answers) when the facet does (``steers`` in the
    data file) and the provision names the award or its kind."""
    if (
        reading is None
        or reading.object is None
        or reading.object.award is None
        or not reading.object_asked
    ):
        return None
    facet = asked_facet(reading)
    if facet is None:
        return None
    found = cards(index)
    card = found.for_object(reading.object)
    if card is None:
        return None
    return _facet_of(found, card, facet, match)


def unranked_provision(
    index: SearchIndex,
    reading: QuestionReading | None,
    match: Callable[[Provision], dict[str, float]] | None = None,
) -> Provision | None:
    """For a ranked award named without its hạng ("hồ sơ Huân chương Lao động"): the provision
    every hạng's card answers the asked facet with and steers by (the dossier of "Huân chương
    các loại" is every hạng's), to show first; None when the hạng differ (money, criteria):
    there the officer has to say which. No card is attached: there is no one card to show."""
    obj = reading.object if reading is not None else None
    if reading is None or obj is None or obj.award is None or obj.rank or not reading.object_asked:
        return None
    facet = asked_facet(reading)
    if facet is None:
        return None
    found = cards(index)
    answers = [_facet_of(found, card, facet, match) for card in found.choices(obj)]
    provisions = [a.provision for a in answers if a.steers and a.provision is not None]
    if len(answers) < 2 or len(provisions) < len(answers):
        return None
    return provisions[0] if len({p.key for p in provisions}) == 1 else None


def _facet_of(
    found: AwardCards,
    card: AwardCard,
    facet: str,
    match: Callable[[Provision], dict[str, float]] | None,
) -> FacetAnswer:
    """``card``'s answer to ``facet`` (see :func:`facet_answer`)."""
    spec = found.config.facet(facet)
    tier = card.first_tier(facet)[:TIER_SCANNED]
    if spec is not None and spec.answers is not None:
        tier = tuple((p, special) for p, special in tier if found.answers(p, card, spec.answers))
    first = tier[0][0] if tier else None
    if len(tier) > 1 and match is not None:
        matched = [(p, special, match(p)) for p, special in tier]
        general = {w for _p, special, words in matched if not special for w in words}
        eligible = [
            (p, words) for p, special, words in matched if not special or set(words) - general
        ]
        totals = [sum(words.values()) for _p, words in eligible]
        if totals and max(totals) > 0:
            first = eligible[totals.index(max(totals))][0]
    level = -card.tiers[facet][0][1] if tier else 0.0
    if first is None:
        first = next(iter(card.provisions(facet)), None)
    steers = bool(tier) and spec is not None and spec.steers and level >= STEER_LEVEL
    return FacetAnswer(card, facet, first, steers)


@dataclass(frozen=True)
class CardLookup:
    """What a name typed by an officer points to."""

    card: AwardCard | None
    choices: list[AwardCard]
    """When no single card: the closest names (the hạng of a ranked award, similar names)."""
    ranks: bool = False
    """The name is a ranked award's without its hạng: :attr:`choices` are its hạng."""


def no_provision_note(facets: Sequence[str], award: str | None = None) -> str:
    """What the loaded texts lack: a card's empty facets (its overview), or the facet asked
    about a named award (an answer, which then shows the closest provisions)."""
    what = ", ".join(load_config().label(f).lower() for f in facets)
    if award is None:
        return f"Các văn bản đã nạp chưa có quy định riêng về: {what}."
    return (
        f"Các văn bản đã nạp chưa có quy định riêng về {what} của “{award}”; "
        "dưới đây là các quy định gần nhất với câu hỏi."
    )


def lookup(index: SearchIndex, name: str) -> CardLookup:
    """The card ``name`` names ("hclđ hạng ba", "bk ttg", "Cờ thi đua của Ủy ban nhân dân
    tỉnh"), read like a question (abbreviations, diacritics, spelling); else the closest."""
    found = cards(index)
    reading = index.analyze(name).reading
    if reading is not None:
        card = found.for_object(reading.object)
        if card is not None:
            return CardLookup(card, [])
        choices = found.choices(reading.object)
        if choices:
            obj = reading.object
            return CardLookup(None, choices, ranks=obj is not None and obj.award is not None)
    return CardLookup(None, found.suggest(name))
