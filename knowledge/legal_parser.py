"""Structure of Vietnamese legal texts: Phần, Chương, Mục, Điều, Khoản ("1."), Điểm ("a)").

Handles the layouts met in official texts: an article title on the heading line
("Điều 5. Nguyên tắc…"), a heading alone on its line ("Điều 4[2]" in consolidated texts, with
a footnote marker), "Mục 1" with its title on the next line, a signature block and a footnote
section after the last article (kept out of every article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.layout import (
    FOOTNOTE_LINE,
    Line,
    Span,
    Structure,
    closing_layout,
    is_closing_line,
    is_upper_line,
    split_lines,
    trim,
)
from knowledge.model import UNIT_ARTICLE, Passage, Unit

MAX_PASSAGE_CHARS = 1800
"""A passage longer than this is split (points of a clause, or paragraph groups)."""
MAX_HEADING_CHARS = 300
"""A line between a chapter heading and the next article longer than this is not a title."""

_PART = re.compile(r"^Phần\s+(thứ\s+\S+|[IVXLC]+)\b[.:]?\s*(.*)$", re.IGNORECASE)
_CHAPTER = re.compile(r"^Chương\s+([IVXLC]+|\d+)\b[.:]?\s*(.*)$")
_SECTION = re.compile(r"^Mục\s+(\d+)\b[.:]?\s*(.*)$")
ARTICLE = re.compile(r"^Điều\s+(\d+)([a-zđ]?)(?:\[\d+\])?\s*(?:[.:]\s*(.*))?$")
# "1. Text", "1.“Text" (no space) and "2.[4] Text" (footnote marker in consolidated texts);
# never "1.1" (a numbered heading in guidance-style text).
_CLAUSE = re.compile(r"^(\d+)\.(?!\d)(?:\[\d+\])?\s*\S")
_POINT = re.compile(r"^([a-zđ])\)(?:\[\d+\])?\s*\S")


def _next_title(lines: list[Line], i: int) -> tuple[str, int]:
    """Title on the next non-blank line (for "Chương I" / "Mục 1" alone on its line)."""
    j = i + 1
    while j < len(lines) and not lines[j].text:
        j += 1
    if j < len(lines):
        candidate = lines[j].text
        heading = ARTICLE.match(candidate) or _SECTION.match(candidate)
        if not (heading or _CHAPTER.match(candidate)) and (
            is_upper_line(candidate) or len(candidate) < 200
        ):
            return candidate, j
    return "", i


def count_article_headings(text: str) -> int:
    """How many lines look like article headings: decides which parser a document gets."""
    return sum(1 for line in split_lines(text) if ARTICLE.match(line.text))


@dataclass
class _OpenArticle:
    unit: Unit
    heading_line: int
    body_line: int


def parse_legal(text: str) -> Structure:
    """Units (articles) and passages (intro, clauses, points, paragraph groups).

    ``kept`` holds the chapter/section headings with their titles and the closing block's
    layout (recipients, signature, footnotes). Lines before the first heading are left to the
    caller: a document's header, or the title block or preamble of an attached part.
    """
    lines = split_lines(text)
    units: list[Unit] = []
    spans: list[tuple[int, int]] = []  # (first body line, end line exclusive) per unit
    kept: list[Span] = []
    part = chapter = chapter_title = section = section_title = None
    current: _OpenArticle | None = None
    in_heading = False  # after a Phần/Chương/Mục heading, before the next article
    last_number = 0
    end_line = len(lines)

    def close(at_line: int) -> None:
        nonlocal current
        if current is None:
            return
        stop = at_line
        while stop > current.body_line and not lines[stop - 1].text:
            stop -= 1
        end_offset = lines[stop - 1].end if stop > current.heading_line else current.unit.start
        current.unit.end = end_offset
        units.append(current.unit)
        spans.append((current.body_line, stop))
        current = None

    def heading(first: int, last: int) -> None:
        nonlocal in_heading
        close(first)
        kept.append((lines[first].start, lines[last].end))
        in_heading = True

    i = 0
    while i < len(lines):
        line = lines[i]
        t = line.text
        if not t:
            i += 1
            continue
        if FOOTNOTE_LINE.match(t) or (current and is_closing_line(t)):
            end_line = i
            break
        if m := _PART.match(t):
            part = m.group(1)
            section = section_title = None
            heading(i, i)
        elif m := _CHAPTER.match(t):
            chapter = m.group(1)
            chapter_title = m.group(2).strip() or None
            section = section_title = None
            first = i
            if not chapter_title:
                chapter_title, i = _next_title(lines, i)
            heading(first, i)
        elif m := _SECTION.match(t):
            section = m.group(1)
            section_title = m.group(2).strip() or None
            first = i
            if not section_title:
                section_title, i = _next_title(lines, i)
            heading(first, i)
        elif (m := ARTICLE.match(t)) and int(m.group(1)) > last_number - (1 if m.group(2) else 0):
            close(i)
            in_heading = False
            last_number = int(m.group(1))
            label = m.group(1) + m.group(2)
            unit = Unit(
                kind=UNIT_ARTICLE,
                label=label,
                title=(m.group(3) or "").strip(),
                start=line.start,
                end=line.end,
                part=part,
                chapter=chapter,
                chapter_title=chapter_title,
                section=section,
                section_title=section_title,
            )
            current = _OpenArticle(unit, i, i + 1)
        elif in_heading and current is None and len(t) <= MAX_HEADING_CHARS:
            kept.append((line.start, line.end))  # a heading's title running over two lines
        i += 1
    close(end_line)
    if units:
        kept.extend(closing_layout(lines[end_line:]))

    passages: list[Passage] = []
    for index, (unit, (body_start, body_end)) in enumerate(zip(units, spans, strict=True)):
        passages.extend(_article_passages(text, lines[body_start:body_end], index, unit))
    return Structure(units, passages, kept)


def _article_passages(text: str, body: list[Line], unit_index: int, unit: Unit) -> list[Passage]:
    """Cut an article body into clause passages (points when a clause is long)."""
    nonblank = [ln for ln in body if ln.text]
    if not nonblank:
        # A heading-only article ("Điều 5. (được bãi bỏ)"): the heading itself is the passage.
        return [Passage(unit_index, unit.start, unit.end, text[unit.start : unit.end])]
    clause_starts: list[tuple[int, str]] = []
    expected = 1
    for k, ln in enumerate(nonblank):
        m = _CLAUSE.match(ln.text)
        if m and int(m.group(1)) == expected:
            clause_starts.append((k, m.group(1)))
            expected += 1
    body_end = nonblank[-1].end
    passages: list[Passage] = []
    if not clause_starts:
        return _block_passages(text, nonblank, unit_index, None, body_end)
    first = clause_starts[0][0]
    if first > 0:
        passages.extend(_block_passages(text, nonblank[:first], unit_index, None, None))
    bounds = clause_starts + [(len(nonblank), "")]
    for (k, label), (k_next, _) in zip(bounds, bounds[1:], strict=False):
        block = nonblank[k:k_next]
        passages.extend(_block_passages(text, block, unit_index, label, None))
    return passages


def _block_passages(
    text: str, block: list[Line], unit_index: int, clause: str | None, end: int | None
) -> list[Passage]:
    """One passage for a short block; a long one splits at its points, else paragraphs."""
    start, stop = trim(text, block[0].start, end if end is not None else block[-1].end)
    if stop - start <= MAX_PASSAGE_CHARS:
        return [Passage(unit_index, start, stop, text[start:stop], clause=clause)]
    point_idx = [k for k, ln in enumerate(block) if _POINT.match(ln.text)]
    passages: list[Passage] = []
    if point_idx:
        if point_idx[0] > 0:
            passages += _paragraph_groups(text, block[: point_idx[0]], unit_index, clause)
        bounds = point_idx + [len(block)]
        for k, k_next in zip(bounds, bounds[1:], strict=False):
            letter = _POINT.match(block[k].text).group(1)  # type: ignore[union-attr]
            for p in _paragraph_groups(text, block[k:k_next], unit_index, clause):
                p.point = letter
                passages.append(p)
        return passages
    return _paragraph_groups(text, block, unit_index, clause)


def _paragraph_groups(
    text: str, block: list[Line], unit_index: int, clause: str | None
) -> list[Passage]:
    """Consecutive paragraphs packed up to MAX_PASSAGE_CHARS (a single long one stays whole)."""
    passages: list[Passage] = []
    group: list[Line] = []
    for ln in block:
        if group and ln.end - group[0].start > MAX_PASSAGE_CHARS:
            passages.append(_passage_of(text, group, unit_index, clause))
            group = []
        group.append(ln)
    if group:
        passages.append(_passage_of(text, group, unit_index, clause))
    return passages


def _passage_of(text: str, group: list[Line], unit_index: int, clause: str | None) -> Passage:
    start, stop = trim(text, group[0].start, group[-1].end)
    return Passage(unit_index, start, stop, text[start:stop], clause=clause)
