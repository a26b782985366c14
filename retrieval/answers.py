"""Asking, as a use case: a question in, a cited answer out, with what reading it needs.

The bot, inline mode and the CLI call these; handlers only turn the results into messages.
Everything an answer shows (a point's lead-in, the referenced articles that exist, the name of
the document that replaced an expired one) comes from the index snapshot the answer was found
in (``retrieval.loaded``), so the hot path reads no database; only the answer itself, the
question log and a training session's entry are written. Nothing here knows about Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from knowledge.activity import ActivityStore, SavedAnswer, SavedItem
from knowledge.citation import document_name, unit_name
from knowledge.db import db_reason
from knowledge.model import STATUS_IN_FORCE, DocumentMeta, number_key
from knowledge.store import IndexRow, KnowledgeStore, UnitView
from retrieval import card_answers
from retrieval.conversation import without_small_talk
from retrieval.engine import Answer, SearchEngine
from retrieval.intent import QuestionReading
from retrieval.loaded import LoadedKnowledge, loaded
from retrieval.question import clean_question, has_words
from retrieval.references import PassageReference, document_matches, find_references
from retrieval.text import normalize

log = logging.getLogger(__name__)

RESULTS = 5
RELATED = 3
MAX_REFERENCE_BUTTONS = 4
ONE_PER_CLAUSE_INTENTS = frozenset({"tham_quyen_quyet_dinh", "tham_quyen_de_nghi"})
"""Questions an article answers with one clause per authority (Luật Điều 80: giấy khen by heads
of agencies, district and commune chairs, company directors, one clause each)."""
MAX_SAME_AWARD_CLAUSES = 6


@dataclass
class AskResult:
    """What asking produced: an answer (stored when the database allowed it), or the closest
    headings when nothing relevant was found, or nothing for a message without words."""

    question: str
    truncated: bool = False
    empty: bool = False
    answer: SavedAnswer | None = None
    related: list[Answer] | None = None
    session_id: int | None = None
    notes: list[str] = field(default_factory=list)
    """Notes of a question that found nothing (a named document that is not loaded)."""


def resolve_references(
    knowledge: LoadedKnowledge,
    refs: Sequence[PassageReference],
    *,
    number: str,
    label: str,
    limit: int = MAX_REFERENCE_BUTTONS,
) -> list[list[str]]:
    """[label, document number, button text] for references that exist in the knowledge base
    (and are not the article itself)."""
    out: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    for ref in refs:
        if ref.scope == "same":
            target = number
        else:
            doc = (
                knowledge.document(ref.value)
                if ref.scope == "number"
                else knowledge.by_title(ref.value)
            )
            target = doc.number if doc else ""
        if not target or (target, ref.label) in seen:
            continue
        if number_key(target) == number_key(number) and ref.label.lower() == label.lower():
            continue
        if not knowledge.has_unit(target, ref.label):
            continue
        seen.add((target, ref.label))
        shown = ref.text if number_key(target) == number_key(number) else f"{ref.text} · {target}"
        out.append([ref.label, target, shown])
        if len(out) >= limit:
            break
    return out


def passage_context(knowledge: LoadedKnowledge, answer: Answer, *, dossier: bool) -> str | None:
    """What to show instead of a passage that does not read well alone.

    A point ("b) Báo cáo thành tích…") gets its clause's lead-in (all the clause's points for
    dossier questions, as a checklist); a lead-in ending in ":" gets what it introduces.
    """
    if answer.whole_unit:  # the list article an enumeration question asks for, whole
        rows = knowledge.unit_passages(answer.unit_id)
        return "\n\n".join(r.text for r in rows) if len(rows) > 1 else None
    if not answer.point and not answer.text.rstrip().endswith(":"):
        return None
    passages = [(r.clause, r.point, r.text) for r in knowledge.unit_passages(answer.unit_id)]
    at = next((i for i, (_c, _p, t) in enumerate(passages) if t == answer.text), None)
    if at is None:
        return None
    if answer.point:
        same = [(p, t) for c, p, t in passages if c == answer.clause]
        lead = [t for p, t in same if p is None]
        points = [t for p, t in same if p is not None] if dossier else [answer.text]
        return "\n\n".join(lead + points) if lead or dossier else None
    clause = passages[at][0]
    following = [t for c, _p, t in passages[at + 1 :] if clause is None or c == clause]
    return "\n\n".join([answer.text, *following]) if following else None


def same_award_clauses(
    knowledge: LoadedKnowledge, answer: Answer, reading: QuestionReading | None
) -> list[IndexRow]:
    """The clauses of the answer's article that, like it, name the award asked about, when the
    question asks who decides or proposes it: each clause gives one authority, and showing one
    of them ("Chủ tịch Ủy ban nhân dân cấp xã quyết định tặng … giấy khen") would hide the
    others. [] when that is not the case (a ranked award: its hạng's clauses differ by more
    than the authority; a clause with points: its lead-in alone does not read)."""
    if reading is None or reading.object is None or not reading.intents:
        return []
    obj, asked = reading.object, reading.intents[0]
    if (
        obj.rank
        or asked not in ONE_PER_CLAUSE_INTENTS
        or answer.point
        or not answer.clause
        or answer.whole_unit
    ):
        return []
    index = knowledge.index
    unit = index.field_index.unit_index.get(answer.unit_id)
    headings = index.ranker.headings
    # Only in an article about that (Điều 80 "Thẩm quyền của …"), not in one on the award's
    # standard that happens to rank for the question.
    if unit is None or not headings or asked not in headings[unit].intents:
        return []
    catalog = index.reader.catalog

    def named(text: str) -> bool:  # read as questions are: "Tập thể lao động tiên tiến" is
        # its own award, not "Lao động tiên tiến"
        return any(
            m.award == obj.award if obj.award else m.is_class and m.award_class == obj.award_class
            for m in catalog.find(normalize(text))
        )

    rows = knowledge.unit_passages(answer.unit_id)
    with_points = {r.clause for r in rows if r.point is not None}
    clauses = [
        r
        for r in rows
        if r.point is None and r.clause and r.clause not in with_points and named(r.text)
    ]
    if not 2 <= len(clauses) <= MAX_SAME_AWARD_CLAUSES:
        return []
    return clauses if answer.clause in {r.clause for r in clauses} else []


def _clauses_label(clauses: Sequence[str]) -> str:
    """ "1, 2, 3 và 4": how a citation names several clauses."""
    return f"{', '.join(clauses[:-1])} và {clauses[-1]}"


def plain_item(answer: Answer) -> SavedItem:
    """The fields of a search result that rendering needs (no lookups)."""
    return SavedItem(**SavedItem.fields_of(answer))


def shown_item(
    knowledge: LoadedKnowledge,
    answer: Answer,
    *,
    dossier: bool,
    reading: QuestionReading | None = None,
) -> SavedItem:
    """A result as a message shows it, in chat and inline mode alike: the passage with the
    context it needs to read well, or every clause of the article naming the award asked
    about (:func:`same_award_clauses`) under one citation ("Khoản 1, 2, 3 và 4 Điều 80 …")."""
    item = plain_item(answer)
    item.context_text = passage_context(knowledge, answer, dossier=dossier)
    clauses = same_award_clauses(knowledge, answer, reading)
    if clauses:
        item.context_text = "\n\n".join(r.text for r in clauses)
        label = _clauses_label([r.clause for r in clauses if r.clause])
        item.citation = replace(clauses[0], clause=label).citation()
    return item


def saved_item(
    knowledge: LoadedKnowledge,
    answer: Answer,
    *,
    dossier: bool,
    reading: QuestionReading | None = None,
) -> SavedItem:
    """A result as the bot keeps it: as shown (:func:`shown_item`), with the references it
    makes that exist in the knowledge base and the name of the document that replaced it."""
    item = shown_item(knowledge, answer, dossier=dossier, reading=reading)
    doc = knowledge.document(answer.document_number)
    item.replaced_by = doc.replaced_by if doc else None
    item.replaced_by_name = knowledge.display_name(item.replaced_by)
    item.references = resolve_references(
        knowledge,
        find_references(item.context_text or answer.text),
        number=answer.document_number,
        label=answer.unit_label,
    )
    return item


@dataclass
class InlineResults:
    """Inline mode's results: passages with the context they need (no references), whether
    their points are a checklist, and the overview of the award card the query names."""

    items: list[SavedItem]
    checklist: bool = False
    card: SavedAnswer | None = None


def inline_items(
    engine: SearchEngine, question: str, k: int = 10, base_salary: Decimal | None = None
) -> InlineResults:
    """Results for inline mode (see :class:`InlineResults`)."""
    index = engine.index
    knowledge = loaded(index)
    found = index.ask(index.analyze(question), k)
    dossier = card_answers.wants_checklist(found.reading)
    items = [
        shown_item(knowledge, answer, dossier=dossier, reading=found.reading)
        for answer in found.answers
    ]
    return InlineResults(items, dossier, card_answers.card_overview(index, found, base_salary))


def ask(
    engine: SearchEngine,
    activity: ActivityStore,
    raw_question: str,
    *,
    user_id: int | None,
    chat_type: str,
    chat_id: int | None,
    k: int = RESULTS,
    base_salary: Decimal | None = None,
) -> AskResult:
    """Answer a question: search, save the answer for paging/sharing, log, feed a session."""
    question, truncated = clean_question(without_small_talk(raw_question))
    if not has_words(question):
        return AskResult(question, truncated, empty=True)
    index = engine.index  # one snapshot for the whole answer
    query = index.analyze(question)
    found = index.ask(query, k)
    answers = found.answers
    result = AskResult(question, truncated)
    if answers:
        knowledge = loaded(index)
        dossier = card_answers.wants_checklist(found.reading)
        items = [saved_item(knowledge, a, dossier=dossier, reading=found.reading) for a in answers]
        saved = SavedAnswer(
            id="",
            question=question,
            created_at=datetime.now(UTC).replace(tzinfo=None),
            kb_version=index.version,
            items=items,
            notes=list(found.notes),
            corrected=found.corrected,
            weak=found.weak,
        )
        card_answers.annotate(index, found, saved, base_salary)  # award card, direct line
        result.answer = _save(activity, saved)
    else:
        result.notes = list(found.notes)
        if query.reading is None or query.reading.in_domain:
            # Headings close to an off-topic question ("giá vàng" → "Huân chương Sao vàng")
            # would only mislead.
            result.related = index.related(query, RELATED)
    if result.answer is not None and not result.answer.id:
        # The database just refused a write: another one would wait out the same lock (SQLite's
        # busy timeout) before failing too, and the officer would wait twice as long.
        log.warning("question log skipped: the answer could not be stored either")
        return result
    try:
        result.session_id = activity.record_question(
            user_id,
            chat_type,
            question,
            answered=bool(answers),
            top_citation=answers[0].citation if answers else None,
            kb_version=index.version,
            answer_id=result.answer.id if result.answer else None,
            chat_id=chat_id,
        )
    except SQLAlchemyError as exc:
        # The officer still gets the answer; only statistics (and a session's export) miss it.
        log.warning("question log not written: %s", db_reason(exc))
    return result


def _save(activity: ActivityStore, answer: SavedAnswer) -> SavedAnswer:
    """The answer as stored for paging, sharing and feedback; if the database cannot take
    the write (locked by a long update, briefly unavailable), the same answer unsaved.

    Why not fail the question: everything needed to answer is already in memory; only the
    buttons that refer to the stored answer are lost (``SavedAnswer.id`` is then empty).
    """
    answer_id = ""
    for attempt in range(2):
        try:
            answer_id = activity.save_answer(
                answer.question, answer.items, answer.kb_version, answer.extra()
            )
        except SQLAlchemyError as exc:
            if attempt == 0 and isinstance(exc, DBAPIError) and exc.connection_invalidated:
                # The connection was stale (read-only since it was opened, or dropped) and the
                # pool was emptied: once more, on a new connection.
                continue
            log.warning("answer not saved, sending it without its buttons: %s", db_reason(exc))
        break
    answer.id = answer_id
    return answer


def article_views(store: KnowledgeStore, label: str, number: str | None = None) -> list[UnitView]:
    """Units labelled ``label``, in the document ``number`` names if given (a full number or a
    loose one: "06/2022", "152/2025/nd-cp"), documents in force first. The one article lookup
    of the CLI (``kb show``) and the bot (/dieu, "Xem toàn văn", reference buttons)."""
    views = [v for v in (store.unit(u) for u in store.find_units(label)) if v is not None]
    if number:
        exact = [v for v in views if number_key(v.document.number) == number_key(number)]
        views = exact or [v for v in views if document_matches(number, v.document.number)]
    views.sort(key=lambda v: v.document.status != STATUS_IN_FORCE)
    return views


@dataclass(frozen=True)
class ArticleRequest:
    """A message that only asks to see an article: "điều 24 luật tđkt", "/dieu 50 nd 152"."""

    label: str
    number: str | None
    clause: str | None


def article_request(engine: SearchEngine, text: str) -> ArticleRequest | None:
    """The article ``text`` cites, when citing it is all the text does (besides naming the
    document, loosely or by number); None for a question that also asks something."""
    index = engine.index
    query = index.analyze(text)
    if query.reference is None:
        return None
    number = query.reference.document
    if number is None and query.naming.documents:
        number = query.naming.documents[0]
    words = [t for t in query.tokens if t.replace("_", " ") not in index.lexicon.stopwords]
    if words:
        named = loaded(index).named(words)
        if named is None:
            return None  # other words: a question about the article, not a request for it
        number = number or named.number
    return ArticleRequest(query.reference.article, number, query.reference.clause)


def article_references(engine: SearchEngine, view: UnitView, limit: int = 6) -> list[list[str]]:
    """The articles ``view`` refers to that the knowledge base holds (for buttons)."""
    return resolve_references(
        loaded(engine.index),
        find_references(view.text),
        number=view.document.number,
        label=view.label,
        limit=limit,
    )


def related_headings(items: Sequence[Answer]) -> list[tuple[str, str, str, str]]:
    """(citation, title, label, number) of suggested units, one per unit."""
    seen: set[int] = set()
    out = []
    for a in items:
        if a.unit_id in seen:
            continue
        seen.add(a.unit_id)
        doc = document_name(
            DocumentMeta(number=a.document_number, kind=a.document_kind, title=a.document_title)
        )
        out.append(
            (
                f"{unit_name(a.unit_kind, a.unit_label)} {doc}",
                a.unit_title,
                a.unit_label,
                a.document_number,
            )
        )
    return out
