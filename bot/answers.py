"""Telegram-free application logic between the handlers and the knowledge/retrieval objects.

Handlers call these (in a worker thread: they touch the database and the index) and only
turn the results into messages. Nothing here knows about Telegram.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.render import (
    PassageReference,
    clean_question,
    find_references,
    fold,
    has_words,
    is_dossier_question,
    replaced_by_name,
    unit_name,
)
from knowledge.activity import ActivityStore, SavedAnswer, SavedItem
from knowledge.citation import document_name
from knowledge.model import STATUS_IN_FORCE, DocumentMeta, number_key
from knowledge.store import DocumentInfo, KnowledgeStore, UnitView
from retrieval.engine import Answer, SearchEngine

log = logging.getLogger(__name__)

RESULTS = 5
RELATED = 3
MAX_REFERENCE_BUTTONS = 4


class Catalog:
    """Active documents, cached per knowledge-base version (for statuses and references)."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._version = -1
        self._docs: list[DocumentInfo] = []
        self._lock = threading.Lock()

    def documents(self, version: int | None = None) -> list[DocumentInfo]:
        version = self.store.current_version() if version is None else version
        with self._lock:
            if version != self._version:
                self._docs = self.store.documents()
                self._version = version
            return self._docs

    def by_number(self, number: str, version: int | None = None) -> DocumentInfo | None:
        key = number_key(number)
        return next((d for d in self.documents(version) if number_key(d.meta.number) == key), None)

    def by_title(self, text: str, version: int | None = None) -> DocumentInfo | None:
        """The document whose name starts ``text`` ("Luật Thi đua, khen thưởng, có…"),
        preferring documents in force."""
        wanted = fold(text)
        found = [
            d for d in self.documents(version)
            if (name := fold(d.meta.title.split("(")[0].strip().rstrip(",")))
            and wanted.startswith(name)
        ]
        found.sort(key=lambda d: (d.meta.status != STATUS_IN_FORCE, -len(d.meta.title)))
        return found[0] if found else None


@dataclass
class AskResult:
    question: str
    truncated: bool = False
    empty: bool = False
    answer: SavedAnswer | None = None
    related: list[Answer] | None = None
    session_id: int | None = None


def resolve_references(
    store: KnowledgeStore, catalog: Catalog, refs: Sequence[PassageReference], *, number: str,
    label: str, version: int | None = None, limit: int = MAX_REFERENCE_BUTTONS,
) -> list[list[str]]:
    """[label, document number, button text] for references that exist in the knowledge base
    (and are not the article itself)."""
    out: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    for ref in refs:
        if ref.scope == "same":
            target = number
        elif ref.scope == "number":
            doc = catalog.by_number(ref.value, version)
            target = doc.meta.number if doc else ""
        else:
            doc = catalog.by_title(ref.value, version)
            target = doc.meta.number if doc else ""
        if not target or (target, ref.label) in seen:
            continue
        if number_key(target) == number_key(number) and ref.label.lower() == label.lower():
            continue
        if not store.find_units(ref.label, target):
            continue
        seen.add((target, ref.label))
        shown = ref.text if number_key(target) == number_key(number) else f"{ref.text} · {target}"
        out.append([ref.label, target, shown])
        if len(out) >= limit:
            break
    return out


def saved_item(store: KnowledgeStore, catalog: Catalog, answer: Answer, *, dossier: bool,
               version: int | None = None) -> SavedItem:
    replaced = None
    doc = catalog.by_number(answer.document_number, version)
    if doc is not None:
        replaced = doc.meta.replaced_by
    context_text = passage_context(store, answer, dossier=dossier)
    refs = resolve_references(
        store, catalog, find_references(context_text or answer.text),
        number=answer.document_number, label=answer.unit_label, version=version,
    )
    return replace(
        plain_item(answer), replaced_by=replaced,
        replaced_by_name=replaced_by_name(replaced, catalog.documents(version)),
        context_text=context_text, references=refs,
    )


def passage_context(store: KnowledgeStore, answer: Answer, *, dossier: bool) -> str | None:
    """What to show instead of a passage that does not read well alone.

    A point ("b) Báo cáo thành tích…") gets its clause's lead-in (all the clause's points for
    dossier questions, as a checklist); a lead-in ending in ":" gets what it introduces.
    """
    if not answer.point and not answer.text.rstrip().endswith(":"):
        return None
    view = store.unit(answer.unit_id)
    if view is None:
        return None
    passages = view.passages
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


def plain_item(answer: Answer) -> SavedItem:
    """The fields of a search result that rendering needs (no database lookups)."""
    return SavedItem(
        passage_id=answer.passage_id, unit_id=answer.unit_id,
        document_number=answer.document_number, document_title=answer.document_title,
        document_status=answer.document_status, document_kind=answer.document_kind,
        unit_kind=answer.unit_kind, unit_label=answer.unit_label, unit_title=answer.unit_title,
        clause=answer.clause, point=answer.point, citation=answer.citation, text=answer.text,
    )


def inline_items(store: KnowledgeStore, engine: SearchEngine, question: str,
                 k: int = 10) -> list[SavedItem]:
    """Results for inline mode: passages with the context they need, no references."""
    items = []
    for answer in engine.search(question, k):
        item = plain_item(answer)
        item.context_text = passage_context(store, answer, dossier=is_dossier_question(question))
        items.append(item)
    return items


def related(engine: SearchEngine, question: str, k: int = RELATED) -> list[Answer]:
    """Closest headings when nothing relevant was found (SearchEngine.related: the ranking
    without its decline check)."""
    return engine.related(question, k)


def ask(
    store: KnowledgeStore, engine: SearchEngine, activity: ActivityStore, catalog: Catalog,
    raw_question: str, *, user_id: int | None, chat_type: str, chat_id: int | None,
    k: int = RESULTS,
) -> AskResult:
    """Answer a question: search, save the answer for paging/sharing, log, feed a session."""
    question, truncated = clean_question(raw_question)
    if not has_words(question):
        return AskResult(question, truncated, empty=True)
    answers = engine.search(question, k)
    version = engine.index.version
    result = AskResult(question, truncated)
    if answers:
        dossier = is_dossier_question(question)
        items = [saved_item(store, catalog, a, dossier=dossier, version=version)
                 for a in answers]
        result.answer = _save(activity, question, items, version)
    else:
        result.related = related(engine, question)
    if result.answer is not None and not result.answer.id:
        # The database just refused a write: another one would wait out the same lock (SQLite's
        # busy timeout) before failing too, and the officer would wait twice as long.
        log.warning("question log skipped: the answer could not be stored either")
        return result
    answer_id = result.answer.id if result.answer else None
    try:
        activity.record_question(
            user_id, chat_type, question, answered=bool(answers),
            top_citation=answers[0].citation if answers else None, kb_version=version,
            answer_id=answer_id,
        )
        if chat_id is not None:
            session = activity.active_session(chat_id)
            if session is not None:
                activity.add_session_item(session.id, question, answer_id)
                result.session_id = session.id
    except SQLAlchemyError as exc:
        # The officer still gets the answer; only statistics (and a session's export) miss it.
        log.warning("question log not written: %s", db_reason(exc))
    return result


def _save(activity: ActivityStore, question: str, items: list[SavedItem],
          version: int) -> SavedAnswer:
    """The answer as stored for paging, sharing and feedback; if the database cannot take
    the write (locked by a long update, briefly unavailable), the same answer unsaved.

    Why not fail the question: everything needed to answer is already in memory; only the
    buttons that refer to the stored answer are lost (``SavedAnswer.id`` is then empty).
    """
    try:
        answer_id = activity.save_answer(question, items, version)
    except SQLAlchemyError as exc:
        log.warning("answer not saved, sending it without its buttons: %s", db_reason(exc))
        return SavedAnswer(id="", question=question,
                           created_at=datetime.now(UTC).replace(tzinfo=None),
                           kb_version=version, items=items)
    saved = activity.answer(answer_id)
    assert saved is not None
    return saved


def db_reason(error: SQLAlchemyError) -> str:
    """The driver's own words ("database is locked"), without SQLAlchemy's statement and
    parameters: those would copy whole answers (and questions) into the log."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:300]


def article_views(store: KnowledgeStore, label: str, number: str | None = None) -> list[UnitView]:
    """Units labelled ``label`` (in ``number`` if given), documents in force first."""
    views = [v for v in (store.unit(u) for u in store.find_units(label, number)) if v]
    if number:
        exact = [v for v in views if number_key(v.document.number) == number_key(number)]
        views = exact or views
    views.sort(key=lambda v: v.document.status != STATUS_IN_FORCE)
    return views


def article_references(store: KnowledgeStore, catalog: Catalog, view: UnitView,
                       limit: int = 6) -> list[list[str]]:
    return resolve_references(store, catalog, find_references(view.text),
                              number=view.document.number, label=view.label, limit=limit)


def related_headings(items: Sequence[Answer]) -> list[tuple[str, str, str, str]]:
    """(citation, title, label, number) of suggested units, one per unit."""
    seen: set[int] = set()
    out = []
    for a in items:
        if a.unit_id in seen:
            continue
        seen.add(a.unit_id)
        citation = f"{unit_name(a.unit_kind, a.unit_label)} {_doc_short(a)}"
        out.append((citation, a.unit_title, a.unit_label, a.document_number))
    return out


def _doc_short(a: Answer) -> str:
    return document_name(DocumentMeta(number=a.document_number, kind=a.document_kind,
                                      title=a.document_title))
