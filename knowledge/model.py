"""Plain data for parsed documents: what the parser produces and the store persists.

A document is cut into *units* (an article "Điều", a guidance section, a slide, a news item)
that can always be shown whole, and *passages* (a clause, a short article, a point of a long
clause, a paragraph group) small enough to read in chat. Every passage carries offsets into
the document text, so its text is verbatim and its unit can be rebuilt.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

STATUS_IN_FORCE = "con-hieu-luc"
STATUS_EXPIRED = "het-hieu-luc"
STATUS_REFERENCE = "tham-khao"
STATUS_UNKNOWN = "chua-ro"

STATUS_LABELS = {
    STATUS_IN_FORCE: "còn hiệu lực",
    STATUS_EXPIRED: "hết hiệu lực",
    STATUS_REFERENCE: "tài liệu tham khảo",
    STATUS_UNKNOWN: "chưa rõ hiệu lực",
}

KIND_LABELS = {
    "luat": "Luật",
    "nghi-dinh": "Nghị định",
    "thong-tu": "Thông tư",
    "quyet-dinh": "Quyết định",
    "nghi-quyet": "Nghị quyết",
    "quy-che": "Quy chế",
    "ke-hoach": "Kế hoạch",
    "chi-thi": "Chỉ thị",
    "cong-van": "Công văn",
    "van-ban-hop-nhat": "Văn bản hợp nhất",
    "huong-dan": "Hướng dẫn",
    "tai-lieu-tap-huan": "Tài liệu tập huấn",
    "khac": "Tài liệu",
}

# Unit kinds
UNIT_ARTICLE = "dieu"
UNIT_SECTION = "muc"
UNIT_SLIDE = "slide"
UNIT_TEXT = "toan-van"


def number_key(number: str) -> str:
    """How document numbers compare: "152/2025/NĐ-CP", "152/2025/nđ-cp" and "152 /2025/NĐ-CP"
    name one document (NFC, no white space, lowercase). The one definition used by storage,
    sync, the bot and retrieval, so a number typed by an admin matches the stored one."""
    return "".join(unicodedata.normalize("NFC", number).split()).lower()


def is_appendix(attachment: str | None) -> bool:
    """ "Phụ lục 3" (an appendix) as opposed to a text issued with the document."""
    return bool(attachment) and attachment.startswith("Phụ lục")  # type: ignore[union-attr]


def attachment_rank(attachment: str | None) -> int:
    """Order of a file's parts when a label names several units: the text issued with the
    document (its rules) first, then the document itself, then appendices."""
    if attachment is None:
        return 1
    return 2 if is_appendix(attachment) else 0


@dataclass
class DocumentMeta:
    """What a citation and a status label need to know about a document."""

    number: str
    kind: str = "khac"
    title: str = ""
    issued: date | None = None
    effective: date | None = None
    status: str = STATUS_UNKNOWN
    replaced_by: str | None = None
    note: str | None = None
    issuer: str | None = None
    """The body that issued it ("Ủy ban nhân dân tỉnh Bắc Ninh", "Chính phủ")."""
    scope: str | None = None
    """Where it applies: "toàn quốc", "tỉnh Bắc Ninh", one unit's name; None when unknown."""
    replaces: tuple[str, ...] = ()
    """Numbers of earlier documents this one replaced (they need not be loaded): a question
    naming one of them is answered from this document, with a note."""

    @property
    def in_force(self) -> bool:
        return self.status == STATUS_IN_FORCE


@dataclass
class Unit:
    """A piece that can be shown whole on demand: an article, a section, a slide."""

    kind: str
    label: str
    title: str
    start: int
    end: int
    part: str | None = None
    """A law's "Phần" (Phần thứ nhất…), as written."""
    chapter: str | None = None
    chapter_title: str | None = None
    section: str | None = None
    section_title: str | None = None
    attachment: str | None = None
    """Which part of the file the unit belongs to, each with its own article series: None for
    the document itself (the decision), "Quy định"/"Quy chế"/"Điều lệ"… for the text issued
    with it ("ban hành kèm theo"), "Phụ lục 3" for an appendix."""


@dataclass
class Passage:
    """A citable, chat-sized piece of a unit; ``text`` is ``document_text[start:end]``."""

    unit_index: int
    start: int
    end: int
    text: str
    clause: str | None = None
    point: str | None = None
    paragraph: int | None = None


@dataclass(kw_only=True)
class CitedPassage:
    """A passage as a reader sees it: its text, its citation, and what the status line and the
    "full article" button need. Search results (``retrieval.engine.Answer``) and the answers the
    bot stores (``knowledge.activity.SavedItem``) are both this, plus their own fields."""

    passage_id: int
    unit_id: int
    document_number: str
    document_title: str
    document_status: str
    document_kind: str
    unit_kind: str
    unit_label: str
    unit_title: str
    clause: str | None
    point: str | None
    citation: str
    text: str
    document_scope: str | None = None
    """Where the document applies ("toàn quốc", "tỉnh Bắc Ninh", a unit's name; None when
    unknown): a province's or a unit's rule is never to be shown as a national one."""

    @property
    def article(self) -> int | str | None:
        """The article number as cited ("Điều 84" → 84), None for a section or a slide."""
        if self.unit_kind != UNIT_ARTICLE:
            return None
        return int(self.unit_label) if self.unit_label.isdigit() else self.unit_label

    @classmethod
    def fields_of(cls, passage: CitedPassage) -> dict[str, object]:
        """The shared fields of ``passage``, to build another kind of cited passage from it."""
        return {name: getattr(passage, name) for name in CitedPassage.__dataclass_fields__}


@dataclass
class ParsedDocument:
    """A source file after parsing: metadata, full text, units and passages."""

    meta: DocumentMeta
    text: str
    fmt: str
    source_name: str
    units: list[Unit] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    coverage: float | None = None
    """Share of the text after the header that was kept (None: not measured); see
    :mod:`knowledge.coverage`."""
    unparsed: list[tuple[int, int]] = field(default_factory=list)
    """Spans of the lines after the header that no unit, passage or heading kept."""

    @property
    def structure(self) -> str:
        kinds = {u.kind for u in self.units}
        return next(iter(kinds)) if len(kinds) == 1 else ",".join(sorted(kinds))

    def unit_text(self, unit: Unit) -> str:
        return self.text[unit.start : unit.end]
