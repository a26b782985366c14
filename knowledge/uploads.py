"""The admin upload workflow without Telegram: receive → preview → publish, replace or
cancel, each step in the audit log.

An upload is parsed twice: once for the preview (nothing changes), once again from the stored
bytes when the admin presses "Đăng" (so a restart in between loses nothing). Only publishing
writes to the live knowledge base, in one ``store.apply`` transaction; the caller's
``on_change`` (the search engine's refresh) runs afterwards, and the engine keeps serving the
old snapshot until the new one is complete. Tokenizing is injected, as for folder sync.

Parsing (``parse_upload``, ``prepare_upload``) is kept apart from the database steps
(``keep``, ``publish_claimed``) so the bot can run it in its upload worker process
(``knowledge.worker``), within the page, character and time budgets. A file's bytes are kept
only while a decision is pending (``knowledge.activity``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from knowledge.activity import (
    UPLOAD_CANCELLED,
    UPLOAD_FAILED,
    UPLOAD_PUBLISHED,
    ActivityStore,
    PendingUpload,
)
from knowledge.errors import KnowledgeError
from knowledge.loaders import MAX_UPLOAD_BYTES, SUPPORTED_SUFFIXES
from knowledge.model import KIND_LABELS, STATUS_LABELS, ParsedDocument
from knowledge.store import (
    Changeset,
    DocumentInfo,
    KnowledgeStore,
    NewDocument,
    ReplacementNeeded,
)
from knowledge.sync import SyncReport, Tokenizer, content_hash, parse_bytes, prepare, stage
from knowledge.textnorm import fold

UPLOAD_ORIGIN = "telegram"
MAX_UPLOAD_PAGES = 500
"""Pages (PDF) or slides (.pptx) of one upload: a whole law is about 60 pages."""
MAX_UPLOAD_CHARS = 1_000_000
"""Characters of one upload's text: eight times the longest law in the corpus."""

_KEYS = {
    "so": "number",
    "so hieu": "number",
    "ky hieu": "number",
    "ten": "title",
    "tieu de": "title",
    "trich yeu": "title",
    "ten van ban": "title",
    "loai": "kind",
    "loai van ban": "kind",
    "hieu luc": "status",
    "trang thai": "status",
    "tinh trang": "status",
    "thay the boi": "replaced_by",
    "duoc thay the boi": "replaced_by",
    "thay bang": "replaced_by",
    "ngay ban hanh": "issued",
    "ban hanh": "issued",
    "ngay": "issued",
    "ngay hieu luc": "effective",
    "hieu luc tu": "effective",
    "co hieu luc tu": "effective",
    "ghi chu": "note",
}
_STATUS_WORDS = {
    "con": "con-hieu-luc",
    "con hieu luc": "con-hieu-luc",
    "dang hieu luc": "con-hieu-luc",
    "het": "het-hieu-luc",
    "het hieu luc": "het-hieu-luc",
    "tham khao": "tham-khao",
    "tai lieu tham khao": "tham-khao",
    "chua ro": "chua-ro",
    "khong ro": "chua-ro",
}
_KIND_WORDS = {fold(label): code for code, label in KIND_LABELS.items()}
_KIND_WORDS.update(
    {"tap huan": "tai-lieu-tap-huan", "hop nhat": "van-ban-hop-nhat", "khac": "khac"}
)


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
    """ "số: 15/2025/TT-BNV; hiệu lực: còn; loại: thông tư" → metadata overrides."""
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
            status = (
                value
                if value in STATUS_LABELS
                else _STATUS_WORDS.get(" ".join(fold(value).split()))
            )
            if status is None:
                result.warnings.append(
                    f"Hiệu lực “{value}” không rõ (dùng: còn, hết, tham khảo, chưa rõ)."
                )
                continue
            result.overrides["status"] = status
        elif name == "kind":
            kind = value if value in KIND_LABELS else _KIND_WORDS.get(" ".join(fold(value).split()))
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
        return (
            f"Xin lỗi, {what} chưa được hỗ trợ. Tôi nhận các tệp {', '.join(SUPPORTED_SUFFIXES)}."
        )
    if size is not None and size > MAX_UPLOAD_BYTES:
        return (
            f"Tệp “{filename}” nặng {size / 1024 / 1024:.1f} MB, vượt giới hạn 20 MB mà "
            "Telegram cho phép bot tải về. Hãy tách nhỏ tệp, hoặc chép vào thư mục nguồn "
            "rồi dùng /capnhat."
        )
    return None


def _pages(data: bytes, filename: str) -> int | None:
    """Pages of a PDF, slides of a presentation, read from the file's index without
    extracting anything (None: unknown, e.g. a corrupt file the loader will explain)."""
    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".pdf":
            import pypdfium2 as pdfium  # the loader's own PDF library (pypdf is test-only)

            document = pdfium.PdfDocument(data)
            try:
                return len(document)
            finally:
                document.close()
        if suffix == ".pptx":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return sum(
                    1 for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)
                )
    except Exception:  # the loader reports a broken file with its own message
        return None
    return None


def _thousands(n: int) -> str:
    """1.000.000, as Vietnamese writes numbers."""
    return f"{n:,}".replace(",", ".")


def check_budget(data: bytes, filename: str) -> None:
    """Refuse an upload too large to read within the budget, before reading it: one upload
    must not occupy the worker for minutes (a 20 MB PDF can hold thousands of pages)."""
    pages = _pages(data, filename)
    if pages is not None and pages > MAX_UPLOAD_PAGES:
        raise KnowledgeError(
            f"Tệp “{filename}” có {pages} trang, vượt giới hạn {MAX_UPLOAD_PAGES} trang cho "
            "một lần gửi. Hãy tách thành các tệp nhỏ hơn, hoặc chép vào thư mục nguồn rồi "
            "dùng /capnhat."
        )


def parse_upload(
    data: bytes, filename: str, caption: str | None
) -> tuple[ParsedDocument, CaptionMeta]:
    """Parse an upload with its caption overrides (raises KnowledgeError on a bad file or
    one over the budget). Runs in the upload worker process (``knowledge.worker``)."""
    check_budget(data, filename)
    meta = parse_caption(caption)
    parsed = apply_overrides(parse_bytes(data, filename), meta.overrides)
    if len(parsed.text) > MAX_UPLOAD_CHARS:
        raise KnowledgeError(
            f"Tệp “{filename}” dài {_thousands(len(parsed.text))} ký tự, vượt giới hạn "
            f"{_thousands(MAX_UPLOAD_CHARS)} ký tự cho một lần gửi. Hãy tách thành các tệp nhỏ "
            "hơn, hoặc chép vào thư mục nguồn rồi dùng /capnhat."
        )
    if not parsed.meta.number.strip():
        raise KnowledgeError(
            f"Không xác định được số hiệu của tệp “{filename}”; hãy ghi "
            "“số: …” trong chú thích khi gửi tệp."
        )
    return parsed, meta


def prepare_upload(
    data: bytes, filename: str, caption: str | None, tokenize: Tokenizer
) -> NewDocument:
    """Parse again from the stored bytes and tokenize: everything publishing needs before
    its transaction. Runs in the upload worker process."""
    parsed, _ = parse_upload(data, filename, caption)
    return prepare(parsed, content_hash(data, parsed.meta), f"{UPLOAD_ORIGIN}:{filename}", tokenize)


@dataclass
class Received:
    """An upload parsed and kept pending: what the preview shows."""

    upload_id: str
    parsed: ParsedDocument
    caption: CaptionMeta
    existing: DocumentInfo | None
    """The active document with the same number, which publishing would replace."""


def refuse(
    activity: ActivityStore, user_id: int | None, filename: str, error: KnowledgeError
) -> None:
    """An upload that could not be parsed: only the audit log remembers it."""
    activity.log_admin(user_id, "tai-len", filename, ok=False, detail=str(error))


def keep(
    store: KnowledgeStore,
    activity: ActivityStore,
    user_id: int | None,
    filename: str,
    data: bytes,
    caption: str,
    parsed: tuple[ParsedDocument, CaptionMeta],
) -> Received:
    """Keep a parsed upload pending (nothing changes in the knowledge base)."""
    document, caption_meta = parsed
    activity.expire_uploads()  # a day-old pending upload's bytes go when new ones come
    existing = store.find_active(document.meta.number)
    upload_id = activity.save_upload(
        user_id, filename, data, caption=caption, number=document.meta.number
    )
    activity.log_admin(
        user_id,
        "tai-len",
        filename,
        ok=True,
        detail=f"chờ duyệt {upload_id}: {document.meta.number}",
    )
    return Received(upload_id, document, caption_meta, existing)


def cancel(activity: ActivityStore, upload: PendingUpload, user_id: int | None) -> None:
    """ "❌ Hủy": the upload and its bytes are dropped; pressing twice logs once."""
    if activity.claim_upload(upload.id, to=UPLOAD_CANCELLED):
        activity.log_admin(user_id, "huy", upload.filename, ok=True)


def publish(store: KnowledgeStore, prepared: NewDocument, *, replacing: bool) -> SyncReport:
    """Add (or, when ``replacing``, replace) in one transaction.

    Without ``replacing``, the transaction refuses to retire an active document with the
    same number (``ReplacementNeeded``) even if it appeared after the preview.
    """
    report = SyncReport()
    changes = Changeset(may_replace=replacing)
    stage(changes, report, store.documents(), prepared)
    changes.summary = "; ".join(report.lines()[:50])
    report.version = store.apply(changes)
    return report


@dataclass
class Published:
    """What publishing a claimed upload did: a report, the number of a document it would
    replace without confirmation, or the reason it was refused."""

    report: SyncReport | None = None
    error: str | None = None
    needs_confirmation: str | None = None


def fail(
    activity: ActivityStore, upload: PendingUpload, user_id: int | None, error: KnowledgeError
) -> Published:
    """The stored file no longer parses (or is over the budget): the upload is closed."""
    activity.finish_upload(upload.id, UPLOAD_FAILED, str(error))
    activity.log_admin(user_id, "dang", upload.filename, ok=False, detail=str(error))
    return Published(error=str(error))


def publish_claimed(
    store: KnowledgeStore,
    activity: ActivityStore,
    upload: PendingUpload,
    user_id: int | None,
    prepared: NewDocument,
    *,
    replacing: bool,
    on_change: Callable[[], object],
) -> Published:
    """Publish an upload the caller moved to "processing" (``activity.claim_upload``).

    A document with the same number published meanwhile puts the upload back to pending and
    asks for the replacement to be confirmed; any other error puts it back to pending (the
    admin can press again) and propagates.
    """
    try:
        report = publish(store, prepared, replacing=replacing)
    except ReplacementNeeded as exc:
        activity.release_upload(upload.id)
        return Published(needs_confirmation=exc.number)
    except Exception:
        activity.release_upload(upload.id)
        activity.log_admin(user_id, "dang", upload.filename, ok=False, detail="lỗi hệ thống")
        raise
    on_change()
    summary = "; ".join(report.lines())
    activity.finish_upload(upload.id, UPLOAD_PUBLISHED, summary)
    activity.log_admin(
        user_id, "thay" if replacing else "dang", upload.number, ok=True, detail=summary
    )
    return Published(report=report)
