"""Who issued a document and where it applies, read from its header when no manifest says.

The header's left column names the issuer, from the parent body down ("BỘ GIÁO DỤC VÀ ĐÀO
TẠO" / "TRƯỜNG ĐẠI HỌC MỞ HÀ NỘI"; "UBND TỈNH THÁI BÌNH" / "SỞ NỘI VỤ"); flattened to text it
is interleaved with the national motto of the right column. The most specific line is the
issuer. The scope follows from it: national bodies → "toàn quốc"; a ministry's Thông tư →
"toàn quốc", its other texts → the ministry; a province's bodies → "tỉnh X"; anything else
(a school, a company, a unit) → that unit. Names are written the way officers write them
("Ủy ban nhân dân tỉnh Bắc Ninh", "Bộ Giáo dục và Đào tạo", "Trường Đại học Mở Hà Nội").
"""

from __future__ import annotations

import re
import unicodedata

NATIONWIDE = "toàn quốc"

_NATIONAL = {
    "QUỐC HỘI": "Quốc hội", "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội",
    "UỶ BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội",
    "VĂN PHÒNG QUỐC HỘI": "Văn phòng Quốc hội", "CHÍNH PHỦ": "Chính phủ",
    "THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ", "THỦ TƯỚNG": "Thủ tướng Chính phủ",
    "CHỦ TỊCH NƯỚC": "Chủ tịch nước", "VĂN PHÒNG CHÍNH PHỦ": "Văn phòng Chính phủ",
    "TÒA ÁN NHÂN DÂN TỐI CAO": "Tòa án nhân dân tối cao",
    "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO": "Viện kiểm sát nhân dân tối cao",
    "KIỂM TOÁN NHÀ NƯỚC": "Kiểm toán nhà nước",
}  # fmt: skip
_PEOPLES_BODIES = {
    "ỦY BAN NHÂN DÂN": "Ủy ban nhân dân", "UỶ BAN NHÂN DÂN": "Ủy ban nhân dân",
    "UBND": "Ủy ban nhân dân", "HỘI ĐỒNG NHÂN DÂN": "Hội đồng nhân dân",
    "HĐND": "Hội đồng nhân dân",
}  # fmt: skip
_LOCALITIES = (
    "THÀNH PHỐ",
    "TỈNH",
    "THỊ XÃ",
    "THỊ TRẤN",
    "HUYỆN",
    "QUẬN",
    "XÃ",
    "PHƯỜNG",
    "ĐẶC KHU",
)
_TOP_LOCALITIES = ("TỈNH", "THÀNH PHỐ")
_AGENCIES = (
    "NGÂN HÀNG NHÀ NƯỚC",
    "KHO BẠC NHÀ NƯỚC",
    "TỔNG CỤC",
    "VĂN PHÒNG",
    "THANH TRA",
    "ỦY BAN",
    "UỶ BAN",
    "PHÒNG",
    "CỤC",
    "BỘ",
    "SỞ",
    "VỤ",
    "BAN",
)
"""Heads of agencies' names, longest first; the name that follows is written "Nội vụ"."""
_UNIT_KINDS = {
    "TRƯỜNG ĐẠI HỌC": "Trường Đại học", "TRƯỜNG CAO ĐẲNG": "Trường Cao đẳng",
    "TRƯỜNG TRUNG HỌC PHỔ THÔNG": "Trường Trung học phổ thông",
    "TRƯỜNG TRUNG HỌC CƠ SỞ": "Trường Trung học cơ sở", "TRƯỜNG TIỂU HỌC": "Trường Tiểu học",
    "TRƯỜNG MẦM NON": "Trường Mầm non", "TRƯỜNG": "Trường", "HỌC VIỆN": "Học viện",
    "BỆNH VIỆN": "Bệnh viện", "VIỆN": "Viện", "TỔNG CÔNG TY": "Tổng công ty",
    "CÔNG TY CỔ PHẦN": "Công ty cổ phần", "CÔNG TY": "Công ty", "TẬP ĐOÀN": "Tập đoàn",
    "ĐẠI HỌC": "Đại học", "TRUNG TÂM": "Trung tâm", "HỘI": "Hội", "LIÊN ĐOÀN": "Liên đoàn",
}  # fmt: skip
_MOTTO = re.compile(r"(CỘNG HÒA|CỘNG HOÀ|ĐỘC LẬP|Độc lập)")
_STOP = re.compile(r"^(Số\b|Số\s*:|Luật số|[^\W\d][\w\s.-]{0,40}, ngày\s+\d)", re.IGNORECASE)
_DECORATION = re.compile(r"[-–_=*.\s]+$")
_ACRONYM = re.compile(r"^[A-ZĐ&]{2,6}$")


def header_issuer_lines(text: str, kind_words: tuple[str, ...]) -> list[str]:
    """The issuer column's lines, in capitals, from the parent body down."""
    found: list[str] = []
    for raw in text[:1500].split("\n")[:25]:
        line = raw.strip()
        if not line:
            continue
        if _STOP.match(line) or any(line == w or line.startswith(w + " ") for w in kind_words):
            break
        if m := _MOTTO.search(line):
            line = line[: m.start()].strip()
        line = _DECORATION.sub("", line).strip()
        if not line:
            continue
        upper = line.upper()
        if line == upper or upper in _NATIONAL or upper.startswith(tuple(_PEOPLES_BODIES)):
            found.append(" ".join(upper.split()))
    return found


def issuer_and_scope(lines: list[str], kind: str) -> tuple[str | None, str | None]:
    """(issuer, scope) from the issuer column's lines; (None, None) when there are none."""
    if not lines:
        return None, None
    issuer = lines[-1]
    if issuer in _NATIONAL or (kind == "thong-tu" and issuer.startswith("BỘ ")):
        return name_case(issuer), NATIONWIDE
    locality = next((_locality(line) for line in reversed(lines) if _locality(line)), None)
    name = name_case(issuer)
    if locality and not _locality(issuer) and len(lines) > 1:
        name = f"{name} {locality}"  # "Sở Nội vụ" under "UBND tỉnh Thái Bình"
    if locality and (_locality(issuer) or issuer.startswith(_AGENCIES)):
        return name, locality
    return name, name


def _locality(line: str) -> str | None:
    """ "tỉnh Bắc Ninh" from "ỦY BAN NHÂN DÂN TỈNH BẮC NINH" (provinces and below)."""
    body = line
    for prefix in _PEOPLES_BODIES:
        if body.startswith(prefix + " "):
            body = body[len(prefix) + 1 :]
            break
    else:
        if not body.startswith(_TOP_LOCALITIES):
            return None
    for word in _LOCALITIES:
        if body.startswith(word + " "):
            return f"{word.lower()} {_title(body[len(word) + 1 :])}"
    return None


def name_case(upper: str) -> str:
    """ "TRƯỜNG ĐẠI HỌC MỞ HÀ NỘI" → "Trường Đại học Mở Hà Nội"; "BỘ NỘI VỤ" → "Bộ Nội vụ"."""
    for prefix, written in _PEOPLES_BODIES.items():
        if upper.startswith(prefix + " ") or upper == prefix:
            rest = upper[len(prefix) :].strip()
            return f"{written} {_locality_words(rest)}".strip()
    if upper in _NATIONAL:
        return _NATIONAL[upper]
    for head in _AGENCIES:
        if upper.startswith(head + " "):
            return f"{head.capitalize()} {_coordinated(upper[len(head) + 1 :])}"
    for prefix, written in _UNIT_KINDS.items():
        if upper.startswith(prefix + " "):
            return f"{written} {_title(upper[len(prefix) + 1 :])}"
    return _title(upper)


def _locality_words(rest: str) -> str:
    for word in _LOCALITIES:
        if rest.startswith(word + " "):
            return f"{word.lower()} {_title(rest[len(word) + 1 :])}"
    return _title(rest)


def _coordinated(upper: str) -> str:
    """Only the first syllable of each coordinated name in capitals: "Giáo dục và Đào tạo",
    "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch"."""
    out: list[str] = []
    capital_next = True
    for word in upper.split():
        if _ACRONYM.match(word) and not _has_vowel(word):
            out.append(word)
        elif word in ("VÀ", "-", "–"):
            out.append(word.lower())
            capital_next = True
            continue
        else:
            out.append(word.capitalize() if capital_next else word.lower())
        capital_next = word.endswith(",")
    return " ".join(out)


def _title(words: str) -> str:
    """Every syllable capitalised (place and unit names), acronyms kept."""
    return " ".join(
        w if _ACRONYM.match(w) and not _has_vowel(w) else w.capitalize() for w in words.split()
    )


def _has_vowel(word: str) -> bool:
    """Acronyms ("THPT", "UBND", "GD&ĐT") have none; syllables always do."""
    return any(unicodedata.normalize("NFD", c)[0] in "AEIOUY" for c in word.upper())
