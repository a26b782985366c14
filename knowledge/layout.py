"""Lines with offsets, and the lines of a document that are layout rather than content.

Every structure parser reads a text as lines whose offsets point into it (passages must stay
verbatim slices). Some lines carry no norm and are kept out of passages on purpose: the
signature block, the list of recipients ("Nơi nhận"), the national motto repeated above an
attached text, the consolidation's attestation and its editorial footnotes. They are named
here, in one place, so that the coverage check (:mod:`knowledge.coverage`) can tell such
layout from text the parsers failed to keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.model import Passage, Unit

Span = tuple[int, int]


@dataclass
class Line:
    """One line of the source with its offsets (start of first non-space char, end of text)."""

    start: int
    end: int
    text: str


@dataclass
class Structure:
    """What a structure parser found in a text: units, passages and the spans it recognised
    as headings or layout (kept, though in no passage)."""

    units: list[Unit] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    kept: list[Span] = field(default_factory=list)

    def extend(self, other: Structure) -> None:
        """Append ``other`` (its passages' unit indexes are relative to its own units)."""
        base = len(self.units)
        for p in other.passages:
            p.unit_index += base
        self.units.extend(other.units)
        self.passages.extend(other.passages)
        self.kept.extend(other.kept)

    def shift(self, offset: int) -> Structure:
        """Move every offset by ``offset`` (a part parsed on its own slice of the text)."""
        for u in self.units:
            u.start += offset
            u.end += offset
        for p in self.passages:
            p.start += offset
            p.end += offset
        self.kept = [(a + offset, b + offset) for a, b in self.kept]
        return self


def split_lines(text: str) -> list[Line]:
    """Lines with offsets into ``text``; blank lines kept (paragraph boundaries matter)."""
    lines: list[Line] = []
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        start = offset + lead
        lines.append(Line(start, start + len(stripped), stripped))
        offset += len(raw) + 1
    return lines


def trim(text: str, start: int, end: int) -> Span:
    """Shrink [start, end) so it has no surrounding whitespace."""
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    return start + left, start + len(piece.rstrip())


def in_capitals(text: str, min_letters: int = 4) -> bool:
    """Every letter a capital, digits and punctuation aside, and at least ``min_letters``
    letters (a part's heading "PHỤ LỤC II" has two; running text in capitals more)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= min_letters and all(c.isupper() for c in letters)


def is_upper_line(text: str) -> bool:
    """Written in capitals (a heading, an issuer, a signature title): several words."""
    return in_capitals(text) and " " in text


# -- layout lines ---------------------------------------------------------------------------

CLOSING_START = re.compile(
    r"^(Nơi nhận\s*[:.]?|-{5,}|_{5,}|(Luật|Nghị quyết|Pháp lệnh) này (đã )?được .{0,80}thông qua)"
)
"""The first line after the last clause of a text: recipients, a rule, the adoption formula."""
SIGNATURE_START = re.compile(
    r"^(TM\.|KT\.|Q\.|TL\.|TUQ\.|PP\.|CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|VĂN PHÒNG|GIÁM ĐỐC|"
    r"HIỆU TRƯỞNG|THỦ TRƯỞNG|TRƯỞNG BAN|TRƯỞNG PHÒNG)"
)
FOOTNOTE_LINE = re.compile(r"^\[\d+\]\s")
_FOOTNOTE_HEAD = re.compile(r"^(CHÚ THÍCH|Chú thích)\b")
_LIST_ITEM = re.compile(r"^[-+•*–]\s*\S")
_MOTTO = re.compile(
    r"^(CỘNG HÒA|CỘNG HOÀ|Độc lập\s*[-–]\s*Tự do|ĐỘC LẬP\s*[-–]\s*TỰ DO|Số\s*:|"
    r"Lưu\s*:|\(?Đã ký\)?|[-–_=*.\s]+$)"
)
_PLACE_DATE = re.compile(r"^[^\W\d][\w\s.-]{0,40}, ngày\s+\S{1,3}\s+tháng\s+\S{1,3}\s+năm\s+\S{4}")
_SIGN_NOTE = re.compile(r"^\((Ký|ký|Chữ ký|Họ và tên|họ và tên|Đã ký|đã ký)[^)]{0,120}\)$")


def is_signature_line(text: str) -> bool:
    """A signature title ("TM. CHÍNH PHỦ", "KT. BỘ TRƯỞNG") in capitals."""
    return bool(SIGNATURE_START.match(text)) and (
        is_upper_line(text) or text.startswith(("TM.", "KT.", "Q.", "TL.", "TUQ.", "PP."))
    )


def is_person_name(text: str) -> bool:
    """ "Phạm Hoàng Sơn": two to five capitalised syllables, nothing else."""
    words = text.split()
    return 2 <= len(words) <= 5 and all(
        w.isalpha() and w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in words
    )


def is_layout_line(text: str) -> bool:
    """A line of the closing block or of a repeated national header: kept out of passages."""
    return bool(
        CLOSING_START.match(text)
        or is_signature_line(text)
        or _LIST_ITEM.match(text)
        or _MOTTO.match(text)
        or _PLACE_DATE.match(text)
        or _SIGN_NOTE.match(text)
        or is_person_name(text)
        or (is_upper_line(text) and len(text) <= 200)
    )


def is_closing_line(text: str) -> bool:
    """Whether a line starts a document's closing block ("Nơi nhận:", a signature line)."""
    return bool(CLOSING_START.match(text)) or is_signature_line(text)


def closing_layout(lines: list[Line]) -> list[Span]:
    """Spans of the closing block's layout lines (from the first closing line on).

    Recipients, signatures, the attestation of a consolidated text, and its footnote section
    (editorial notes, from "CHÚ THÍCH" or the first "[1]" line to the end). A line that is
    none of these is left out, so the coverage check reports it as not parsed.
    """
    kept: list[Span] = []
    notes = False
    for ln in lines:
        if not ln.text:
            continue
        notes = notes or bool(_FOOTNOTE_HEAD.match(ln.text) or FOOTNOTE_LINE.match(ln.text))
        if notes or is_layout_line(ln.text):
            kept.append((ln.start, ln.end))
    return kept
