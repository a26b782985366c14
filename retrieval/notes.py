"""Notes that go with an answer: what the officer should know about where it comes from.

- the question names a document that is not loaded but was replaced by one that is
  ("Nghị định 98/2023/NĐ-CP" → 152/2025/NĐ-CP): the answer comes from the replacement;
- the question names a document that is not loaded at all ("Công văn 2902/BNV-VP"), or asks
  about a ministry's, a sector's or a province's own rules that no loaded document holds
  ("Kỷ niệm chương của Bộ Xây dựng", "ngành Giao thông vận tải"): the answer is the general
  provision, and the details live in a document that is not in the knowledge base.

Telegram-free; the texts are plain Vietnamese sentences the bot and the CLI show as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.model import KIND_LABELS, number_key
from retrieval.documents import Naming, kind_label_of
from retrieval.params import scope_key
from retrieval.text import DOC_NUMBER, normalize_chars

_BODY = re.compile(
    r"(?:\b(?:của|thuộc|trong|tại)\s+)"
    r"(?P<body>(?:Bộ|Ban|Tổng cục|Cục|Ủy ban nhân dân|UBND|Sở|Hội|Đoàn|Quân khu|Bộ Tư lệnh)"
    r"\s+[A-ZĐÀ-Ỹ][\w&]*(?:\s+[a-zđà-ỹ][\w&]*){0,3}"
    r"(?:\s+(?:và|,)\s+[A-ZĐÀ-Ỹ][\w&]*(?:\s+[a-zđà-ỹ][\w&]*){0,2})?)"
)
_PROVINCE = re.compile(
    r"\b(?P<body>(?:tỉnh|thành phố|Tỉnh|Thành phố)\s+[A-ZĐÀ-Ỹ][\w]*(?:\s+[A-ZĐÀ-Ỹ][\w]*){0,3})"
)
_SECTOR = re.compile(r"\bngành\s+(?P<body>[A-ZĐÀ-Ỹ][\w&]*(?:\s+(?:[a-zđà-ỹ][\w&]*|[A-ZĐ&]+)){0,3})")
_TRAILING = re.compile(r"\s+(?:vừa|mới|đã|có|được|là|thì|năm|theo|về|cho|không|ra|ban)\b.*$")
NATIONAL_BODIES = ("Bộ Nội vụ",)
"""Bodies whose thi đua, khen thưởng rules are the national ones (the Government's, and the
ministry that administers the field): naming them asks about national rules."""


def replaced_note(old: str, new: str, kinds: dict[str, str]) -> str:
    kind = KIND_LABELS.get(kinds.get(new, ""), "văn bản")
    old_kind = kind_label_of(old) or "Văn bản"
    return (
        f"{old_kind} {old} không có trong cơ sở tri thức: đã được thay thế bởi {kind} "
        f"{new}. Câu trả lời dưới đây theo văn bản thay thế."
    )


def not_loaded_note(name: str) -> str:
    shown = f"{kind_label_of(name) or 'Văn bản'} {name}" if name[:1].isdigit() else name
    return (
        f"{shown[:1].upper()}{shown[1:]} chưa có trong cơ sở tri thức; dưới đây là quy định "
        "chung liên quan trong các văn bản đã nạp."
    )


def own_rules_note(body: str) -> str:
    return (
        f"Quy định riêng của {body} (nếu có) chưa có trong cơ sở tri thức; dưới đây là "
        "quy định chung. Chi tiết xem văn bản do cơ quan đó ban hành."
    )


def unknown_names(question: str, naming: Naming) -> list[str]:
    """How the question wrote each document it names that is not loaded ("Công văn
    2902/BNV-VP" rather than the plain key "2902/bnv-vp")."""
    text = normalize_chars(question)
    out = []
    for name in naming.unknown:
        shown = next(
            (
                m.group(0)
                for m in DOC_NUMBER.finditer(text)
                if number_key(m.group(0)) == number_key(name)
                or number_key(m.group(0)).startswith(name)
            ),
            None,
        )
        out.append(shown or name)
    return out


def foreign_bodies(question: str, scopes: Iterable[str | None]) -> list[str]:
    """Ministries, sectors, provinces or units whose own rules the question asks about and
    that no loaded document is scoped to ("Bộ Xây dựng", "ngành Giao thông vận tải")."""
    text = normalize_chars(question)
    known = [scope_key(s) for s in scopes if s]
    found: list[str] = []
    for pattern, prefix in ((_BODY, ""), (_PROVINCE, ""), (_SECTOR, "ngành ")):
        for m in pattern.finditer(text):
            body = prefix + _TRAILING.sub("", m.group("body")).strip(" ,")
            key = scope_key(body)
            if any(key in scope_key(f) for f in found):
                continue
            if any(key.startswith(scope_key(b)) for b in NATIONAL_BODIES):
                continue
            if any(k and (k in key or key in k) for k in known):
                continue
            if body not in found:
                found.append(body)
    return found


def notes_for(
    question: str,
    naming: Naming,
    kinds: dict[str, str],
    scopes: Sequence[str | None],
    answered: bool,
) -> list[str]:
    """The notes for an answer (nothing is said about an unanswered question here)."""
    notes = [replaced_note(old, new, kinds) for old, new in naming.replaced]
    if not answered:
        return notes
    notes += [not_loaded_note(name) for name in unknown_names(question, naming)]
    notes += [own_rules_note(body) for body in foreign_bodies(question, scopes)]
    return notes
