"""What one index snapshot holds, looked up without the database.

Answering a question needs more than the ranked passages: a point's clause lead-in, whether a
referenced article exists, the name of the document that replaced an expired one. All of it is
already in the snapshot's rows, so the answer's hot path reads no database (it used to re-read
5–25 rows per question), and it always agrees with the version the answer came from.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.citation import document_name
from knowledge.model import KIND_LABELS, STATUS_IN_FORCE, DocumentMeta, number_key
from knowledge.store import IndexRow
from retrieval.engine import SearchIndex
from retrieval.text import fold, tokenize


@dataclass(frozen=True)
class LoadedDocument:
    """A document of the snapshot: what citations, status lines and references need."""

    number: str
    kind: str
    title: str
    status: str
    replaced_by: str | None
    scope: str | None

    @property
    def meta(self) -> DocumentMeta:
        return DocumentMeta(
            number=self.number,
            kind=self.kind,
            title=self.title,
            status=self.status,
            replaced_by=self.replaced_by,
            scope=self.scope,
        )

    @property
    def name(self) -> str:
        """ "Luật Thi đua, khen thưởng số 06/2022/QH15", as inside a citation."""
        return document_name(self.meta)


class LoadedKnowledge:
    """Documents by number and title, units by (document, label), a unit's passages."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.documents: dict[str, LoadedDocument] = {}
        self._labels: set[tuple[str, str]] = set()
        self._title_tokens: dict[str, frozenset[str]] | None = None
        self._title_names: list[tuple[str, LoadedDocument]] | None = None
        for r in index.rows:
            key = number_key(r.document_number)
            if key not in self.documents:
                self.documents[key] = LoadedDocument(
                    r.document_number,
                    r.document_kind,
                    r.document_title,
                    r.document_status,
                    r.document_replaced_by,
                    r.document_scope,
                )
            self._labels.add((key, r.unit_label.lower()))

    def document(self, number: str | None) -> LoadedDocument | None:
        return self.documents.get(number_key(number)) if number else None

    def by_title(self, text: str) -> LoadedDocument | None:
        """The document whose name starts ``text`` ("Luật Thi đua, khen thưởng, có…"),
        preferring documents in force."""
        wanted = fold(text)
        if self._title_names is None:  # folded once per snapshot, not per reference
            self._title_names = [
                (fold(d.title.split("(")[0].strip().rstrip(",")), d)
                for d in self.documents.values()
            ]
        found = [d for name, d in self._title_names if name and wanted.startswith(name)]
        found.sort(key=lambda d: (d.status != STATUS_IN_FORCE, -len(d.title)))
        return found[0] if found else None

    def named(self, words: Iterable[str]) -> LoadedDocument | None:
        """The document a loose name points to: every given word is a word of its kind or
        title ("luật thi_đua khen_thưởng" → the Luật Thi đua, khen thưởng), in force first,
        then the shortest title (the law itself before its consolidated version)."""
        wanted = {w for w in words if w}
        if not wanted:
            return None
        if self._title_tokens is None:
            self._title_tokens = {
                key: frozenset(tokenize(f"{KIND_LABELS.get(d.kind, '')} {d.title}"))
                for key, d in self.documents.items()
            }
        found = [
            self.documents[key] for key, tokens in self._title_tokens.items() if wanted <= tokens
        ]
        found.sort(key=lambda d: (d.status != STATUS_IN_FORCE, len(d.title)))
        return found[0] if found else None

    def has_unit(self, number: str, label: str) -> bool:
        return (number_key(number), label.lower()) in self._labels

    def unit_passages(self, unit_id: int) -> list[IndexRow]:
        """The unit's passages in document order ([] if the unit is not in the snapshot)."""
        fields = self.index.field_index
        u = fields.unit_index.get(unit_id)
        return [] if u is None else [self.index.rows[i] for i in fields.unit_rows[u]]

    def display_name(self, number: str | None) -> str | None:
        """How to name a (replacing) document: its citation name if loaded, else its number."""
        if not number:
            return None
        doc = self.document(number)
        return doc.name if doc is not None else number


_cache: weakref.WeakKeyDictionary[SearchIndex, LoadedKnowledge] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def loaded(index: SearchIndex) -> LoadedKnowledge:
    """The lookups of ``index``, built once per snapshot (on the first question after a
    refresh) and dropped with it."""
    with _lock:
        found = _cache.get(index)
        if found is None:
            found = _cache[index] = LoadedKnowledge(index)
        return found
