"""Which loaded documents a question names: "nghị định 152", "luật 2003", "16/VBHN-VPQH".

Officers name documents loosely: the full number, the number without its issuer code, the
kind and the leading number, the kind and the year, or "luật cũ". Everything here is derived
from the metadata of the loaded documents (number, kind, title, status), so a Thông tư an admin
adds tomorrow is recognised the same way, and nothing lists today's documents by hand.

A question that names a document the knowledge base does not hold ("Thông tư 15/2025/TT-BNV"
before it is loaded) is reported too: the engine declines rather than answer from another text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.model import KIND_LABELS, STATUS_EXPIRED
from retrieval.text import DOC_NUMBER, canonical_doc_number, strip_diacritics

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_LEAD = re.compile(r"^(\d+)")
# A number with an issuer code (letters): 06/2022/QH15, 16/VBHN-VPQH, 15/2025/TT-BNV.
_CODED_NUMBER = re.compile(r"\b\d{1,5}/(?:\d{4}/)?[a-z]+[a-z0-9]*(?:-[a-z0-9]+)*\b")
_PARTIAL_NUMBER = re.compile(r"(?<![\d/])(\d{1,5})/((?:19|20)\d\d)\b(?!/)")
"""06/2022, 152/2025 — but not the end of a date (18/4/2023) nor part of a full number."""
_OLD = ("cu", "het hieu luc", "truoc day")
"""Words after a kind that mean "the superseded one": luật cũ, luật đã hết hiệu lực."""


def plain(text: str) -> str:
    """Lowercase, no diacritics, punctuation (except / and -) as spaces: what names match on."""
    return " ".join(aligned(text).split())


def aligned(text: str) -> str:
    """Like :func:`plain` but character for character the same length as ``text``, so that
    spans found in it cut the same words out of ``text`` (Vietnamese letters strip to one
    letter each)."""
    return re.sub(r"[^\w/\-]", " ", strip_diacritics(text.lower()))


@dataclass(frozen=True)
class CatalogEntry:
    number: str
    key: str  # canonical, unaccented: "152/2025/nd-cp"
    kinds: frozenset[str]  # unaccented kind words: {"nghi dinh"}
    lead: str  # leading number without zeros: "152"
    years: frozenset[str]
    status: str


@dataclass(frozen=True)
class Naming:
    """Documents the question names (loaded ones by number) and names that match none."""

    documents: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)


class DocumentCatalog:
    """Loaded documents and the ways a question may name them."""

    def __init__(self, documents: Iterable[tuple[str, str, str, str]]) -> None:
        """``documents``: (number, kind, title, status) of every loaded document."""
        self.entries: list[CatalogEntry] = []
        kind_words: set[str] = set()
        for number, kind, title, status in documents:
            key = plain(canonical_doc_number(number))
            kinds = {plain(KIND_LABELS.get(kind, ""))} - {""}
            # "Luật Thi đua, khen thưởng (hợp nhất ...)" is a consolidated text officers call
            # "luật": the kind word a title starts with counts as well.
            title_plain = plain(title)
            for label in KIND_LABELS.values():
                word = plain(label)
                if title_plain.startswith(word + " "):
                    kinds.add(word)
            years = set(_YEAR.findall(key.split("/")[1] if key.count("/") >= 2 else ""))
            # "(hợp nhất Luật số 15/2003/QH11, ...)": a consolidated text is also named by the
            # years of the laws it merges ("luật 2003").
            for cited in DOC_NUMBER.findall(title):
                years.update(_YEAR.findall(plain(cited)))
            lead = _LEAD.match(key)
            self.entries.append(
                CatalogEntry(
                    number=number, key=key, kinds=frozenset(kinds),
                    lead=lead.group(1).lstrip("0") if lead else "", years=frozenset(years),
                    status=status,
                )
            )
            kind_words |= kinds
        all_kinds = {plain(label) for label in KIND_LABELS.values()} | kind_words
        kinds_re = "|".join(sorted((re.escape(k) for k in all_kinds if k), key=len, reverse=True))
        self._kind_number = re.compile(rf"\b({kinds_re})\s+(?:so\s+)?(\d{{1,5}})(?![\d/])")
        self._kind_year = re.compile(
            rf"\b({kinds_re})\b(?:\s+[a-z]+){{0,6}}?\s+(?:nam\s+)?((?:19|20)\d\d)\b"
        )
        self._kind_before = re.compile(rf"\b(?:{kinds_re})\s+(?:so\s+)?$")
        self._status_words = re.compile(r"\s*(?:da\s+)?(?:het\s+hieu\s+luc|cu)\b")
        self._kind_old = re.compile(
            rf"\b({kinds_re})\b(?:\s+[a-z]+){{0,6}}?\s+(?:da\s+)?(?:{'|'.join(_OLD)})\b"
        )

    def _with_kind(self, text: str, span: tuple[int, int]) -> tuple[int, int]:
        """Widen a number's span over the kind before it: "nghị định (số) 152/2025"."""
        m = self._kind_before.search(text[: span[0]])
        return (m.start(), span[1]) if m else span

    def _by_kind(self, kind: str) -> list[CatalogEntry]:
        return [e for e in self.entries if kind in e.kinds]

    def name(self, question: str) -> Naming:
        """The documents ``question`` names, where (spans of ``question``), and numbers that
        match no loaded document."""
        text = aligned(question)
        found: list[str] = []
        unknown: list[str] = []
        spans: list[tuple[int, int]] = []

        def add(entries: Iterable[CatalogEntry], span: tuple[int, int]) -> None:
            for e in entries:
                if e.number not in found:
                    found.append(e.number)
            spans.append(span)

        for m in _CODED_NUMBER.finditer(text):
            want = m.group(0)
            hits = [e for e in self.entries if e.key == want or e.key.startswith(want + "/")]
            if hits:
                add(hits, self._with_kind(text, m.span()))
            else:
                unknown.append(want)
        for m in _PARTIAL_NUMBER.finditer(text):
            lead, year = m.group(1).lstrip("0"), m.group(2)
            hits = [e for e in self.entries if e.lead == lead and year in e.years]
            if hits:
                add(hits, self._with_kind(text, m.span()))
            elif self._kind_before.search(text[: m.start()]):
                unknown.append(m.group(0))
        for m in self._kind_number.finditer(text):
            if any(s[0] <= m.start(2) < s[1] for s in spans):
                continue
            kind, number = m.group(1), m.group(2).lstrip("0")
            candidates = self._by_kind(kind)
            hits = [e for e in candidates if e.lead == number]
            if not hits and _YEAR.fullmatch(m.group(2)):
                hits = [e for e in candidates if m.group(2) in e.years]
            if hits:
                add(hits, m.span())
            else:
                unknown.append(f"{kind} {m.group(2)}")
        for m in self._kind_year.finditer(text):
            if any(s[0] <= m.start(2) < s[1] for s in spans):
                continue
            hits = [e for e in self._by_kind(m.group(1)) if m.group(2) in e.years]
            if hits:
                add(hits, m.span())
        for m in self._kind_old.finditer(text):
            hits = [e for e in self._by_kind(m.group(1)) if e.status == STATUS_EXPIRED]
            if hits:
                add(hits, m.span())
        # A year-named law followed by "(đã hết hiệu lực)" / "cũ": those words name it too.
        for m in self._status_words.finditer(text):
            if any(s[1] <= m.start() <= s[1] + 3 for s in spans):
                spans.append(m.span())
        return Naming(tuple(found), tuple(dict.fromkeys(unknown)), tuple(sorted(spans)))
