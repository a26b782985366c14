"""Direct references in a question: "điều 84", "khoản 2 điều 84", "đ84", "điều 84 luật 06/2022".

Officers who know the article they want should get it, not a ranking of look-alikes.
Works on text with or without diacritics.
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
