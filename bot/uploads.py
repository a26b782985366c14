"""Admin uploads without Telegram: caption metadata, preview, publish, folder sync, removal.

An upload is parsed twice: once for the preview (nothing changes), once again from the stored
bytes when the admin presses "Đăng" (so a restart in between loses nothing). Only publishing
writes to the live knowledge base, in one ``store.apply`` transaction; the search engine is
refreshed afterwards and keeps serving the old snapshot until the new one is complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from bot.render import esc, fold
from knowledge.errors import KnowledgeError
from knowledge.loaders import MAX_UPLOAD_BYTES, SUPPORTED_SUFFIXES
from knowledge.model import KIND_LABELS, STATUS_LABELS, DocumentMeta, ParsedDocument
from knowledge.store import Changeset, DocumentInfo, KnowledgeStore
from knowledge.sync import (
    SyncReport,
    content_hash,
    parse_bytes,
    prepare,
    remove_document,
    stage,
    sync_folder,
)
from retrieval.engine import SearchEngine
from retrieval.text import tokenize

UPLOAD_ORIGIN = "telegram"

_KEYS = {
    "so": "number", "so hieu": "number", "ky hieu": "number",
    "ten": "title", "tieu de": "title", "trich yeu": "title", "ten van ban": "title",
    "loai": "kind", "loai van ban": "kind",
    "hieu luc": "status", "trang thai": "status", "tinh trang": "status",
    "thay the boi": "replaced_by", "duoc thay the boi": "replaced_by", "thay bang": "replaced_by",
    "ngay ban hanh": "issued", "ban hanh": "issued", "ngay": "issued",
    "ngay hieu luc": "effective", "hieu luc tu": "effective", "co hieu luc tu": "effective",
    "ghi chu": "note",
}
_STATUS_WORDS = {
    "con": "con-hieu-luc", "con hieu luc": "con-hieu-luc", "dang hieu luc": "con-hieu-luc",
    "het": "het-hieu-luc", "het hieu luc": "het-hieu-luc",
    "tham khao": "tham-khao", "tai lieu tham khao": "tham-khao",
    "chua ro": "chua-ro", "khong ro": "chua-ro",
}
_KIND_WORDS = {fold(label): code for code, label in KIND_LABELS.items()}
_KIND_WORDS.update({"tap huan": "tai-lieu-tap-huan", "hop nhat": "van-ban-hop-nhat",
                    "khac": "khac"})


@dataclass
class CaptionMeta:
    """Metadata overrides read from an upload's caption, and what could not be understood."""

    overrides: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _parse_date(value: str) -> date | None:
    value = value.strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_caption(caption: str | None) -> CaptionMeta:
    """"số: 15/2025/TT-BNV; hiệu lực: còn; loại: thông tư" → metadata overrides."""
    result = CaptionMeta()
    for piece in re.split(r"[;\n]", caption or ""):
        if not piece.strip():
            continue
        key, sep, value = piece.partition(":")
        value = value.strip()
        name = _KEYS.get(" ".join(fold(key).split()))
        if not sep or name is None:
            result.warnings.append(f"Không hiểu “{piece.strip()[:60]}” trong chú thích; bỏ qua.")
            continue
        if not value:
            continue
        if name == "status":
            status = value if value in STATUS_LABELS else _STATUS_WORDS.get(" ".join(
                fold(value).split()))
            if status is None:
                result.warnings.append(f"Hiệu lực “{value}” không rõ (dùng: còn, hết, tham "
                                       "khảo, chưa rõ).")
                continue
            result.overrides["status"] = status
        elif name == "kind":
            kind = value if value in KIND_LABELS else _KIND_WORDS.get(" ".join(
                fold(value).split()))
            if kind is None:
                result.warnings.append(f"Loại văn bản “{value}” không rõ; bỏ qua.")
                continue
            result.overrides["kind"] = kind
        elif name in ("issued", "effective"):
            parsed = _parse_date(value)
            if parsed is None:
                result.warnings.append(f"Ngày “{value}” không hợp lệ (dạng 15/06/2025).")
                continue
            result.overrides[name] = parsed
        elif name == "number":
            result.overrides["number"] = re.sub(r"\s+", "", value)
        else:
            result.overrides[name] = value
    return result


def apply_overrides(parsed: ParsedDocument, overrides: dict[str, object]) -> ParsedDocument:
    if overrides:
        parsed.meta = replace(parsed.meta, **overrides)  # type: ignore[arg-type]
    return parsed


def unsupported_reason(filename: str, size: int | None) -> str | None:
    """Why a file is refused before downloading it (None: go ahead)."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        what = f"định dạng “{suffix}”" if suffix else "tệp không có phần mở rộng"
        return (f"Xin lỗi, {what} chưa được hỗ trợ. Tôi nhận các tệp "
                f"{', '.join(SUPPORTED_SUFFIXES)}.")
    if size is not None and size > MAX_UPLOAD_BYTES:
        return (f"Tệp “{filename}” nặng {size / 1024 / 1024:.1f} MB, vượt giới hạn 20 MB mà "
                "Telegram cho phép bot tải về. Hãy tách nhỏ tệp, hoặc chép vào thư mục nguồn "
                "rồi dùng /capnhat.")
    return None


def parse_upload(data: bytes, filename: str, caption: str | None) -> tuple[ParsedDocument,
                                                                           CaptionMeta]:
    """Parse an upload with its caption overrides (raises KnowledgeError on a bad file)."""
    meta = parse_caption(caption)
    parsed = apply_overrides(parse_bytes(data, filename), meta.overrides)
    if not parsed.meta.number.strip():
        raise KnowledgeError(f"Không xác định được số hiệu của tệp “{filename}”; hãy ghi "
                             "“số: …” trong chú thích khi gửi tệp.")
    return parsed, meta


def render_preview(parsed: ParsedDocument, caption: CaptionMeta, filename: str,
                   existing: DocumentInfo | None) -> str:
    """HTML preview of a parsed upload: what "Đăng" would add."""
    meta = parsed.meta
    first = parsed.units[0] if parsed.units else None
    heading = f"{first.label}. {first.title}".strip() if first else "—"
    if first is not None and first.kind == "dieu":
        heading = f"Điều {first.label}. {first.title}"
    lines = [
        f"📄 <b>Xem trước tài liệu</b> “{esc(filename)}”",
        "",
        f"Số hiệu: <b>{esc(meta.number)}</b>",
        f"Tên: {esc(meta.title or '—')}",
        f"Loại: {esc(KIND_LABELS.get(meta.kind, meta.kind))}",
        f"Hiệu lực: {esc(STATUS_LABELS.get(meta.status, meta.status))}",
        f"Số điều/mục: {len(parsed.units)} · số đoạn trích: {len(parsed.passages)}",
        f"Điều/mục đầu tiên: {esc(heading[:200])}",
    ]
    if meta.issued:
        lines.insert(5, f"Ngày ban hành: {meta.issued:%d/%m/%Y}")
    for warning in caption.warnings:
        lines.append(f"⚠️ {esc(warning)}")
    if existing is not None:
        lines.append("")
        lines.append(f"⚠️ Cơ sở tri thức đã có văn bản số {esc(existing.meta.number)} "
                     f"(“{esc(existing.meta.title[:120])}”). Đăng tài liệu này sẽ thay thế văn "
                     "bản cũ; tôi sẽ hỏi xác nhận thêm một lần.")
    lines.append("")
    lines.append("Cơ sở tri thức chưa thay đổi cho tới khi bạn bấm “✅ Đăng”.")
    return "\n".join(lines)


def publish(store: KnowledgeStore, engine: SearchEngine, data: bytes, filename: str,
            caption: str | None) -> SyncReport:
    """Parse again from the stored bytes, add (or replace) in one transaction, refresh."""
    parsed, _ = parse_upload(data, filename, caption)
    report = SyncReport()
    changes = Changeset()
    digest = content_hash(data, parsed.meta)
    stage(changes, report, store.documents(),
          prepare(parsed, digest, f"{UPLOAD_ORIGIN}:{filename}", tokenize))
    changes.summary = "; ".join(report.lines()[:50])
    report.version = store.apply(changes)
    engine.refresh()
    return report


def resync(store: KnowledgeStore, engine: SearchEngine, folder: Path) -> SyncReport:
    report = sync_folder(store, folder, tokenize)
    if report.changed:
        engine.refresh()
    return report


def retire(store: KnowledgeStore, engine: SearchEngine, number: str) -> SyncReport:
    report = remove_document(store, number)
    if report.changed:
        engine.refresh()
    return report


def describe(meta: DocumentMeta) -> str:
    return f"{meta.number} — {meta.title[:100]}" if meta.title else meta.number
