"""Citations as a Vietnamese officer writes them.

"Điểm a khoản 1 Điều 84 Luật Thi đua, khen thưởng số 06/2022/QH15",
"Khoản 1 Điều 42 Nghị định số 152/2025/NĐ-CP", "Mục 3.1 Hướng dẫn số 2346/HD-ĐHM",
"Slide 7 — Hồ sơ khen thưởng, Tập huấn TĐKT 2025".

A file with several parts names the part, since each has its own article series:
"Khoản 1 Điều 3 Quy định ban hành kèm theo Quyết định số 86/2025/QĐ-UBND" (the rules issued
with the decision) versus "Điều 2 Quyết định số 86/2025/QĐ-UBND" (the decision itself);
"Phụ lục 3 (Mẫu tờ trình) Thông tư số …"; "Điều 1 Phụ lục 3 Thông tư số …" (a sample decision
inside an appendix).
"""

from __future__ import annotations

from knowledge.model import (
    KIND_LABELS,
    STATUS_EXPIRED,
    STATUS_IN_FORCE,
    STATUS_REFERENCE,
    UNIT_ARTICLE,
    UNIT_SECTION,
    UNIT_SLIDE,
    DocumentMeta,
    is_appendix,
)


def document_name(meta: DocumentMeta) -> str:
    """How a document is named inside a citation."""
    title = meta.title.split("(")[0].strip().rstrip(",")
    if meta.kind == "luat":
        return f"{title} số {meta.number}" if title else f"Luật số {meta.number}"
    if meta.kind == "van-ban-hop-nhat":
        return f"{title}, văn bản hợp nhất số {meta.number}"
    if meta.kind in (
        "nghi-dinh",
        "thong-tu",
        "quyet-dinh",
        "huong-dan",
        "nghi-quyet",
        "ke-hoach",
        "chi-thi",
        "cong-van",
    ):
        return f"{KIND_LABELS[meta.kind]} số {meta.number}"
    if meta.kind == "tai-lieu-tap-huan" or not meta.number:
        return f"{meta.title} ({meta.number})" if meta.number else meta.title
    return f"{title} số {meta.number}" if title else meta.number


def render_citation(
    meta: DocumentMeta,
    unit_kind: str,
    unit_label: str,
    unit_title: str = "",
    clause: str | None = None,
    point: str | None = None,
    paragraph: int | None = None,
    attachment: str | None = None,
) -> str:
    """The full citation of a passage (or of a whole unit when clause/point are None).

    A law's "Phần" does not appear: article numbers run through a whole law.
    ``attachment`` is the file's part the unit belongs to (``Unit.attachment``).
    """
    name = document_name(meta)
    if attachment:
        name = f"{part_phrase(attachment)} {name}"
    if unit_kind == UNIT_ARTICLE:
        pieces = []
        if point:
            pieces.append(f"điểm {point}")
        if clause:
            pieces.append(f"khoản {clause}")
        pieces.append(f"Điều {unit_label}")
        head = " ".join(pieces)
        return f"{head[0].upper()}{head[1:]} {name}"
    if unit_kind == UNIT_SECTION:
        title = f" ({unit_title})" if unit_title and len(unit_title) <= 80 else ""
        if attachment and unit_label == attachment:  # the appendix (or attached text) itself
            issued_with = "" if is_appendix(attachment) else " ban hành kèm theo"
            return f"{attachment}{title}{issued_with} {document_name(meta)}"
        where = unit_label if unit_label.startswith("Phụ lục") else f"Mục {unit_label}"
        return f"{where}{title}{' ' if attachment else ', '}{name}"
    if unit_kind == UNIT_SLIDE:
        title = f" — {unit_title}" if unit_title else ""
        return f"Slide {unit_label}{title}, {meta.title or name}"
    if paragraph:
        return f"Đoạn {paragraph}{' ' if attachment else ', '}{name}"
    return name


def unit_name(kind: str, label: str) -> str:
    """ "Điều 84", "Mục 3.1", "Slide 7": a unit named on its own (buttons, suggestions)."""
    if kind == UNIT_ARTICLE:
        return f"Điều {label}"
    if kind == UNIT_SECTION:
        return label if label.startswith("Phụ lục") else f"Mục {label}"
    if kind == UNIT_SLIDE:
        return f"Slide {label}"
    return "văn bản"


def status_line(
    status: str, replaced_by: str | None = None, replaced_by_name: str | None = None
) -> str | None:
    """The warning a reader needs before applying a passage of a document not in force
    (plain text, for the chat, the CLI and exports alike); None when in force."""
    if status == STATUS_IN_FORCE:
        return None
    if status == STATUS_EXPIRED:
        if replaced_by_name or replaced_by:
            by = replaced_by_name or replaced_by
            return f"⚠️ Văn bản hết hiệu lực, đã được thay thế bởi {by}."
        return "⚠️ Văn bản hết hiệu lực."
    if status == STATUS_REFERENCE:
        return "ℹ️ Tài liệu tham khảo, không phải văn bản quy phạm pháp luật."
    return "⚠️ Chưa rõ hiệu lực của văn bản này; hãy kiểm tra trước khi áp dụng."


def part_phrase(attachment: str) -> str:
    """How a citation names a part: "Phụ lục 3", or "Quy định ban hành kèm theo"."""
    return attachment if is_appendix(attachment) else f"{attachment} ban hành kèm theo"
