"""Question → ranked, cited answers over the stored knowledge base.

The engine keeps an immutable :class:`SearchIndex` snapshot for one knowledge-base version.
A refresh builds the next snapshot from the database (tokens are stored, nothing is
re-segmented) and swaps it in only when complete, so answers never come from a half-built
index and other bot instances pick up an update by noticing the new version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from knowledge.citation import render_citation
from knowledge.model import STATUS_LABELS, UNIT_ARTICLE, DocumentMeta
from knowledge.store import IndexRow, KnowledgeStore
from retrieval.bm25 import BM25Scorer
from retrieval.text import tokenize

CANDIDATES = 60
"""Passages scored in detail per query before grouping by article."""


@dataclass
class Answer:
    """One result: the best passage of one unit (article/section), with its citation."""

    rank: int
    score: float
    passage_id: int
    unit_id: int
    document_number: str
    document_title: str
    document_status: str
    document_kind: str
    unit_kind: str
    unit_label: str
    unit_title: str
    clause: str | None
    point: str | None
    paragraph: int | None
    citation: str
    text: str
    other_passages: list[int] = field(default_factory=list)

    @property
    def article(self) -> int | str | None:
        if self.unit_kind != UNIT_ARTICLE:
            return None
        return int(self.unit_label) if self.unit_label.isdigit() else self.unit_label

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.document_status, self.document_status)

    def to_json(self) -> dict[str, object]:
        """The public JSON shape of ``tdkt ask --json``."""
        return {
            "rank": self.rank,
            "document_number": self.document_number,
            "document_title": self.document_title,
            "document_status": self.document_status,
            "article": self.article,
            "clause": int(self.clause) if self.clause and self.clause.isdigit() else self.clause,
            "point": self.point,
            "citation": self.citation,
            "text": self.text,
            "score": round(self.score, 4),
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def row_meta(row: IndexRow) -> DocumentMeta:
    return DocumentMeta(
        number=row.document_number, kind=row.document_kind, title=row.document_title,
        status=row.document_status,
    )


def row_citation(row: IndexRow) -> str:
    return render_citation(
        row_meta(row), row.unit_kind, row.unit_label, row.unit_title, row.clause, row.point,
        row.paragraph, row.unit_part,
    )


class SearchIndex:
    """An immutable snapshot: passages of one knowledge-base version and their BM25 scorer."""

    def __init__(self, rows: Sequence[IndexRow], version: int) -> None:
        self.rows = list(rows)
        self.version = version
        self.fields = [
            (r.unit_title_tokens.split() if r.unit_title_tokens else [])
            + (r.tokens.split() if r.tokens else [])
            for r in self.rows
        ]
        self.scorer = BM25Scorer(self.fields)
        self.position = {r.passage_id: i for i, r in enumerate(self.rows)}

    def __len__(self) -> int:
        return len(self.rows)

    def search(self, query_tokens: Sequence[str], k: int) -> list[Answer]:
        """Top ``k`` units for the tokens, each with its best passage."""
        hits = self.scorer.top(query_tokens, max(CANDIDATES, k * 8))
        by_unit: dict[int, list[tuple[int, float]]] = {}
        for i, score in hits:
            by_unit.setdefault(self.rows[i].unit_id, []).append((i, score))
        ranked = sorted(by_unit.values(), key=lambda group: -group[0][1])[:k]
        answers = []
        for rank, group in enumerate(ranked, start=1):
            best, score = group[0]
            answers.append(self.answer(best, score, rank, [self.rows[i].passage_id
                                                           for i, _ in group[1:]]))
        return answers

    def answer(self, i: int, score: float, rank: int, others: list[int]) -> Answer:
        r = self.rows[i]
        return Answer(
            rank=rank, score=score, passage_id=r.passage_id, unit_id=r.unit_id,
            document_number=r.document_number, document_title=r.document_title,
            document_status=r.document_status, document_kind=r.document_kind,
            unit_kind=r.unit_kind, unit_label=r.unit_label, unit_title=r.unit_title,
            clause=r.clause, point=r.point, paragraph=r.paragraph, citation=row_citation(r),
            text=r.text, other_passages=others,
        )


class SearchEngine:
    """Answers questions from the current knowledge base, refreshing when it changes."""

    def __init__(
        self,
        store: KnowledgeStore,
        *,
        tokenizer: Callable[[str], list[str]] = tokenize,
        check_interval: float = 2.0,
    ) -> None:
        self.store = store
        self.tokenizer = tokenizer
        self.check_interval = check_interval
        self._index: SearchIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def index(self) -> SearchIndex:
        """The current snapshot; rebuilt when the stored version moved on."""
        now = time.monotonic()
        if self._index is None or now - self._checked_at >= self.check_interval:
            self._checked_at = now
            version = self.store.current_version()
            if self._index is None or version != self._index.version:
                self.refresh(version)
        assert self._index is not None
        return self._index

    def refresh(self, version: int | None = None) -> SearchIndex:
        """Build a snapshot from the database and swap it in once complete."""
        with self._lock:
            version = self.store.current_version() if version is None else version
            if self._index is not None and self._index.version == version:
                return self._index
            index = SearchIndex(list(self.store.index_rows()), version)
            self._index = index
            return index

    def search(self, question: str, k: int = 5) -> list[Answer]:
        """Ranked answers; an empty list means nothing relevant is in the knowledge base."""
        tokens = self.tokenizer(question)
        if not tokens:
            return []
        index = self.index
        answers = index.search(tokens, k)
        if answers and not self._relevant(index, tokens, answers[0]):
            return []
        return answers

    def _relevant(self, index: SearchIndex, tokens: Sequence[str], best: Answer) -> bool:
        """Decline when the best passage shares too little of the question's vocabulary."""
        row_tokens = set(index.fields[index.position[best.passage_id]])
        content = [t for t in set(tokens) if "_" in t or len(t) > 3]
        if not content:
            return True
        covered = sum(1 for t in content if t in row_tokens)
        return covered / len(content) >= 0.5
