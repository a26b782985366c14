"""The admin upload workflow without Telegram: receive → preview → publish, replace or
cancel, each step in the audit log.

An upload is parsed twice: once for the preview (nothing changes), once again from the stored
bytes when the admin presses "Đăng" (so a restart in between loses nothing). Only publishing
writes to the live knowledge base, in one ``store.apply`` transaction; the caller's
``on_change`` (the search engine's refresh) runs afterwards, and the engine keeps serving the
old snapshot until the new one is complete. Tokenizing is injected, as for folder sync.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from knowledge.activity import (
    UPLOAD_CANCELLED,
    UPLOAD_FAILED,
    UPLOAD_PENDING,
    UPLOAD_PROCESSING,
    UPLOAD_PUBLISHED,
    ActivityStore,
    PendingUpload,
)
from knowledge.errors import KnowledgeError
from knowledge.loaders import MAX_UPLOAD_BYTES, SUPPORTED_SUFFIXES
from knowledge.model import KIND_LABELS, STATUS_LABELS, ParsedDocument
from knowledge.store import Changeset, DocumentInfo, KnowledgeStore
from knowledge.sync import SyncReport, Tokenizer, content_hash, parse_bytes, prepare, stage
from knowledge.textnorm import fold

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


@dataclass
class Received:
    """An upload parsed and kept pending: what the preview shows."""

    upload_id: str
    parsed: ParsedDocument
    caption: CaptionMeta
    existing: DocumentInfo | None
    """The active document with the same number, which publishing would replace."""


def receive(store: KnowledgeStore, activity: ActivityStore, user_id: int | None,
            filename: str, data: bytes, caption: str) -> Received:
    """Parse an upload and keep it pending (nothing changes in the knowledge base).

    Raises KnowledgeError (with the admin's Vietnamese message) for a file that cannot be
    parsed; the refusal is in the audit log either way.
    """
    try:
        parsed, caption_meta = parse_upload(data, filename, caption)
    except KnowledgeError as exc:
        activity.log_admin(user_id, "tai-len", filename, ok=False, detail=str(exc))
        raise
    existing = store.find_active(parsed.meta.number)
    upload_id = activity.save_upload(user_id, filename, data, caption=caption,
                                     number=parsed.meta.number)
    activity.log_admin(user_id, "tai-len", filename, ok=True,
                       detail=f"chờ duyệt {upload_id}: {parsed.meta.number}")
    return Received(upload_id, parsed, caption_meta, existing)


def cancel(activity: ActivityStore, upload: PendingUpload, user_id: int | None) -> None:
    """"❌ Hủy": the upload is dropped; pressing twice logs once."""
    if activity.claim_upload(upload.id, to=UPLOAD_CANCELLED):
        activity.log_admin(user_id, "huy", upload.filename, ok=True)


def publish(store: KnowledgeStore, data: bytes, filename: str, caption: str | None,
            tokenize: Tokenizer) -> SyncReport:
    """Parse again from the stored bytes and add (or replace) in one transaction."""
    parsed, _ = parse_upload(data, filename, caption)
    report = SyncReport()
    changes = Changeset()
    digest = content_hash(data, parsed.meta)
    stage(changes, report, store.documents(),
          prepare(parsed, digest, f"{UPLOAD_ORIGIN}:{filename}", tokenize))
    changes.summary = "; ".join(report.lines()[:50])
    report.version = store.apply(changes)
    return report


@dataclass
class Published:
    """What publishing a claimed upload did: a report, or the reason it was refused."""

    report: SyncReport | None = None
    error: str | None = None


def publish_claimed(store: KnowledgeStore, activity: ActivityStore, upload: PendingUpload,
                    user_id: int | None, *, replacing: bool, tokenize: Tokenizer,
                    on_change: Callable[[], object]) -> Published:
    """Publish an upload the caller moved to "processing" (``activity.claim_upload``).

    A file that no longer parses is marked failed; any other error puts the upload back to
    pending (the admin can press again) and propagates.
    """
    try:
        report = publish(store, upload.data, upload.filename, upload.caption, tokenize)
    except KnowledgeError as exc:
        activity.finish_upload(upload.id, UPLOAD_FAILED, str(exc))
        activity.log_admin(user_id, "dang", upload.filename, ok=False, detail=str(exc))
        return Published(error=str(exc))
    except Exception:
        activity.claim_upload(upload.id, to=UPLOAD_PENDING, from_state=UPLOAD_PROCESSING)
        activity.log_admin(user_id, "dang", upload.filename, ok=False, detail="lỗi hệ thống")
        raise
    on_change()
    summary = "; ".join(report.lines())
    activity.finish_upload(upload.id, UPLOAD_PUBLISHED, summary)
    activity.log_admin(user_id, "thay" if replacing else "dang", upload.number, ok=True,
                       detail=summary)
    return Published(report=report)
