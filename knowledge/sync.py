"""Updating the knowledge base from files: sync a folder, add files, retire a document.

Everything that can fail (reading, parsing, tokenizing) happens before the single write
transaction; a bad file is reported by name and reason and the rest of the batch still loads.
A file of which too little was parsed (coverage under ``MIN_COVERAGE``) is held back with the
lines that were not read, unless the caller passes ``accept_partial=True`` (the admin
confirmed). Tokenizing is injected (retrieval owns Vietnamese text processing), so this module
stays independent of the ranking code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.coverage import MIN_COVERAGE, describe, needs_confirmation, unparsed_excerpt
from knowledge.errors import KnowledgeError, LoadError
from knowledge.loaders import SUPPORTED_SUFFIXES, load_bytes
from knowledge.metadata import MANIFEST_NAME, complete_meta, infer_meta, read_manifest
from knowledge.model import DocumentMeta, ParsedDocument, number_key
from knowledge.parser import PARSER_VERSION, parse_document
from knowledge.store import (
    Changeset,
    DocumentInfo,
    KnowledgeStore,
    NewDocument,
    documents_by_origin,
)

Tokenizer = Callable[[str], list[str]]
_SKIPPED_NAMES = {MANIFEST_NAME, "readme.md", "readme.txt", "readme"}


@dataclass
class SyncReport:
    """What an update did, for the CLI, the bot and the audit log."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Documents a newer change made elsewhere replaced, which a sync left in place."""
    errors: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    """Files not loaded because too little of them was parsed: label, share and the first
    lines not read (each entry may span several lines)."""
    partial: list[str] = field(default_factory=list)
    """Files loaded although part of them was not parsed (the admin confirmed)."""
    version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.retired)

    def lines(self) -> list[str]:
        out = [f"+ thêm: {x}" for x in self.added]
        out += [f"~ thay: {x}" for x in self.replaced]
        out += [f"- gỡ: {x}" for x in self.retired]
        out += [f"= giữ nguyên: {x}" for x in self.unchanged]
        out += [f"! nạp dù thiếu: {x}" for x in self.partial]
        out += [f"? chưa nạp, cần xác nhận: {x}" for x in self.held]
        out += [f"≠ giữ bản mới hơn: {x}" for x in self.kept]
        out += [f"! lỗi: {x}" for x in self.errors]
        return out


def content_hash(data: bytes, meta: DocumentMeta | None) -> str:
    """Hash of the file, its manifest entry and the parser version: a change in any counts."""
    digest = hashlib.sha256(PARSER_VERSION.encode("ascii"))
    digest.update(data)
    digest.update(repr(meta).encode("utf-8"))
    return digest.hexdigest()


def parse_bytes(data: bytes, filename: str, meta: DocumentMeta | None = None) -> ParsedDocument:
    """Read and parse one file's bytes; metadata from the manifest entry or the header (what
    the entry leaves out, such as the issuer or the replaced documents, from the text).

    The result carries its coverage; ``knowledge.coverage.unparsed_excerpt`` gives the lines
    that were not parsed, for a preview to show before the admin confirms."""
    source = load_bytes(data, filename)
    meta = complete_meta(meta, source.text) if meta else infer_meta(source.text, filename)
    return parse_document(source, meta, filename)


def coverage_note(parsed: ParsedDocument) -> str:
    """ "đọc được 82,5% … (dưới 97%); chưa đọc được:" and the first lines not parsed."""
    threshold = f"{100 * MIN_COVERAGE:.0f}%"
    lines = [f"{label(parsed)}: {describe(parsed)} (dưới {threshold}); chưa đọc được:"]
    lines += [f"    | {line}" for line in unparsed_excerpt(parsed)]
    return "\n".join(lines)


def _confirmed(parsed: ParsedDocument, report: SyncReport, accept_partial: bool) -> bool:
    """False (file held, reported) when too little was parsed and nobody confirmed."""
    if not needs_confirmation(parsed):
        return True
    (report.partial if accept_partial else report.held).append(coverage_note(parsed))
    return accept_partial


def prepare(parsed: ParsedDocument, digest: str, origin: str, tokenize: Tokenizer) -> NewDocument:
    """Attach tokens so the store keeps them and a restart does not segment again."""
    return NewDocument(
        parsed=parsed,
        content_hash=digest,
        origin=origin,
        unit_title_tokens=[tokenize(u.title) for u in parsed.units],
        passage_tokens=[tokenize(p.text) for p in parsed.passages],
    )


def label(doc: ParsedDocument | DocumentMeta, source_name: str = "") -> str:
    meta = doc.meta if isinstance(doc, ParsedDocument) else doc
    name = doc.source_name if isinstance(doc, ParsedDocument) else source_name
    return f"{meta.number} — {meta.title[:70]} ({name})" if name else meta.number


def _folder_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name.lower() not in _SKIPPED_NAMES
        and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def origin_name(origin: str) -> str:
    """Where a document came from, as admins know it."""
    kind, _, detail = origin.partition(":")
    if kind == "telegram":
        return f"bản gửi qua Telegram ({detail})" if detail else "bản gửi qua Telegram"
    if kind == "folder":
        return f"bản trong thư mục {detail}"
    return "bản nạp bằng tdkt kb add" if kind == "add" else f"bản từ {origin}"


def _replaced_elsewhere(
    all_docs: list[DocumentInfo],
    origin: str,
    name: str,
    digest: str,
) -> DocumentInfo | None:
    """The active document from elsewhere that replaced this folder's copy of ``name``
    while the file stayed as it is (None: nothing newer to keep)."""
    retired = [
        d
        for d in all_docs
        if not d.active
        and d.origin == origin
        and d.source_name == name
        and d.content_hash == digest
    ]
    if not retired:
        return None
    copy = max(retired, key=lambda d: d.added_at)
    key = number_key(copy.meta.number)
    return next(
        (
            d
            for d in all_docs
            if d.active
            and d.origin != origin
            and number_key(d.meta.number) == key
            and d.added_at >= copy.added_at
        ),
        None,
    )


def sync_folder(
    store: KnowledgeStore,
    folder: Path,
    tokenize: Tokenizer,
    *,
    accept_partial: bool = False,
    force: bool = False,
) -> SyncReport:
    """Make the documents that came from ``folder`` match its files (idempotent).

    A file with too little parsed is held (its earlier version, if any, stays) unless
    ``accept_partial``. A folder document replaced since through another way (an upload
    through Telegram, ``tdkt kb add``) is not brought back while its file is unchanged: the
    newer document is kept and the report says so (``kept``). ``force`` restores the folder's
    copy anyway. A file that did change replaces the newer document, and the report names what
    it replaced.
    """
    report = SyncReport()
    if not folder.is_dir():
        report.errors.append(f"Không tìm thấy thư mục “{folder}”.")
        return report
    try:
        manifest = read_manifest(folder)
    except KnowledgeError as exc:
        report.errors.append(str(exc))
        return report
    origin = f"folder:{folder.resolve()}"
    every_doc = store.documents(include_retired=True)
    all_docs = [d for d in every_doc if d.active]
    existing = documents_by_origin(all_docs, origin)
    changes = Changeset()
    seen_numbers: dict[str, str] = {}
    files = _folder_files(folder)
    for path in files:
        meta = manifest.get(path.name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors.append(str(LoadError(path.name, f"không mở được ({exc.strerror}).")))
            continue
        digest = content_hash(data, meta)
        old = existing.get(path.name)
        if old is not None and old.content_hash == digest:
            report.unchanged.append(label(old.meta, path.name))
            seen_numbers[number_key(old.meta.number)] = path.name
            continue
        newer = (
            None
            if force or old is not None
            else _replaced_elsewhere(every_doc, origin, path.name, digest)
        )
        if newer is not None:
            report.kept.append(
                f"{newer.meta.number} — {origin_name(newer.origin)} ngày "
                f"{newer.added_at:%d/%m/%Y} đã thay bản trong tệp “{path.name}”; tệp không đổi "
                "nên không khôi phục (khôi phục: tdkt kb sync --force)"
            )
            seen_numbers[number_key(newer.meta.number)] = path.name
            continue
        try:
            parsed = parse_bytes(data, path.name, meta)
        except KnowledgeError as exc:
            report.errors.append(str(exc))
            continue
        if not _confirmed(parsed, report, accept_partial):
            if old is not None:
                seen_numbers[number_key(old.meta.number)] = path.name
            continue
        key = number_key(parsed.meta.number)
        if key in seen_numbers:
            report.errors.append(
                f"Tệp “{path.name}” trùng số hiệu {parsed.meta.number} với “{seen_numbers[key]}”;"
                " bỏ qua tệp này."
            )
            continue
        seen_numbers[key] = path.name
        changes.add.append(prepare(parsed, digest, origin, tokenize))
        replaced = [
            d
            for d in all_docs
            if number_key(d.meta.number) == key and d.id not in changes.retire_ids
        ]
        if old is not None and old not in replaced:
            replaced.append(old)
        changes.retire_ids.extend(d.id for d in replaced)
        others = sorted({origin_name(d.origin) for d in replaced if d.origin != origin})
        note = f" (thay {', '.join(others)})" if others else ""
        (report.replaced if replaced else report.added).append(label(parsed) + note)
    present = {p.name for p in files}
    for name, doc in existing.items():
        if name not in present:
            changes.retire_ids.append(doc.id)
            report.retired.append(label(doc.meta, name))
    changes.summary = "; ".join(report.lines()[:50])
    report.version = store.apply(changes)
    return report


def add_files(
    store: KnowledgeStore,
    paths: Iterable[Path],
    tokenize: Tokenizer,
    origin: str = "add",
    *,
    accept_partial: bool = False,
) -> SyncReport:
    """Add (or replace, by document number) the given files, in one transaction; a file with
    too little parsed is held unless ``accept_partial``."""
    report = SyncReport()
    changes = Changeset()
    all_docs = store.documents()
    manifests: dict[Path, dict[str, DocumentMeta]] = {}
    for path in paths:
        try:
            if path.parent not in manifests:
                manifests[path.parent] = read_manifest(path.parent)
            meta = manifests[path.parent].get(path.name)
            data = path.read_bytes()
            parsed = parse_bytes(data, path.name, meta)
        except KnowledgeError as exc:
            report.errors.append(str(exc))
            continue
        except OSError as exc:
            report.errors.append(str(LoadError(path.name, f"không mở được ({exc.strerror}).")))
            continue
        if not _confirmed(parsed, report, accept_partial):
            continue
        stage(
            changes, report, all_docs, prepare(parsed, content_hash(data, meta), origin, tokenize)
        )
    changes.summary = "; ".join(report.lines()[:50])
    report.version = store.apply(changes)
    return report


def stage(changes: Changeset, report: SyncReport, all_docs: list, new: NewDocument) -> None:
    """Queue ``new``, retiring any active document with the same number."""
    key = number_key(new.parsed.meta.number)
    replaced = [d for d in all_docs if number_key(d.meta.number) == key]
    changes.add.append(new)
    changes.retire_ids.extend(d.id for d in replaced)
    (report.replaced if replaced else report.added).append(label(new.parsed))


def remove_document(store: KnowledgeStore, number: str) -> SyncReport:
    """Retire the active document with this number."""
    report = SyncReport()
    doc = store.find_active(number)
    if doc is None:
        report.errors.append(f"Không có văn bản số hiệu “{number}” trong cơ sở tri thức.")
        return report
    report.retired.append(label(doc.meta, doc.source_name))
    report.version = store.apply(Changeset(retire_ids=[doc.id], summary=f"gỡ {doc.meta.number}"))
    return report
