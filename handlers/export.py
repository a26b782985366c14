"""A training session's questions and answers as a document trainees keep (.docx).

Every answer keeps its citation next to the verbatim passage, as shown in the chat.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from docx import Document
from docx.shared import Pt

from handlers.render import format_when
from knowledge.activity import LOCAL_OFFSET, SessionExport
from knowledge.citation import status_line
from knowledge.textnorm import fold

NO_ANSWER = "Không tìm thấy quy định phù hợp trong cơ sở tri thức."
MAX_RESULTS_PER_QUESTION = 3


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
        for rank, item in enumerate(entry.answer.items[:MAX_RESULTS_PER_QUESTION], start=1):
            cite = doc.add_paragraph()
            cite.add_run(f"{rank}. {item.citation}").bold = True
            status = status_line(item.document_status, item.replaced_by, item.replaced_by_name)
            if status:
                doc.add_paragraph(status)
            for paragraph in item.text.split("\n"):
                if paragraph.strip():
                    doc.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
