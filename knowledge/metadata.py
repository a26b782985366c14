"""Document metadata: from a ``manifest.toml`` beside the files, else from the text's header.

The manifest is authoritative (an admin wrote it); header inference only fills what the
header states ("Luật số: 06/2022/QH15", "Số: 2346 /HD-ĐHM", "ngày 15 tháng 6 năm 2022", the
issuer column) and what the text says of itself ("Bãi bỏ Quyết định số 13/2024/QĐ-UBND"), and
marks the status unknown, because validity cannot be read off a document itself.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

from knowledge.errors import KnowledgeError
from knowledge.issuer import header_issuer_lines, issuer_and_scope
from knowledge.model import STATUS_LABELS, STATUS_UNKNOWN, DocumentMeta, number_key

MANIFEST_NAME = "manifest.toml"

_DOCUMENT_NUMBER = r"\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ0-9]+(?:\s*-\s*[A-ZĐ0-9]+)*"
_NUMBER = re.compile(
    r"^\s*(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết)?\s*[Ss]ố\s*:?\s*(" + _DOCUMENT_NUMBER + ")",
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
MAX_TITLE = 200
_TITLE_STOP = re.compile(
    r"^(Căn cứ|Theo đề nghị|Xét đề nghị|Thực hiện|Trên cơ sở|Nhằm|Để |Chương|Điều|Phần|Mục|"
    r"[IVX]+\.|\d+\.|\(?(Ban hành )?kèm theo|Kính gửi|Số\s*:)",
    re.IGNORECASE,
)
_AUTHORITY = re.compile(
    r"^(ỦY BAN|UỶ BAN|BỘ TRƯỞNG|CHỦ TỊCH|GIÁM ĐỐC|HIỆU TRƯỞNG|THỦ TƯỚNG|CHÍNH PHỦ|QUỐC HỘI|"
    r"HỘI ĐỒNG|TRƯỞNG BAN|TỔNG CỤC TRƯỞNG|CỤC TRƯỞNG)"
)
_PLACES = re.compile(
    r"\b(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|trường)((?: [^\W\d_]+){1,4})"
)
_NOT_NAME = {
    "năm",
    "giai",
    "đoạn",
    "về",
    "và",
    "của",
    "trong",
    "đến",
    "từ",
    "theo",
    "với",
    "tại",
    "lần",
    "thứ",
    "nhiệm",
    "kỳ",
    "học",
    "đợt",
    "trên",
    "địa",
    "bàn",
}
_DOCUMENT_KIND = (
    r"(?:Luật|Pháp lệnh|Nghị quyết|Nghị định|Quyết định|Thông tư(?: liên tịch)?|"
    r"Chỉ thị|Quy chế|Quy định|Kế hoạch|Hướng dẫn|Văn bản hợp nhất)"
)
_REPLACES = re.compile(
    rf"(?:thay thế|bãi bỏ)\s+(?:các\s+)?{_DOCUMENT_KIND}[^.;:\n]{{0,80}}?\bsố\s+"
    rf"({_DOCUMENT_NUMBER})",
    re.IGNORECASE,
)
_CEASES = re.compile(r"hết hiệu lực(?: thi hành)? (?:kể )?từ ngày [^.;\n]{0,40}này có hiệu lực")
_NAMED = re.compile(
    rf"(theo|bởi|tại)?\s*{_DOCUMENT_KIND}[^.;:\n]{{0,60}}?\bsố\s+"
    rf"({_DOCUMENT_NUMBER})",
    re.IGNORECASE,
)
_LIST_MORE = re.compile(
    rf"^\s*(?:ngày [^,;]{{0,40}})?(?:,|và)\s*{_DOCUMENT_KIND}[^.;:\n]{{0,60}}?"
    rf"\bsố\s+({_DOCUMENT_NUMBER})",
    re.IGNORECASE,
)


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
        raise ManifestError(
            f"Tệp {MANIFEST_NAME}: replaces của “{file}” phải là danh sách số hiệu văn bản."
        )
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
                title = _title(word, line[len(word) :].strip(), lines[k + 1 : k + 5], code)
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
    meta = DocumentMeta(
        number=number or Path(filename).stem,
        kind=kind,
        title=_shorten(title),
        issued=issued,
        status=STATUS_UNKNOWN,
    )
    return complete_meta(meta, text)


def complete_meta(meta: DocumentMeta, text: str) -> DocumentMeta:
    """Fill what the manifest (or caption) left out and the text itself states: the issuer
    and scope from the header, the numbers of the documents it replaces."""
    issuer, scope = meta.issuer, meta.scope
    if issuer is None or scope is None:
        found = issuer_and_scope(
            header_issuer_lines(text, tuple(w for w, _ in _KIND_WORDS)), meta.kind
        )
        issuer, scope = issuer or found[0], scope or found[1]
    replaces = meta.replaces or replaced_numbers(text, meta.number)
    if (issuer, scope, replaces) == (meta.issuer, meta.scope, meta.replaces):
        return meta
    return replace(meta, issuer=issuer, scope=scope, replaces=replaces)


def replaced_numbers(text: str, own_number: str = "") -> tuple[str, ...]:
    """Numbers of the documents this text says it replaces or repeals as a whole.

    "Quyết định này thay thế Quyết định số 13/2024/QĐ-UBND", "Bãi bỏ Quyết định số …" (not
    "bãi bỏ Điều 5 của Quyết định số …", a partial repeal), and "Nghị định số 98/2023/NĐ-CP
    … và Nghị định số 28/2024/NĐ-CP … hết hiệu lực kể từ ngày Nghị định này có hiệu lực" (not
    the amending laws named after "theo").
    """
    found: list[str] = []
    for m in _REPLACES.finditer(text):
        found.append(m.group(1))
        rest = text[m.end() : m.end() + 400]
        while more := _LIST_MORE.match(rest):
            found.append(more.group(1))
            rest = rest[more.end() :]
    for m in _CEASES.finditer(text):
        sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        for named in _NAMED.finditer(text, sentence_start, m.start()):
            if named.group(1):  # "… theo Luật số 47/2005/QH11": the amending law, not replaced
                break
            found.append(named.group(2))
    own = number_key(own_number)
    numbers = dict.fromkeys(re.sub(r"\s+", "", n) for n in found)
    return tuple(n for n in numbers if number_key(n) != own)


def _title(word: str, rest: str, following: list[str], kind: str) -> str:
    """ "Kế hoạch phát động phong trào thi đua …": the kind, then the title lines under it, up
    to the first line of the body (a basis, a heading, a sentence, a long line)."""
    pieces = [rest] if rest else []
    for line in following:
        if _TITLE_STOP.match(line) or len(line) > 2 * MAX_TITLE or line.endswith((".", ":", ";")):
            break
        upper = line == line.upper()
        if upper and (_AUTHORITY.match(line) or any(p != p.upper() for p in pieces)):
            break  # "ỦY BAN NHÂN DÂN TỈNH …" above "Căn cứ": the enacting authority
        pieces.append(line)
    name = " ".join(pieces).strip()
    if not name:
        return word.capitalize()
    if name == name.upper():
        name = _places_capitalised(name.lower())
    # A law's name is a proper name ("Luật Thi đua, khen thưởng"); other titles run on.
    first = name[0].upper() if kind == "luat" else name[0].lower()
    if len(name) > 1 and name[1].isupper():
        first = name[0]  # an acronym ("UBND tỉnh …") stays as written
    return f"{word.capitalize()} {first}{name[1:]}"


def _places_capitalised(lowered: str) -> str:
    """A title written in capitals, lowered, gets its place names back: "tỉnh Bắc Ninh"."""

    def fix(m: re.Match[str]) -> str:
        words = m.group(2).split()
        named: list[str] = []
        for w in words:
            if w in _NOT_NAME:
                break
            named.append(w.capitalize())
        rest = words[len(named) :]
        return " ".join([m.group(1), *named, *rest])

    return _PLACES.sub(fix, lowered).replace("việt nam", "Việt Nam")


def _shorten(title: str) -> str:
    """At most MAX_TITLE characters, cut at a word boundary."""
    if len(title) <= MAX_TITLE:
        return title
    cut = title[: MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
