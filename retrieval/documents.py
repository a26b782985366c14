"""Which loaded documents a question names: "nghị định 152", "luật 2003", "16/VBHN-VPQH".

Officers name documents loosely: the full number, the number without its issuer code, the
kind and the leading number, the kind and the year, or "luật cũ". Everything here is derived
from the metadata of the loaded documents (number, kind, title, status), so a Thông tư an admin
adds tomorrow is recognised the same way, and nothing lists today's documents by hand.

A question that names a document the knowledge base does not hold ("Thông tư 15/2025/TT-BNV"
before it is loaded) is reported too. When a loaded document replaced it (the manifest's
``replaces``, or the replacing text's own clause: "Nghị định số 98/2023/NĐ-CP … hết hiệu lực kể
từ ngày Nghị định này có hiệu lực"), the question names the replacement instead and the
engine says so; otherwise the engine answers from the general provisions with a note, or
declines when the question is not about the field at all.
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
    cites: frozenset[str] = frozenset()
    """Plain keys of the numbers its title cites: a consolidated text answers to the laws it
    merges ("15/2003/QH11")."""


@dataclass(frozen=True)
class Naming:
    """Documents the question names (loaded ones by number) and names that match none."""

    documents: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    replaced: tuple[tuple[str, str], ...] = ()
    """(number of a document that is not loaded, number of the loaded one that replaced it);
    the replacement is in :attr:`documents` too."""


_ENDING = re.compile(r"hết hiệu lực|thay thế|bãi bỏ")
_KIND_CODES = {
    "nd": "nghi dinh",
    "qd": "quyet dinh",
    "tt": "thong tu",
    "qh": "luat",
    "nq": "nghi quyet",
    "ct": "chi thi",
    "cv": "cong van",
}
"""Issuer-code prefixes of a number and the kind they mean ("98/2023/NĐ-CP" is a decree)."""


def kind_label_of(number: str) -> str | None:
    """The kind a document number's issuer code implies ("98/2023/NĐ-CP" → "Nghị định")."""
    parts = plain(canonical_doc_number(number)).split("/")
    code = parts[-1].split("-")[0] if len(parts) > 1 else ""
    kind = _KIND_CODES.get(code)
    return kind and next((label for label in KIND_LABELS.values() if plain(label) == kind), None)


def replaced_in_texts(rows: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(old number, replacing number) from each document's own closing clause: a passage that
    says "có hiệu lực" and "hết hiệu lực" / "thay thế" / "bãi bỏ" about other numbers
    ("Nghị định số 98/2023/NĐ-CP … hết hiệu lực kể từ ngày Nghị định này có hiệu lực").
    ``rows``: (document number, passage text)."""
    out: list[tuple[str, str]] = []
    for number, text in rows:
        if "hiệu lực" not in text:
            continue
        lowered = text.lower()
        if "có hiệu lực" not in lowered or not _ENDING.search(lowered):
            continue
        own = canonical_doc_number(number)
        for cited in DOC_NUMBER.findall(text):
            if canonical_doc_number(cited) != own and "/" in cited.strip("/"):
                out.append((" ".join(cited.split()), number))
    return out


class DocumentCatalog:
    """Loaded documents and the ways a question may name them."""

    def __init__(
        self,
        documents: Iterable[tuple[str, str, str, str]],
        replaced: Iterable[tuple[str, str]] = (),
    ) -> None:
        """``documents``: (number, kind, title, status) of every loaded document;
        ``replaced``: (number of an earlier document, loaded number that replaced it)."""
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
            cites = {plain(canonical_doc_number(c)) for c in DOC_NUMBER.findall(title)}
            for cited in cites:
                years.update(_YEAR.findall(cited))
            lead = _LEAD.match(key)
            self.entries.append(
                CatalogEntry(
                    number=number,
                    key=key,
                    kinds=frozenset(kinds),
                    lead=lead.group(1).lstrip("0") if lead else "",
                    years=frozenset(years),
                    status=status,
                    cites=frozenset(cites),
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
        loaded = {e.key for e in self.entries}
        self.replaced: dict[str, tuple[str, str]] = {}
        """plain key of a replaced number → (its number as written, replacing number)"""
        for old, new in replaced:
            key = plain(canonical_doc_number(old))
            if key not in loaded and any(e.number == new for e in self.entries):
                self.replaced.setdefault(key, (old, new))

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

        replaced: list[tuple[str, str]] = []

        def not_loaded(name: str, span: tuple[int, int], kind: str | None = None) -> None:
            """A name no loaded document answers to: the document that replaced it, if any."""
            by = self._replacement(name, kind)
            spans.append(span)  # the name says which text, not what about
            if by is None:
                unknown.append(name)
                return
            old, new = by
            if (old, new) not in replaced:
                replaced.append((old, new))
            if new not in found:
                found.append(new)

        for m in _CODED_NUMBER.finditer(text):
            want = m.group(0)
            hits = [e for e in self.entries if e.key == want or e.key.startswith(want + "/")]
            hits = hits or [e for e in self.entries if want in e.cites]
            if hits:
                add(hits, self._with_kind(text, m.span()))
            else:
                not_loaded(want, self._with_kind(text, m.span()))
        for m in _PARTIAL_NUMBER.finditer(text):
            lead, year = m.group(1).lstrip("0"), m.group(2)
            hits = [e for e in self.entries if e.lead == lead and year in e.years]
            if hits:
                add(hits, self._with_kind(text, m.span()))
            elif self._kind_before.search(text[: m.start()]):
                not_loaded(m.group(0), self._with_kind(text, m.span()))
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
                not_loaded(f"{kind} {m.group(2)}", m.span(), kind)
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
        return Naming(
            tuple(found), tuple(dict.fromkeys(unknown)), tuple(sorted(spans)), tuple(replaced)
        )

    def _replacement(self, name: str, kind: str | None = None) -> tuple[str, str] | None:
        """(replaced number as written, replacing number) for a name of a document that is
        not loaded: its full number, "98/2023", or a kind and its lead number ("nghị định
        98"); None unless exactly one replaced document fits."""
        if not self.replaced:
            return None
        if name in self.replaced:
            return self.replaced[name]
        lead = _LEAD.match(name.split()[-1])
        want_lead = lead.group(1).lstrip("0") if lead else ""
        year = _YEAR.search(name)
        fits = []
        for key, value in self.replaced.items():
            parts = key.split("/")
            if parts[0].lstrip("0") != want_lead:
                continue
            if year and year.group(1) not in parts[1:2]:
                continue
            code = parts[-1].split("-")[0] if len(parts) > 1 else ""
            if kind and _KIND_CODES.get(code, kind) != kind:
                continue
            fits.append(value)
        return fits[0] if len(fits) == 1 else None
