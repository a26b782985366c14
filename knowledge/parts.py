"""A file's parts, each parsed on its own because each has its own numbering.

A province's, ministry's or unit's Quyết định (Điều 1–3) is usually followed by the Quy định or
Quy chế it issues ("ban hành kèm theo"), whose articles start again at Điều 1; a Thông tư ends
with Phụ lục of forms, one of which may hold a sample Quyết định with its own Điều 1–3. Parsed
as one series, everything after the first text's signature was dropped. Here each part gets its
own parse and its units record the part's name (``Unit.attachment``), which citations use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.layout import (
    Line,
    Structure,
    in_capitals,
    is_closing_line,
    is_layout_line,
    is_upper_line,
    split_lines,
    trim,
)
from knowledge.legal_parser import ARTICLE, count_article_headings, parse_legal
from knowledge.model import UNIT_SECTION, Unit, is_appendix
from knowledge.section_parser import (
    MAX_SECTION_PASSAGE,
    group_paragraphs,
    parse_free_text,
    parse_sections,
)

MIN_ARTICLES = 2
"""A part with fewer article headings is read as sections or free text (an appendix holding a
sample decision is read as articles from one heading on)."""

_ATTACHED_KIND = re.compile(
    r"^(QUY ĐỊNH|QUY CHẾ|ĐIỀU LỆ|HƯỚNG DẪN|NỘI QUY|QUY TRÌNH|KẾ HOẠCH|CHƯƠNG TRÌNH|ĐỀ ÁN|"
    r"PHƯƠNG ÁN)(?!\w)\s*(.*)$"
)
_ISSUED_WITH = re.compile(r"^\(?\s*(?:được\s+)?(?:ban hành\s+)?kèm theo\b", re.IGNORECASE)
_APPENDIX = re.compile(
    r"^(PHỤ LỤC|Phụ lục)(?:\s+(?:SỐ|Số|số))?(?:\s+([0-9]{1,3}[a-zA-Z]?|[IVXLC]{1,6}))?(?!\w)"
    r"\s*[.:\-–]?\s*(.*)$"
)
_STRUCTURE_START = re.compile(r"^(Chương\s+[IVXLC\d]+|Điều\s+\d+|Phần\s+|[IVXL]+\.\s|\d+\.\s)")
_FIRST_OF_SERIES = re.compile(
    r"^(Chương\s+(I|1)\b|Điều\s+1\b|Phần\s+(thứ\s+nhất|I)\b)", re.IGNORECASE
)
_HEADING_LINE = re.compile(r"^(Chương|Mục|Phần)\s+\S+")
_LOOKAHEAD = 6
_MAX_HEADING_CHARS = 300
_MIN_PROSE_CHARS = 120


@dataclass(frozen=True)
class Part:
    """A stretch of the text with its own numbering."""

    name: str | None
    """None for the document itself; "Quy định", "Quy chế"… for an attached text;
    "Phụ lục 3" (number as written) for an appendix."""
    start: int
    """Offset of the part's first line (its heading)."""
    body: int
    """Offset where the part's own text starts, after its title block."""
    end: int
    title: str = ""

    @property
    def is_appendix(self) -> bool:
        return is_appendix(self.name)


@dataclass(frozen=True)
class _Start:
    line: int
    body_line: int
    name: str
    title: str


def split_parts(text: str) -> list[Part]:
    """The parts of ``text`` in order; a single part (name None) when nothing is attached."""
    lines = split_lines(text)
    nonblank = [i for i, ln in enumerate(lines) if ln.text]
    starts: list[_Start] = []
    seen_article = seen_prose = closed = False
    previous = ""
    for k, i in enumerate(nonblank):
        t = lines[i].text
        start = None
        if seen_article or seen_prose:
            start = _appendix(lines, nonblank, k)
        if start is None and seen_article and not _HEADING_LINE.match(previous):
            start = _attached(lines, nonblank, k, closed)
        if start is not None and (not starts or starts[-1].body_line <= i):
            starts.append(start)
            seen_article = closed = False
        if ARTICLE.match(t):
            seen_article, closed = True, False
        elif is_closing_line(t):
            closed = True
        seen_prose = seen_prose or len(t) >= _MIN_PROSE_CHARS
        previous = t
    parts: list[Part] = []
    first = lines[starts[0].line].start if starts else len(text)
    if not starts or first > 0:
        parts.append(Part(None, 0, 0, first))
    for n, s in enumerate(starts):
        end = lines[starts[n + 1].line].start if n + 1 < len(starts) else len(text)
        body = lines[s.body_line].start if s.body_line < len(lines) else end
        parts.append(Part(s.name, lines[s.line].start, min(body, end), end, s.title))
    return parts


def _following(nonblank: list[int], k: int, n: int = _LOOKAHEAD) -> list[int]:
    return nonblank[k + 1 : k + 1 + n]


def _attached(lines: list[Line], nonblank: list[int], k: int, closed: bool) -> _Start | None:
    """ "QUY ĐỊNH / Về … / (Ban hành kèm theo Quyết định số …)" after a decision's articles;
    without the "kèm theo" line, a capitalised kind after the decision's signature whose
    articles or chapters start again at 1."""
    t = lines[nonblank[k]].text
    m = _ATTACHED_KIND.match(t)
    if not m or not in_capitals(t, 2) or len(t) > _MAX_HEADING_CHARS:
        return None
    title = [t]
    for j in _following(nonblank, k):
        nxt = lines[j].text
        if _ISSUED_WITH.match(nxt):
            return _Start(nonblank[k], j + 1, m.group(1).capitalize(), " ".join(title))
        if _STRUCTURE_START.match(nxt) or len(nxt) > _MAX_HEADING_CHARS:
            break
        title.append(nxt)
    if not closed:
        return None
    following = _following(nonblank, k, 2 * _LOOKAHEAD)
    for n, j in enumerate(following):
        if _FIRST_OF_SERIES.match(lines[j].text):
            body = following[n]
            heading = [lines[x].text for x in [nonblank[k], *following[:n]]]
            return _Start(nonblank[k], body, m.group(1).capitalize(), " ".join(heading))
        if _STRUCTURE_START.match(lines[j].text):
            break
    return None


def _appendix(lines: list[Line], nonblank: list[int], k: int) -> _Start | None:
    """ "PHỤ LỤC I", "Phụ lục số 03: MẪU …", "PHỤ LỤC (Kèm theo Thông tư số …)" as a heading."""
    t = lines[nonblank[k]].text
    m = _APPENDIX.match(t)
    if not m or len(t) > _MAX_HEADING_CHARS:
        return None
    word, number, rest = m.group(1), m.group(2), m.group(3).strip()
    following = _following(nonblank, k, 3)
    issued_with = any(_ISSUED_WITH.match(lines[j].text) for j in following[:2])
    titled = not rest or rest.startswith("(") or in_capitals(rest, 2)
    if word == "Phụ lục":
        next_upper = bool(following) and is_upper_line(lines[following[0]].text)
        if not titled or not (number or rest) or not (issued_with or next_upper or rest):
            return None
    elif not (titled or issued_with):
        return None
    name = f"Phụ lục {number}" if number else "Phụ lục"
    title = [] if rest.startswith("(") or not rest else [rest]
    body = k + 1
    for j in following:
        nxt = lines[j].text
        if _ISSUED_WITH.match(nxt):
            closing = nxt.find(")")
            after = nxt[closing + 1 :].strip() if closing >= 0 else ""
            if after and not title:
                title.append(after)
        elif is_upper_line(nxt) and not title and not nxt.startswith(("CỘNG HÒA", "CỘNG HOÀ")):
            title.append(nxt)
        else:
            break
        body = nonblank.index(j) + 1
    body_line = nonblank[body] if body < len(nonblank) else len(lines)
    return _Start(nonblank[k], body_line, name, " ".join(title))


def parse_parts(text: str, title: str) -> Structure:
    """Units, passages and kept headings of every part of ``text``, parts in order."""
    result = Structure()
    for part in split_parts(text):
        if part.start < part.body:
            result.kept.append(trim(text, part.start, part.body))  # the part's title block
        chunk = text[part.body : part.end]
        structure = (
            _appendix_structure(text, part)
            if part.is_appendix
            else _text_structure(chunk, title if part.name is None else part.title)
        )
        if part.name is not None and not part.is_appendix:
            structure = _with_preamble(text, part, structure.shift(part.body))
        else:
            structure.shift(0 if part.is_appendix else part.body)
        for unit in structure.units:
            unit.attachment = part.name
        result.extend(structure)
    return result


def _text_structure(chunk: str, title: str) -> Structure:
    if count_article_headings(chunk) >= MIN_ARTICLES:
        return parse_legal(chunk)
    structure = parse_sections(chunk)
    return structure if structure.units else parse_free_text(chunk, title)


def _appendix_structure(text: str, part: Part) -> Structure:
    """An appendix: one unit for the whole of it (so it can be shown whole), its own text as
    paragraph passages (forms are text), and any articles or sections inside it."""
    chunk = text[part.body : part.end]
    inner = parse_legal(chunk) if count_article_headings(chunk) >= 1 else parse_sections(chunk)
    inner.shift(part.body)
    start, end = trim(text, part.start, part.end)
    head = Structure(
        [
            Unit(
                kind=UNIT_SECTION,
                label=part.name or "Phụ lục",
                title=part.title,
                start=start,
                end=end,
            )
        ]
    )
    before = min((u.start for u in inner.units), default=part.end)
    lines = [ln for ln in _lines_between(text, part.body, before) if ln.text]
    head.passages = group_paragraphs(text, lines, 0, MAX_SECTION_PASSAGE) if lines else []
    head.extend(inner)
    return head


def _with_preamble(text: str, part: Part, structure: Structure) -> Structure:
    """An attached text's lines between its title block and its first unit, when they are
    prose (an introduction), become passages of a unit named after the part."""
    before = min((u.start for u in structure.units), default=part.end)
    lines = [
        ln
        for ln in _lines_between(text, part.body, before)
        if ln.text and not any(a <= ln.start < b for a, b in structure.kept)
    ]
    if all(is_layout_line(ln.text) for ln in lines):
        return structure
    start, end = trim(text, part.start, lines[-1].end)
    head = Structure(
        [Unit(kind=UNIT_SECTION, label=part.name or "", title=part.title, start=start, end=end)],
        group_paragraphs(text, lines, 0, MAX_SECTION_PASSAGE),
    )
    head.extend(structure)
    return head


def _lines_between(text: str, start: int, end: int) -> list[Line]:
    return [Line(ln.start + start, ln.end + start, ln.text) for ln in split_lines(text[start:end])]
