"""Award cards in answers: what a saved answer keeps of a card, and a card opened by name.

The bot, inline mode and the CLI call these (through :mod:`retrieval.answers` for questions);
nothing here knows about Telegram. A saved answer keeps everything it shows (the card's id
and name, the facet, the direct line, whether points are a checklist, the line to bold), so
paging, sharing and a training session's export show exactly what the chat showed, whatever
the knowledge base holds later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from knowledge.activity import ActivityStore, SavedAnswer, SavedItem
from knowledge.db import db_reason
from retrieval import awards, direct
from retrieval.intent import QuestionReading

if TYPE_CHECKING:
    from retrieval.engine import SearchEngine, SearchIndex, SearchResult

log = logging.getLogger(__name__)

OVERVIEW = "card"
"""``SavedAnswer.facet`` of a card's overview (``/khenthuong``): one passage per facet."""


def wants_checklist(reading: QuestionReading | None) -> bool:
    """Points as a ☐ checklist only for a question about a dossier (its intent, not its
    words: "thời hạn nộp hồ sơ" asks a deadline, "tiêu chuẩn … hồ sơ" a standard)."""
    return awards.asked_facet(reading) == "ho_so"


def direct_json(line: direct.DirectAnswer | None) -> dict[str, object] | None:
    """What a saved answer keeps of a direct line: its fields and the lines explaining it."""
    if line is None:
        return None
    return {**line.to_json(), "explanation": line.explanation()}


def annotate(
    index: SearchIndex, found: SearchResult, answer: SavedAnswer, base_salary: Decimal | None = None
) -> None:
    """Fill in what ``answer`` shows of the award card the question was read as: the card
    and facet (for the facet buttons), the direct line, the checklist flag, and in each
    passage the line naming the award (bolded)."""
    answer.checklist = wants_checklist(found.reading)
    if answer.checklist:  # boxes for the dossier lists only, not the standard shown beside
        dossier = set(awards.load_config().facet("ho_so").intents)
        for item, hit in zip(answer.items, found.answers, strict=False):
            unit = index.field_index.unit_index.get(hit.unit_id)
            item.checklist = unit is not None and bool(
                index.ranker.headings and index.ranker.headings[unit].intents & dossier
            )
    cards = awards.cards(index)
    card = (
        found.facet.card
        if found.facet is not None
        else (cards.for_object(found.reading.object) if found.reading is not None else None)
    )
    if card is None:
        return
    answer.award, answer.award_name, answer.award_facets = card.id, card.name, card.filled
    if found.facet is not None:
        answer.facet = found.facet.facet
        answer.direct = direct_json(
            direct.for_facet(cards, found.facet, found.reading, base_salary)
        )
    for item in answer.items:
        item.highlight = award_line(cards, card, item.context_text or item.text)


def award_line(cards: awards.AwardCards, card: awards.AwardCard, body: str) -> str | None:
    """The line of a list of awards ("c) Danh hiệu “Chiến sĩ thi đua cơ sở” … 1,0 lần mức
    lương cơ sở;") that is the card's award's: the one line naming it, when other lines name
    other awards (a money list, not a standard whose lead-in names the award)."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    naming = [line for line in lines if cards.names(line, card)]
    others = [line for line in lines if line not in naming and cards.names_award(line)]
    return naming[0] if len(naming) == 1 and others else None


# -- a card opened by name ---------------------------------------------------------------------


@dataclass
class CardResult:
    """``/khenthuong <tên>``: the card's overview (saved like an answer), or the names to
    choose from."""

    name: str
    answer: SavedAnswer | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    """(card id, name) of the closest cards when ``name`` names none exactly."""
    ranks: bool = False
    """``name`` is a ranked award's without its hạng: ``choices`` are its hạng."""


def overview(
    index: SearchIndex, card: awards.AwardCard, question: str, base_salary: Decimal | None = None
) -> SavedAnswer:
    """A card's overview as a saved answer: the first provision of every facet that has one,
    and the money line."""
    cards = awards.cards(index)
    items = []
    for spec in cards.config.facets:
        provisions = card.provisions(spec.key)
        if not provisions:
            continue
        item = SavedItem(**SavedItem.fields_of(provisions[0]))
        item.facet = spec.key
        item.context_text = _with_lead(provisions[0])
        items.append(item)
    line = direct.money_answer(cards, card, None, base_salary)
    return SavedAnswer(
        id="",
        question=question,
        created_at=datetime.now(UTC).replace(tzinfo=None),
        kb_version=index.version,
        items=items,
        award=card.id,
        award_name=card.name,
        facet=OVERVIEW,
        direct=direct_json(line),
        checklist=False,
        award_facets=card.filled,
    )


def _with_lead(provision: awards.Provision) -> str | None:
    return f"{provision.lead_in}\n\n{provision.text}" if provision.lead_in else None


def open_card(
    engine: SearchEngine,
    activity: ActivityStore,
    name: str,
    *,
    user_id: int | None,
    chat_type: str,
    chat_id: int | None,
    base_salary: Decimal | None = None,
) -> CardResult:
    """Look ``name`` up ("hclđ hạng ba", "bk ttg"); save and log the card's overview (so a
    training session's export holds it), or return the closest names."""
    index = engine.index
    lookup = awards.lookup(index, name)
    if lookup.card is None:
        return CardResult(
            name, choices=[(c.id, c.name) for c in lookup.choices], ranks=lookup.ranks
        )
    answer = overview(index, lookup.card, name, base_salary)
    try:
        answer.id = activity.save_answer(
            answer.question, answer.items, answer.kb_version, answer.extra()
        )
        activity.record_question(
            user_id,
            chat_type,
            f"/khenthuong {name}",
            answered=True,
            top_citation=lookup.card.name,
            kb_version=index.version,
            answer_id=answer.id,
            chat_id=chat_id,
        )
    except SQLAlchemyError as exc:  # shown anyway, without the buttons that need it stored
        log.warning("award card not saved: %s", db_reason(exc))
    return CardResult(name, answer=answer)


@dataclass(frozen=True)
class FacetView:
    """One facet of a card as the facet buttons show it: its first provisions, and the
    direct line for money and deadlines."""

    card: awards.AwardCard
    facets: tuple[str, ...]
    """The facets shown together ("Thẩm quyền": who decides, then who proposes)."""
    provisions: dict[str, tuple[awards.Provision, ...]]
    direct: dict[str, object] | None = None


def facet_view(
    engine: SearchEngine,
    card_id: str,
    facets: tuple[str, ...],
    shown: int = 3,
    base_salary: Decimal | None = None,
) -> FacetView | None:
    """``facets`` of the card ``card_id`` in the current knowledge base (None when the award
    is no longer in it)."""
    index = engine.index
    cards = awards.cards(index)
    card = cards.get(card_id)
    if card is None:
        return None
    line = next(
        (
            direct.direct_answer(cards, card, f, None, base_salary)
            for f in facets
            if f in (direct.MONEY, direct.DEADLINE)
        ),
        None,
    )
    return FacetView(
        card, facets, {f: card.provisions(f)[:shown] for f in facets}, direct_json(line)
    )


def card_overview(
    index: SearchIndex, found: SearchResult, base_salary: Decimal | None = None
) -> SavedAnswer | None:
    """The overview of the card a question names ("@bot hclđ hạng ba"), if any."""
    card = (
        found.facet.card
        if found.facet is not None
        else (
            awards.cards(index).for_object(found.reading.object)
            if found.reading is not None
            else None
        )
    )
    return overview(index, card, found.question, base_salary) if card is not None else None


def overview_of(
    engine: SearchEngine, card_id: str, base_salary: Decimal | None = None
) -> SavedAnswer | None:
    """The overview of card ``card_id`` in the current knowledge base (not stored)."""
    index = engine.index
    card = awards.cards(index).get(card_id)
    return overview(index, card, card.name, base_salary) if card is not None else None


def card_name(engine: SearchEngine, card_id: str) -> str | None:
    card = awards.cards(engine.index).get(card_id)
    return card.name if card is not None else None
