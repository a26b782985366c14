"""Document metadata: from a ``manifest.toml`` beside the files, else from the text's header.

The manifest is authoritative (an admin wrote it); header inference only fills what the
header states ("Luật số: 06/2022/QH15", "Số: 2346 /HD-ĐHM", "ngày 15 tháng 6 năm 2022") and
marks the status unknown, because validity cannot be read off a document itself.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from knowledge.errors import KnowledgeError
from knowledge.model import STATUS_LABELS, STATUS_UNKNOWN, DocumentMeta

MANIFEST_NAME = "manifest.toml"

_NUMBER = re.compile(
    r"^\s*(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết)?\s*[Ss]ố\s*:?\s*"
    r"(\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ0-9]+(?:\s*-\s*[A-ZĐ0-9]+)*)",
    re.MULTILINE,
)
_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_KIND_WORDS = [
    ("NGHỊ ĐỊNH", "nghi-dinh"),
    ("NGHỊ QUYẾT", "nghi-quyet"),
    ("QUY CHẾ", "quy-che"),
    ("KẾ HOẠCH", "ke-hoach"),
    ("CHỈ THỊ", "chi-thi"),
    ("CÔNG VĂN", "cong-van"),
    ("THÔNG TƯ", "thong-tu"),
    ("QUYẾT ĐỊNH", "quyet-dinh"),
    ("HƯỚNG DẪN", "huong-dan"),
    ("LUẬT", "luat"),
]
_BOILERPLATE = re.compile(r"^(Số\s*:|CỘNG HÒA|CỘNG HOÀ|Độc lập|.{0,40}, ngày \d)")
_KIND_BY_SUFFIX = {"NĐ-CP": "nghi-dinh", "QH": "luat", "TT-": "thong-tu", "QĐ-": "quyet-dinh"}


class ManifestError(KnowledgeError):
    """The manifest itself is unreadable: nothing in the folder is loaded with wrong metadata."""


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _numbers(value: object, file: str) -> tuple[str, ...]:
    """``replaces = ["98/2023/NĐ-CP", ...]`` (a single string is accepted too)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"Tệp {MANIFEST_NAME}: replaces của “{file}” phải là danh sách số "
                            "hiệu văn bản.")
    return tuple(v.strip() for v in value if v.strip())


def read_manifest(folder: Path) -> dict[str, DocumentMeta]:
    """File name → metadata, for every ``[[document]]`` of ``folder/manifest.toml`` (if any)."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"Tệp {MANIFEST_NAME} không hợp lệ: {exc}") from exc
    result: dict[str, DocumentMeta] = {}
    for entry in data.get("document", []):
        if not isinstance(entry, dict) or "file" not in entry or "number" not in entry:
            raise ManifestError(f"Tệp {MANIFEST_NAME}: mỗi [[document]] cần có file và number.")
        status = entry.get("status", STATUS_UNKNOWN)
        if status not in STATUS_LABELS:
            raise ManifestError(f"Tệp {MANIFEST_NAME}: trạng thái “{status}” không hợp lệ.")
        result[entry["file"]] = DocumentMeta(
            number=str(entry["number"]).strip(),
            kind=entry.get("kind", "khac"),
            title=entry.get("title", ""),
            issued=_as_date(entry.get("issued")),
            effective=_as_date(entry.get("effective")),
            status=status,
            replaced_by=entry.get("replaced_by"),
            note=entry.get("note"),
            issuer=_text(entry.get("issuer")),
            scope=_text(entry.get("scope")),
            replaces=_numbers(entry.get("replaces"), entry["file"]),
        )
    return result


def infer_meta(text: str, filename: str) -> DocumentMeta:
    """What the header of ``text`` says; the rest stays unknown."""
    head = text[:3000]
    number = None
    if m := _NUMBER.search(head):
        number = re.sub(r"\s+", "", m.group(1))
    kind = "khac"
    lines = [ln.strip() for ln in head.split("\n") if ln.strip()]
    title = ""
    for k, line in enumerate(lines[:30]):
        for word, code in _KIND_WORDS:
            if line == word or line.startswith(word + " "):
                kind = code
                rest = line[len(word) :].strip()
                following = []
                for nxt in lines[k + 1 : k + 4]:
                    if nxt.startswith(("Căn cứ", "Theo đề nghị", "Chương", "Điều", "1.")):
                        break
                    following.append(nxt)
                title = " ".join(([rest] if rest else []) + following).strip()
                title = f"{word.capitalize()} {title}".strip() if title else word.capitalize()
                break
        if title:
            break
    if number and kind == "khac":
        kind = next((code for key, code in _KIND_BY_SUFFIX.items() if key in number), "khac")
    issued = None
    if m := _DATE.search(head):
        try:
            issued = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            issued = None
    if not title:
        title = next(
            (ln for ln in lines[:8] if len(ln) > 10 and not _BOILERPLATE.match(ln)),
            Path(filename).stem,
        )
    return DocumentMeta(
        number=number or Path(filename).stem,
        kind=kind,
        title=title[:300],
        issued=issued,
        status=STATUS_UNKNOWN,
    )
