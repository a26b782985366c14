"""Persistent knowledge base: documents, units, passages (with tokens) and versions.

Every change goes through :meth:`KnowledgeStore.apply`, one transaction that also records a
new version: readers (the live bot, other instances) see either the old knowledge base or the
new one, never a half-written one, and notice the change by polling :meth:`current_version`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
    select,
    type_coerce,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from knowledge.citation import render_citation
from knowledge.db import Base, make_engine, make_session_factory
from knowledge.errors import KnowledgeError
from knowledge.model import (
    CitedPassage,
    DocumentMeta,
    ParsedDocument,
    attachment_rank,
    number_key,
)
from knowledge.schema import ensure_schema


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    issued: Mapped[date | None] = mapped_column(Date)
    effective: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    replaced_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    coverage: Mapped[float | None] = mapped_column(Float)
    source_name: Mapped[str] = mapped_column(String(255))
    origin: Mapped[str] = mapped_column(String(1000), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    fmt: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    units: Mapped[list[UnitRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="UnitRow.ordinal"
    )
    passages: Mapped[list[PassageRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="PassageRow.ordinal"
    )

    def meta(self) -> DocumentMeta:
        return DocumentMeta(
            number=self.number,
            kind=self.kind,
            title=self.title,
            issued=self.issued,
            effective=self.effective,
            status=self.status,
            replaced_by=self.replaced_by,
            note=self.note,
            issuer=self.issuer,
            scope=self.scope,
            replaces=tuple(self.replaces or ()),
        )


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    part: Mapped[str | None] = mapped_column(String(80))
    chapter: Mapped[str | None] = mapped_column(String(40))
    chapter_title: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(40))
    section_title: Mapped[str | None] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    title_tokens: Mapped[str] = mapped_column(Text, default="")
    attachment: Mapped[str | None] = mapped_column(String(120))
    """The file's part: None (the document), "Quy định" (issued with it), "Phụ lục 3"."""

    document: Mapped[DocumentRow] = relationship(back_populates="units")


class PassageRow(Base):
    __tablename__ = "passages"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    clause: Mapped[str | None] = mapped_column(String(10))
    point: Mapped[str | None] = mapped_column(String(4))
    paragraph: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[DocumentRow] = relationship(back_populates="passages")
    unit: Mapped[UnitRow] = relationship()


class VersionRow(Base):
    __tablename__ = "kb_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    summary: Mapped[str] = mapped_column(Text, default="")


class ReplacementNeeded(KnowledgeError):
    """An update that must add a new document found one with the same number already."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(
            f"Văn bản số {number} đã có trong cơ sở tri thức; cần xác nhận thay thế văn bản cũ."
        )


@dataclass
class NewDocument:
    """A parsed document ready to store, with tokens computed by the caller (retrieval)."""

    parsed: ParsedDocument
    content_hash: str
    origin: str
    unit_title_tokens: list[list[str]]
    passage_tokens: list[list[str]]


@dataclass
class Changeset:
    """What one update does; applied atomically."""

    add: list[NewDocument] = field(default_factory=list)
    retire_ids: list[int] = field(default_factory=list)
    summary: str = ""
    may_replace: bool = True
    """False: an added document must not replace an active one with its number. Checked
    inside the transaction, so two admins publishing the same new number cannot both
    succeed (the second is asked to confirm the replacement)."""

    def __bool__(self) -> bool:
        return bool(self.add or self.retire_ids)


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document without its text: for listings and sync decisions."""

    id: int
    meta: DocumentMeta
    source_name: str
    origin: str
    content_hash: str
    fmt: str
    active: bool
    added_at: datetime
    units: int
    passages: int
    coverage: float | None = None


@dataclass(frozen=True)
class IndexRow:
    """One passage with everything ranking and answering need, loaded in one query."""

    passage_id: int
    document_id: int
    unit_id: int
    clause: str | None
    point: str | None
    paragraph: int | None
    text: str
    tokens: str
    unit_kind: str
    unit_label: str
    unit_title: str
    unit_part: str | None
    unit_title_tokens: str
    document_number: str
    document_kind: str
    document_title: str
    document_status: str
    document_scope: str | None = None
    document_replaces: tuple[str, ...] = ()
    document_replaced_by: str | None = None
    unit_attachment: str | None = None
    """The part of the file ("Quy định", "Phụ lục 3"; None: the document): for citations."""

    def meta(self) -> DocumentMeta:
        """The row's document, as citations name it."""
        return DocumentMeta(
            number=self.document_number,
            kind=self.document_kind,
            title=self.document_title,
            status=self.document_status,
        )

    def citation(self) -> str:
        """ "Khoản 2 Điều 84 Luật …": this passage's citation (another clause's or point's:
        ``dataclasses.replace(row, point=…).citation()``)."""
        return render_citation(
            self.meta(),
            self.unit_kind,
            self.unit_label,
            self.unit_title,
            self.clause,
            self.point,
            self.paragraph,
            attachment=self.unit_attachment,
        )

    def cited_fields(self) -> dict[str, object]:
        """What a ``CitedPassage`` built from this row takes from it as is (its passage,
        unit and document: every field of the same name); the caller adds the clause, point,
        citation and text it shows."""
        return {name: getattr(self, name) for name in _ROW_CITED_FIELDS}


_ROW_CITED_FIELDS = tuple(
    name
    for name in CitedPassage.__dataclass_fields__
    if name not in {"clause", "point", "citation", "text"}
)
"""The ``CitedPassage`` fields an ``IndexRow`` gives as is."""


@dataclass(frozen=True)
class UnitView:
    """A unit as written, for "Xem toàn văn Điều"."""

    id: int
    document: DocumentMeta
    document_id: int
    kind: str
    label: str
    title: str
    part: str | None
    chapter: str | None
    chapter_title: str | None
    section: str | None
    section_title: str | None
    text: str
    passages: list[tuple[str | None, str | None, str]]  # (clause, point, text)
    attachment: str | None = None
    """Which part of the file: None (the document itself), "Quy định" (the text issued with
    it), "Phụ lục 3"; two units of a file may share a label, never a part and a label."""

    @property
    def citation(self) -> str:
        """ "Điều 84 Luật Thi đua, khen thưởng số 06/2022/QH15": the unit as a whole."""
        return render_citation(
            self.document,
            self.kind,
            self.label,
            self.title,
            attachment=self.attachment,
        )


class KnowledgeStore:
    """Documents and passages in any SQLAlchemy database (SQLite by default)."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        if create:
            ensure_schema(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- versions -------------------------------------------------------------------------
    def current_version(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.max(VersionRow.id))) or 0)

    # -- writes ---------------------------------------------------------------------------
    def apply(self, changes: Changeset) -> int:
        """Apply ``changes`` in one transaction; return the new version (unchanged if empty)."""
        if not changes:
            return self.current_version()
        with self.sessions.begin() as s:
            _serialise_updates(s)
            retire = list(changes.retire_ids)
            numbers = {number_key(new.parsed.meta.number) for new in changes.add}
            if numbers:
                # Whatever the caller decided from an earlier listing (another instance may
                # have published the same number since), one document per number stays active.
                active = s.execute(
                    select(DocumentRow.id, DocumentRow.number).where(DocumentRow.active.is_(True))
                ).all()
                same = [(i, n) for i, n in active if number_key(n) in numbers]
                if same and not changes.may_replace:
                    raise ReplacementNeeded(same[0][1])
                retire += [i for i, _n in same if i not in retire]
            for doc_id in retire:
                row = s.get(DocumentRow, doc_id)
                if row is not None and row.active:
                    row.active = False
                    row.retired_at = _now()
                    row.units.clear()
                    row.passages.clear()
            for new in changes.add:
                s.add(_document_row(new))
            version = VersionRow(summary=changes.summary[:2000])
            s.add(version)
            s.flush()
            return int(version.id)

    # -- reads ----------------------------------------------------------------------------
    def documents(self, *, include_retired: bool = False) -> list[DocumentInfo]:
        with self.sessions() as s:
            units = (
                select(UnitRow.document_id, func.count().label("n"))
                .group_by(UnitRow.document_id)
                .subquery()
            )
            passages = (
                select(PassageRow.document_id, func.count().label("n"))
                .group_by(PassageRow.document_id)
                .subquery()
            )
            q = (
                select(DocumentRow, units.c.n, passages.c.n)
                .outerjoin(units, units.c.document_id == DocumentRow.id)
                .outerjoin(passages, passages.c.document_id == DocumentRow.id)
                .order_by(DocumentRow.id)
            )
            if not include_retired:
                q = q.where(DocumentRow.active.is_(True))
            return [
                DocumentInfo(
                    id=row.id,
                    meta=row.meta(),
                    source_name=row.source_name,
                    origin=row.origin,
                    content_hash=row.content_hash,
                    fmt=row.fmt,
                    active=row.active,
                    added_at=row.added_at,
                    units=n_units or 0,
                    passages=n_passages or 0,
                    coverage=row.coverage,
                )
                for row, n_units, n_passages in s.execute(q)
            ]

    def find_active(self, number: str) -> DocumentInfo | None:
        """The active document with this number (case- and space-insensitive)."""
        wanted = number_key(number)
        return next((d for d in self.documents() if number_key(d.meta.number) == wanted), None)

    def index_rows(self) -> Iterator[IndexRow]:
        """All active passages in document order, for building the search index.

        Read with Core (no ORM objects) in one query, hence one consistent snapshot. The unit
        and document columns repeat on every passage of a unit; their strings are shared per
        unit and per document so a national knowledge base (100k passages) does not hold
        thousands of copies of each title and title-token string.
        """
        q = (
            select(
                PassageRow.id,
                PassageRow.document_id,
                PassageRow.unit_id,
                PassageRow.clause,
                PassageRow.point,
                PassageRow.paragraph,
                PassageRow.text,
                PassageRow.tokens,
                UnitRow.kind,
                UnitRow.label,
                UnitRow.title,
                UnitRow.part,
                UnitRow.title_tokens,
                DocumentRow.number,
                DocumentRow.kind,
                DocumentRow.title,
                DocumentRow.status,
                # Raw, decoded once per document below (not on each of its passages' rows).
                DocumentRow.scope,
                type_coerce(DocumentRow.replaces, Text),
                DocumentRow.replaced_by,
                UnitRow.attachment,
            )
            .join(UnitRow, UnitRow.id == PassageRow.unit_id)
            .join(DocumentRow, DocumentRow.id == PassageRow.document_id)
            .where(DocumentRow.active.is_(True))
            .order_by(PassageRow.document_id, PassageRow.ordinal)
        )
        units: dict[int, tuple] = {}
        documents: dict[int, tuple] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                unit = units.get(r[2])
                if unit is None:
                    unit = units[r[2]] = tuple(r[8:13])
                document = documents.get(r[1])
                if document is None:
                    document = documents[r[1]] = (*r[13:18], _numbers(r[18]), r[19])
                yield IndexRow(*r[:8], *unit, *document, unit_attachment=r[20])

    def unit(self, unit_id: int) -> UnitView | None:
        with self.sessions() as s:
            row = s.get(UnitRow, unit_id)
            if row is None or not row.document.active:
                return None
            doc = row.document
            passages = s.execute(
                select(PassageRow.clause, PassageRow.point, PassageRow.text)
                .where(PassageRow.unit_id == unit_id)
                .order_by(PassageRow.ordinal)
            ).all()
            return UnitView(
                id=row.id,
                document=doc.meta(),
                document_id=doc.id,
                kind=row.kind,
                label=row.label,
                title=row.title,
                part=row.part,
                chapter=row.chapter,
                chapter_title=row.chapter_title,
                section=row.section,
                section_title=row.section_title,
                text=doc.text[row.start : row.end],
                passages=[tuple(p) for p in passages],  # type: ignore[misc]
                attachment=row.attachment,
            )

    def find_units(self, label: str, number: str | None = None) -> list[int]:
        """Ids of active units labelled ``label`` (e.g. "84"), optionally in one document.

        Within a document, a text issued with it comes first ("Điều 2" of the attached Quy
        định before "Điều 2" of the short decision: the question is nearly always about the
        rules), then the document itself, then its appendices.
        """
        with self.sessions() as s:
            q = (
                select(UnitRow.id, DocumentRow.number, UnitRow.attachment)
                .join(DocumentRow, DocumentRow.id == UnitRow.document_id)
                .where(DocumentRow.active.is_(True), func.lower(UnitRow.label) == label.lower())
                .order_by(DocumentRow.id, UnitRow.ordinal)
            )
            rows = s.execute(q).all()
        if number:
            wanted = number_key(number)
            rows = [r for r in rows if wanted in number_key(r[1])]
        order = {number: n for n, number in enumerate(dict.fromkeys(r[1] for r in rows))}
        rows.sort(key=lambda r: (order[r[1]], attachment_rank(r[2])))
        return [r[0] for r in rows]


def _numbers(raw: object) -> tuple[str, ...]:
    """A JSON list of numbers as the driver returns it: text (SQLite) or decoded (psycopg)."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


_UPDATE_LOCK_ID = 7_302_025  # arbitrary, constant; knowledge.schema uses 7_302_024


def _serialise_updates(session: Session) -> None:
    """Knowledge-base updates from any process commit one at a time, in version order.

    Why: other instances notice an update by polling max(version id). On PostgreSQL the id
    comes from a sequence when the row is flushed, so without this lock an update that took
    id 7 could commit after one that took id 8, and an instance that already moved to 8 would
    never load 7's documents. (SQLite writers already take the database's single write lock.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql("SELECT pg_advisory_xact_lock(:id)"), {"id": _UPDATE_LOCK_ID})


def _document_row(new: NewDocument) -> DocumentRow:
    doc = new.parsed
    meta = doc.meta
    row = DocumentRow(
        number=meta.number,
        kind=meta.kind,
        title=meta.title,
        issued=meta.issued,
        effective=meta.effective,
        status=meta.status,
        replaced_by=meta.replaced_by,
        note=meta.note,
        issuer=meta.issuer,
        scope=meta.scope,
        replaces=list(meta.replaces),
        coverage=doc.coverage,
        source_name=doc.source_name,
        origin=new.origin,
        content_hash=new.content_hash,
        fmt=doc.fmt,
        text=doc.text,
        active=True,
    )
    unit_rows: list[UnitRow] = []
    for ordinal, (unit, tokens) in enumerate(zip(doc.units, new.unit_title_tokens, strict=True)):
        unit_row = UnitRow(
            ordinal=ordinal,
            kind=unit.kind,
            label=unit.label,
            title=unit.title,
            part=unit.part,
            chapter=unit.chapter,
            chapter_title=unit.chapter_title,
            section=unit.section,
            section_title=unit.section_title,
            start=unit.start,
            end=unit.end,
            title_tokens=" ".join(tokens),
            attachment=unit.attachment,
        )
        unit_rows.append(unit_row)
    row.units = unit_rows
    passage_rows: list[PassageRow] = []
    for ordinal, (p, tokens) in enumerate(zip(doc.passages, new.passage_tokens, strict=True)):
        passage_rows.append(
            PassageRow(
                ordinal=ordinal,
                unit=unit_rows[p.unit_index],
                clause=p.clause,
                point=p.point,
                paragraph=p.paragraph,
                start=p.start,
                end=p.end,
                text=p.text,
                tokens=" ".join(tokens),
            )
        )
    row.passages = passage_rows
    return row


def documents_by_origin(docs: Sequence[DocumentInfo], origin: str) -> dict[str, DocumentInfo]:
    """Active documents that came from ``origin``, keyed by their source file name."""
    return {d.source_name: d for d in docs if d.origin == origin and d.active}
