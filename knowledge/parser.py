"""Loaded text → ParsedDocument: picks the structure parser a document needs.

Articles when the text has article headings; numbered sections for guidance; slides for
presentations; paragraph groups for free text. A text in which nothing citable is found is
refused with a reason rather than stored as one meaningless blob.
"""

from __future__ import annotations

import re

from knowledge.errors import StructureError
from knowledge.legal_parser import count_article_headings, parse_legal
from knowledge.loaders import SourceText
from knowledge.model import UNIT_SLIDE, DocumentMeta, ParsedDocument, Passage, Unit
from knowledge.section_parser import parse_free_text, parse_sections

MIN_ARTICLES = 2
PARSER_VERSION = "2"
"""Part of every document's content hash: bump it when parsing changes, so the next sync
re-parses documents whose files did not change."""
_WORDS = re.compile(r"[^\W\d_]{2,}")


def parse_document(source: SourceText, meta: DocumentMeta, source_name: str) -> ParsedDocument:
    """Cut ``source`` into units and passages; raise StructureError when nothing is citable."""
    text = source.text
    _check_readable(text, source_name)
    if source.slides:
        units, passages = _slides(source)
    elif count_article_headings(text) >= MIN_ARTICLES:
        units, passages = parse_legal(text)
    else:
        units, passages = parse_sections(text)
        if not units:
            units, passages = parse_free_text(text, meta.title or source_name)
    if not passages:
        raise StructureError(source_name, "không tìm thấy điều, mục hay đoạn văn nào để trích dẫn.")
    return ParsedDocument(
        meta=meta, text=text, fmt=source.fmt, source_name=source_name, units=units,
        passages=passages,
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
            Unit(kind=UNIT_SLIDE, label=str(slide.number), title=slide.title.strip(),
                 start=slide.start, end=slide.end)
        )
        start, end = slide.start, slide.end
        piece = source.text[start:end]
        start += len(piece) - len(piece.lstrip())
        end = start + len(source.text[start:end].rstrip())
        passages.append(Passage(len(units) - 1, start, end, source.text[start:end]))
    return units, passages
