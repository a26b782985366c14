"""Loaded text → ParsedDocument: picks the structure parser each part of a document needs.

Slides for presentations; otherwise the file is split into its parts (the decision, the text
issued with it, each appendix: :mod:`knowledge.parts`), each read as articles, numbered
sections or paragraph groups. Coverage (:mod:`knowledge.coverage`) records how much of the
file was kept. A text in which nothing citable is found is refused with a reason rather than
stored as one meaningless blob.
"""

from __future__ import annotations

import re

from knowledge.coverage import measure
from knowledge.errors import StructureError
from knowledge.layout import Structure
from knowledge.loaders import SourceText
from knowledge.model import UNIT_SLIDE, DocumentMeta, ParsedDocument, Passage, Unit
from knowledge.parts import parse_parts

PARSER_VERSION = "3"
"""Part of every document's content hash: bump it when parsing changes, so the next sync
re-parses documents whose files did not change."""
_WORDS = re.compile(r"[^\W\d_]{2,}")


def parse_document(source: SourceText, meta: DocumentMeta, source_name: str) -> ParsedDocument:
    """Cut ``source`` into units and passages; raise StructureError when nothing is citable."""
    text = source.text
    _check_readable(text, source_name)
    if source.slides:
        structure = Structure(*_slides(source))
    else:
        structure = parse_parts(text, meta.title or source_name)
    if not structure.passages:
        raise StructureError(source_name, "không tìm thấy điều, mục hay đoạn văn nào để trích dẫn.")
    coverage, unparsed = measure(text, structure)
    return ParsedDocument(
        meta=meta,
        text=text,
        fmt=source.fmt,
        source_name=source_name,
        units=structure.units,
        passages=structure.passages,
        coverage=coverage,
        unparsed=unparsed,
    )


def _check_readable(text: str, source_name: str) -> None:
    """Refuse text with no prose in it (tables of numbers, symbols, one-word lines)."""
    words = _WORDS.findall(text)
    prose_lines = [ln for ln in text.split("\n") if len(_WORDS.findall(ln)) >= 5]
    if len(words) < 15 or not prose_lines:
        raise StructureError(
            source_name,
            "không có đoạn văn bản nào đủ nghĩa (cần ít nhất một câu văn); "
            "hãy kiểm tra tệp có đúng là văn bản về thi đua, khen thưởng.",
        )


def _slides(source: SourceText) -> tuple[list[Unit], list[Passage]]:
    units: list[Unit] = []
    passages: list[Passage] = []
    for slide in source.slides or []:
        if not (slide.title.strip() or slide.body.strip()):
            continue
        units.append(
            Unit(
                kind=UNIT_SLIDE,
                label=str(slide.number),
                title=slide.title.strip(),
                start=slide.start,
                end=slide.end,
            )
        )
        start, end = slide.start, slide.end
        piece = source.text[start:end]
        start += len(piece) - len(piece.lstrip())
        end = start + len(source.text[start:end].rstrip())
        passages.append(Passage(len(units) - 1, start, end, source.text[start:end]))
    return units, passages
