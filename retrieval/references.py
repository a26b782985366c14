"""References to articles: in a question ("điều 84", "khoản 2 điều 84", "đ84", "điều 84 luật
06/2022") and inside a passage ("khoản 2 Điều 83 của Luật này").

Officers who know the article they want should get it, not a ranking of look-alikes; an
answer that points to another article gets a button that opens it. Questions are read with or
without diacritics; passages are the documents' own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text import DOC_NUMBER, canonical_doc_number, nfc, strip_diacritics


@dataclass(frozen=True)
class Reference:
    article: str
    clause: str | None = None
    point: str | None = None
    document: str | None = None
    span: tuple[int, int] = (0, 0)


_REF = re.compile(
    r"(?:\bdiem\s+(?P<point>[a-z])\s*,?\s*)?"
    r"(?:\b(?:khoan|k)\s*(?P<clause>\d{1,2})\s*,?\s*)?"
    r"\b(?:dieu|d)\s*\.?\s*(?P<article>\d{1,3}[a-z]?)\b",
)
_PARTIAL_NUMBER = re.compile(r"\b(\d{1,4}/\d{4}(?:/[a-z0-9-]+)?|\d{1,5}/[a-z]+-[a-z0-9]+)\b")


def find_reference(question: str) -> Reference | None:
    """The first article reference in ``question``, with clause, point and document if named."""
    plain = strip_diacritics(nfc(question)).lower()
    m = _REF.search(plain)
    if not m:
        return None
    document = None
    full = DOC_NUMBER.search(nfc(question))
    if full:
        document = canonical_doc_number(full.group(0))
    elif partial := _PARTIAL_NUMBER.search(plain):
        document = partial.group(1)
    return Reference(
        article=m.group("article"),
        clause=m.group("clause"),
        point=m.group("point"),
        document=document,
        span=m.span(),
    )


def document_matches(reference: str, number: str) -> bool:
    """Does a (possibly partial, unaccented) number like "06/2022" name ``number``?"""
    want = strip_diacritics(reference).lower()
    have = strip_diacritics(canonical_doc_number(number))
    return have == want or have.startswith(want + "/") or want in have


# -- references inside a passage ------------------------------------------------------------------


@dataclass(frozen=True)
class PassageReference:
    """ "khoản 2 Điều 83 của Luật này": ``label`` 83, ``scope`` same/number/title."""

    text: str
    label: str
    scope: str  # "same" | "number" | "title"
    value: str = ""


_REFERENCE = re.compile(
    r"(?:\bđiểm\s+[a-zđ]\s+)?"
    r"(?:\b(?:các\s+)?khoản\s+\d{1,3}(?:\s*(?:,|và|hoặc)\s*(?:khoản\s+)?\d{1,3})*\s+)?"
    r"\bĐiều\s+(?P<label>\d{1,3}[a-z]?)\b",
    re.IGNORECASE,
)
_KINDS = r"(?:Bộ luật|Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh|Quy chế|Hướng dẫn)"
_SAME_DOC = re.compile(rf"^\s*,?\s*(?:của\s+)?(?:{_KINDS}|văn bản)\s+này\b", re.IGNORECASE)
_NAMED_DOC = re.compile(rf"^\s*,?\s*(?:của\s+)?(?P<kind>{_KINDS})\b(?P<rest>[^;\n]{{0,90}})")
_LIST_GAP = re.compile(r"^\s*(?:,|;|và|hoặc|,\s*và)\s*$", re.IGNORECASE)


def find_references(text: str) -> list[PassageReference]:
    """References to other articles in ``text``, in order, without duplicates.

    "khoản 2 Điều 12, khoản 7 Điều 84 của Luật Thi đua, khen thưởng": both belong to the law
    named after the list. A bare "Điều 84" means the same document.
    """
    matches = [
        m
        for m in _REFERENCE.finditer(text)
        if not re.search(r"(^|\n)[\s“\"]*$", text[: m.start()])  # an article heading
    ]
    scopes: list[tuple[str, str]] = [("same", "")] * len(matches)
    for i in range(len(matches) - 1, -1, -1):
        m = matches[i]
        nxt = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        gap = text[m.end() : nxt]
        if i + 1 < len(matches) and _LIST_GAP.match(gap):
            scopes[i] = scopes[i + 1]
            continue
        tail = text[m.end() : m.end() + 120]
        if _SAME_DOC.match(tail):
            scopes[i] = ("same", "")
            continue
        named = _NAMED_DOC.match(tail)
        if named:
            rest = named.group("rest")
            rest = re.split(r"\bĐiều\b", rest)[0]
            number = DOC_NUMBER.search(rest)
            if number and number.start() <= 6:
                scopes[i] = ("number", re.sub(r"\s+", "", number.group(0)))
            else:  # "của Luật Thi đua, khen thưởng, có…": resolved by title prefix later
                scopes[i] = ("title", f"{named.group('kind')} {rest.strip()}".strip())
    seen: set[tuple[str, str, str]] = set()
    found: list[PassageReference] = []
    for m, (scope, value) in zip(matches, scopes, strict=True):
        key = (m.group("label"), scope, value)
        if key in seen:
            continue
        seen.add(key)
        shown = " ".join(m.group(0).split())
        found.append(PassageReference(shown[0].upper() + shown[1:], m.group("label"), scope, value))
    return found
