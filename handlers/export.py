"""A training session's questions and answers as a document trainees keep (.docx).

Each answer is written as the chat showed it: the notes above it, the direct line (money,
deadline), the first result with its citation, status and the passage with its context (a
point's lead-in, the points after "… các tiêu chuẩn sau đây:"), as a checklist for a dossier
question, shortened the same way; an award card's overview as its facets. The other results
were only a button away in the chat, and are left out (an expired law among them would read
as the answer).
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from docx import Document
from docx.shared import Pt

from handlers.render import (
    CARD_HINT,
    answer_checklist,
    direct_lines,
    format_when,
    item_body,
    missing_facets,
    overview_lines,
    preface_lines,
    where_lines,
)
from knowledge.activity import LOCAL_OFFSET, SavedAnswer, SessionExport
from knowledge.textnorm import fold
from retrieval.card_answers import OVERVIEW

NO_ANSWER = "Không tìm thấy quy định phù hợp trong cơ sở tri thức."


def export_filename(export: SessionExport, suffix: str = "docx") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(export.session.name)).strip("-")[:40] or "phien"
    return f"phien-tap-huan-{slug}-{export.session.started_at + LOCAL_OFFSET:%Y%m%d}.{suffix}"


def _when(moment: datetime | None) -> str:
    return format_when(moment) if moment else "—"


def session_docx(export: SessionExport) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_heading(f"Phiên tập huấn: {export.session.name}", level=0)
    doc.add_paragraph(
        f"Bắt đầu: {_when(export.session.started_at)} · Kết thúc: "
        f"{_when(export.session.ended_at)} · Số câu hỏi: {len(export.entries)}"
    )
    doc.add_paragraph(
        "Mỗi câu trả lời là nguyên văn đoạn quy định kèm trích dẫn; hãy đối chiếu văn bản gốc "
        "trước khi áp dụng."
    ).runs[0].italic = True
    for n, entry in enumerate(export.entries, start=1):
        doc.add_heading(f"Câu hỏi {n}: {entry.question}", level=1)
        if entry.answer is None or not entry.answer.items:
            doc.add_paragraph(NO_ANSWER)
            continue
        _write_answer(doc, entry.answer)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _paragraphs(doc: Document, text: str) -> None:
    for paragraph in text.split("\n"):
        if paragraph.strip():
            doc.add_paragraph(paragraph.strip())


def _write_answer(doc: Document, answer: SavedAnswer) -> None:
    """One answer as the chat showed it (see the module docstring)."""
    if answer.facet == OVERVIEW:
        doc.add_paragraph().add_run(f"Thẻ khen thưởng: {answer.award_name}").bold = True
        doc.add_paragraph(CARD_HINT).runs[0].italic = True
        for label, citation, scope, excerpt in overview_lines(answer):
            head = doc.add_paragraph()
            head.add_run(f"{label} — ")
            head.add_run(citation).bold = True
            if scope:
                doc.add_paragraph(scope)
            doc.add_paragraph(excerpt)
        if answer.direct:
            for line in direct_lines(answer.direct):
                doc.add_paragraph(line)
        missing = missing_facets(answer)
        if missing:
            doc.add_paragraph(missing).runs[0].italic = True
        return
    for text, italic in preface_lines(answer):
        doc.add_paragraph(text).runs[0].italic = italic
    if answer.direct:
        for line in direct_lines(answer.direct):
            doc.add_paragraph(line)
    item = answer.items[0]
    cite = doc.add_paragraph()
    cite.add_run(item.citation).bold = True
    for line in where_lines(item):
        doc.add_paragraph(line)
    body, cut = item_body(item, dossier=answer_checklist(answer, item))
    _paragraphs(doc, body + ("\n…" if cut else ""))
