"""Documents without articles: guidance and plans with numbered sections ("I.", "1.", "1.1."),
and free text (news, training notes, forms) cut into paragraph groups. Appendices ("Phụ lục")
are parts of their own (:mod:`knowledge.parts`).

A numbered line counts as a heading only when it continues the numbering in force (the next
top-level number, or a child of the current heading), so a numbered list inside a section
stays body text.
"""

from __future__ import annotations

import re

from knowledge.layout import (
    Line,
    Structure,
    closing_layout,
    is_closing_line,
    split_lines,
    trim,
)
from knowledge.model import UNIT_SECTION, UNIT_TEXT, Passage, Unit

MAX_SECTION_PASSAGE = 1500
MAX_FREE_PASSAGE = 900

_DOTTED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
_ROMAN = re.compile(r"^([IVXL]+)\.\s+(\S.*)$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}


def _roman(value: str) -> int:
    total = 0
    for ch, nxt in zip(value, value[1:] + " ", strict=False):
        v = _ROMAN_VALUES[ch]
        total += -v if nxt != " " and _ROMAN_VALUES.get(nxt, 0) > v else v
    return total


def _headline(text: str) -> bool:
    """A plausible heading: short, or written in capitals."""
    letters = [c for c in text if c.isalpha()]
    upper = bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8
    return upper or len(text) <= 160


def parse_sections(text: str) -> Structure:
    """Units per numbered heading; nothing when the text has fewer than two numbered headings.

    Lines before the first heading are left to the caller (a header, or a part's preamble).
    """
    lines = split_lines(text)
    heads: list[tuple[int, str, str, int | None]] = []  # line, label, title, its roman head
    path: list[int] = []
    roman = 0
    roman_head: int | None = None
    end_line = len(lines)
    for i, ln in enumerate(lines):
        t = ln.text
        if not t:
            continue
        if heads and is_closing_line(t):
            end_line = i  # recipients and signature: layout, not the last section's text
            break
        if m := _ROMAN.match(t):
            if _roman(m.group(1)) == roman + 1 and _headline(m.group(2)):
                roman += 1
                path = []
                roman_head = len(heads)
                heads.append((i, m.group(1), m.group(2).strip(), None))
            continue
        if m := _DOTTED.match(t):
            numbers = [int(x) for x in m.group(1).split(".")]
            # "2.5." continuing the outline is unambiguous; a bare "3." may be a list item.
            if _continues(path, numbers) and (len(numbers) > 1 or _headline(m.group(2))):
                path = numbers
                heads.append((i, m.group(1), m.group(2).strip(), roman_head))
    if len(heads) < 2:
        return Structure()

    units: list[Unit] = []
    passages: list[Passage] = []
    parents: dict[str, str] = {}
    for n, (i, label, title, in_roman) in enumerate(heads):
        stop = heads[n + 1][0] if n + 1 < len(heads) else end_line
        block = [ln for ln in lines[i:stop] if ln.text]
        parents[label] = title
        parent = label.rsplit(".", 1)[0] if "." in label else None
        if parent is None and in_roman is not None:  # "1." under "II.": part II is its parent
            parent, parents[heads[in_roman][1]] = heads[in_roman][1], heads[in_roman][2]
        start, end = trim(text, lines[i].start, block[-1].end)
        unit = Unit(
            kind=UNIT_SECTION,
            label=label,
            title=title,
            start=start,
            end=end,
            chapter=parent,
            chapter_title=parents.get(parent) if parent else None,
        )
        units.append(unit)
        body = block[1:]
        following = heads[n + 1] if n + 1 < len(heads) else None
        has_children = following is not None and (
            following[1].startswith(label + ".") or following[3] == n
        )
        if body:
            passages.extend(group_paragraphs(text, body, len(units) - 1, MAX_SECTION_PASSAGE))
        elif not has_children:
            # A heading that is its own content (no children, no body): cite it as is.
            passages.append(Passage(len(units) - 1, start, end, text[start:end]))
    return Structure(units, passages, closing_layout(lines[end_line:]))


def _continues(path: list[int], numbers: list[int]) -> bool:
    """True when ``numbers`` is the next heading after ``path`` in outline order."""
    if not path:
        return numbers == [1]
    for depth in range(len(path), 0, -1):
        prefix = path[: depth - 1]
        if numbers == prefix + [path[depth - 1] + 1]:
            return True
    return numbers == path + [1]


def parse_free_text(text: str, title: str) -> Structure:
    """News or notes: the whole text is one unit, passages are paragraph groups."""
    lines = [ln for ln in split_lines(text) if ln.text]
    if not lines:
        return Structure()
    start, end = trim(text, lines[0].start, lines[-1].end)
    unit = Unit(kind=UNIT_TEXT, label="", title=title, start=start, end=end)
    return Structure([unit], group_paragraphs(text, lines, 0, MAX_FREE_PASSAGE))


def group_paragraphs(text: str, lines: list[Line], unit_index: int, limit: int) -> list[Passage]:
    """Paragraphs packed in reading order up to ``limit`` characters; numbered from 1."""
    passages: list[Passage] = []
    group: list[tuple[int, Line]] = []
    numbered = list(enumerate(lines, start=1))
    for number, ln in numbered:
        if group and ln.end - group[0][1].start > limit:
            passages.append(_group_passage(text, group, unit_index))
            group = []
        group.append((number, ln))
    if group:
        passages.append(_group_passage(text, group, unit_index))
    return passages


def _group_passage(text: str, group: list[tuple[int, Line]], unit_index: int) -> Passage:
    start, end = trim(text, group[0][1].start, group[-1][1].end)
    return Passage(unit_index, start, end, text[start:end], paragraph=group[0][0])
