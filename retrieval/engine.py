"""Question → ranked, cited answers over the stored knowledge base.

The engine keeps an immutable :class:`SearchIndex` snapshot for one knowledge-base version.
A refresh builds the next snapshot from the database (tokens are stored, nothing is
re-segmented) and swaps it in only when complete, so answers never come from a half-built
index and other bot instances pick up an update by noticing the new version.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from knowledge.model import STATUS_LABELS, CitedPassage
from knowledge.store import IndexRow, KnowledgeStore
from retrieval import awards
from retrieval.documents import DocumentCatalog, replaced_in_texts
from retrieval.fields import FieldIndex, opening_tokens
from retrieval.intent import IntentVocabulary, QuestionReader, QuestionReading
from retrieval.lexicon import Lexicon, LexiconError, load_lexicon
from retrieval.notes import notes_for
from retrieval.params import DEFAULT_PARAMS, DEFAULT_TECHNIQUES, Params, Techniques
from retrieval.query import AnalyzedQuery, QueryAnalyzer
from retrieval.ranking import Hit, Ranker
from retrieval.spelling import SpellingCorrector
from retrieval.text import tokenize
from retrieval.vocabulary import DiacriticRestorer

log = logging.getLogger(__name__)


@dataclass
class Answer(CitedPassage):
    """One result: the best passage of one unit (article/section), with its citation."""

    rank: int
    score: float
    paragraph: int | None
    other_passages: list[int] = field(default_factory=list)
    direct_reference: bool = False
    """True when the question cited this article ("khoản 2 điều 84"), not found by ranking."""
    lead_in: str | None = None
    """For a point ("c) ..."), its clause's lead-in ("2. Hồ sơ ... gồm:"), to show above it."""
    whole_unit: bool = False
    """The whole article answers (an enumeration question and the list it asks for):
    show all its passages (``other_passages``, in order) with the first."""

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
            "document_scope": self.document_scope,
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class SearchResult:
    """Everything the engine knows about one question: the answers, the notes that go with
    them, how the question was read, and the question as corrected (for "Có phải bạn hỏi:
    …"). ``answers`` empty: nothing relevant is loaded."""

    question: str
    answers: list[Answer]
    notes: list[str] = field(default_factory=list)
    """Plain Vietnamese sentences: a replaced or not-loaded document, another body's rules."""
    reading: QuestionReading | None = None
    corrected: str | None = None
    """The question with its spelling corrected, when a correction was needed."""
    weak: bool = False
    """The best answer is only the closest provision ("gần nhất với câu hỏi"): answered
    because the question is about the field, not because the texts cover it well."""
    facet: awards.FacetAnswer | None = None
    """The question read as one facet of an award's card ("hồ sơ hclđ hạng ba"): the first
    answer is then that facet's first provision."""

    def to_json(self) -> dict[str, object]:
        """The public JSON shape of ``tdkt ask --json``."""
        out: dict[str, object] = {
            "query": self.question,
            "corrected": self.corrected,
            "notes": list(self.notes),
            "weak": self.weak,
            "reading": self.reading.to_json() if self.reading is not None else None,
            "answers": [a.to_json() for a in self.answers],
        }
        if self.facet is not None:
            out["award"] = self.facet.card.name
            out["facet"] = self.facet.facet
        return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a snapshot is built: the build allocates a few hundred thousand
    long-lived objects, and the collections they trigger rescan all of them for nothing (a third
    of the build time at 100k passages). Reference counting still frees garbage meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SearchIndex:
    """An immutable snapshot: passages of one knowledge-base version, their fields and scorers,
    and the vocabularies query analysis needs (diacritic restoration, document names), all built
    once here so that a question costs only its own analysis and scoring."""

    def __init__(
        self,
        rows: Sequence[IndexRow],
        version: int,
        *,
        params: Params = DEFAULT_PARAMS,
        techniques: Techniques = DEFAULT_TECHNIQUES,
        lexicon: Lexicon | None = None,
        tokenizer: Callable[[str], list[str]] = tokenize,
        locality: str | None = None,
    ) -> None:
        self.rows = list(rows)
        self.version = version
        self.locality = locality
        self.params = params
        self.techniques = techniques
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self.lexicon_intents = IntentVocabulary.load()
        self.field_index = FieldIndex(self.rows, k1=params.k1, b=params.b)
        # The body field (a passage with its clause lead-in) and its scorer; kept under these
        # names for tools that time the raw scorer (retrieval.benchmark).
        self.fields = self.field_index.body
        self.scorer = self.field_index.body_scorer
        self.position = {r.passage_id: i for i, r in enumerate(self.rows)}
        self._openings: dict[tuple[int, bool], frozenset[str]] = {}
        """Opening words of award-card provisions, read on first use (see _opening_match)."""
        self.reader = self._reader()
        self.ranker = Ranker(
            self.rows,
            self.field_index,
            params,
            techniques,
            self.lexicon.stopwords,
            reader=self.reader,
            locality=locality,
        )
        self.restorer = DiacriticRestorer(
            (*self.field_index.heading, *self.field_index.passages),
            question_language=self._question_language(tokenizer),
        )
        documents = list({r.document_number: r for r in self.rows}.values())
        self.kinds = {d.document_number: d.document_kind for d in documents}
        self.scopes = [d.document_scope for d in documents]
        replaced = [(old, d.document_number) for d in documents for old in d.document_replaces]
        replaced += replaced_in_texts((r.document_number, r.text) for r in self.rows)
        self.catalog = DocumentCatalog(
            (
                (d.document_number, d.document_kind, d.document_title, d.document_status)
                for d in documents
            ),
            replaced,
        )
        article_df = self.field_index.article_scorer.document_frequency
        self.analyzer = QueryAnalyzer(
            self.lexicon,
            self.restorer,
            self.catalog,
            techniques,
            tokenizer=tokenizer,
            known=lambda token: article_df(token) > 0,
            reader=self.reader,
            corrector=SpellingCorrector(
                self.restorer.unigrams,
                self.restorer.bigrams,
                protected=(s for p in self.lexicon.stopwords for s in p.split()),
            ),
        )

    def _reader(self) -> QuestionReader:
        """The question reader of this knowledge base: awards from its headings and lists,
        domain words from its documents' titles (see :mod:`retrieval.intent`)."""
        units: dict[int, tuple[str, list[str]]] = {}
        for r in self.rows:
            units.setdefault(r.unit_id, (r.unit_title or "", []))[1].append(r.text)
        titles = list({r.document_number: r.document_title for r in self.rows}.values())
        return QuestionReader.build(units.values(), titles, self.lexicon_intents)

    def _question_language(self, tokenizer: Callable[[str], list[str]]) -> list[list[str]]:
        """Phrases of the officers' question language, from the vocabulary data files."""
        return [tokenizer(p) for p in sorted(self._question_phrases())]

    def _question_phrases(self) -> set[str]:
        lex = self.lexicon
        phrases = {*lex.stopwords, *lex.abbreviations.values()}
        phrases.update(w for rule in lex.rules for w in rule.when)
        return phrases

    def analyze(self, question: str) -> AnalyzedQuery:
        return self.analyzer.analyze(question)

    def __len__(self) -> int:
        return len(self.rows)

    def search(self, query: AnalyzedQuery | Sequence[str], k: int) -> list[Answer]:
        """Top ``k`` units, each with its best passage; [] when nothing relevant is loaded
        (see :meth:`ask`)."""
        return self.ask(query, k).answers

    def ask(self, query: AnalyzedQuery | Sequence[str], k: int) -> SearchResult:
        """Top ``k`` units with the notes that go with them.

        A direct reference ("khoản 2 điều 84") comes first, then (when no document was named)
        the same article of other documents, then what the rest of the question ranks. A
        question naming a document ("luật 2003") gets that document's best article first; one
        naming a replaced document that is not loaded gets the replacement's, with a note. A
        question naming only documents that are not loaded is answered from the general
        provisions with a note when it is about the field, and declined otherwise.
        """
        if not isinstance(query, AnalyzedQuery):
            tokens = tuple(query)
            query = AnalyzedQuery(question=" ".join(tokens), text=" ".join(tokens), tokens=tokens)
        hits: list[Hit] = []
        naming = query.naming
        domain = query.reading.domain_evidence if query.reading is not None else 0
        if query.reference is not None:
            direct = self.ranker.resolve(query)
            named = query.reference.document or naming.documents
            hits = direct[:1] if named else direct
        weak = False
        if len(hits) < k and not (naming.unknown and not naming.documents and not domain):
            exclude = {self.ranker.unit_of(h.passage) for h in hits}
            if naming.documents and not hits:
                # "luật 2003 quy định ...": the named document's best article first.
                named = self.ranker.rank(query, 1, exclude, set(naming.documents))
                if named and self.ranker.relevant(query, named[0]):
                    hits += named
                    exclude.add(self.ranker.unit_of(named[0].passage))
            ranked = self.ranker.rank(query, k - len(hits), exclude)
            if ranked and self.ranker.relevant(query, ranked[0]):
                # Answered on domain evidence alone: the best article would not have been
                # enough for a question using one word of the field.
                weak = (
                    not hits
                    and self.ranker.evidence(query, ranked[0]) < self.params.weak_domain_evidence
                )
                hits += ranked
        facet = None
        if self.techniques.award_cards and query.reference is None and not naming.documents:
            match = self._opening_match(query)
            facet = awards.facet_answer(self, query.reading, match)
            if facet is not None and facet.steers and facet.provision is not None:
                hits, weak = self._facet_first(facet.provision, hits), False
            elif facet is None:
                # "hồ sơ Huân chương Lao động": no hạng, so no card; but when every hạng's card
                # answers with the same provision, it comes first all the same.
                shared = awards.unranked_provision(self, query.reading, match)
                if shared is not None:
                    hits, weak = self._facet_first(shared, hits), False
        answers = [self.answer(h, rank) for rank, h in enumerate(hits[:k], start=1)]
        notes = notes_for(query.question, naming, self.kinds, self.scopes, bool(answers))
        if facet is not None and facet.provision is None and answers:
            # "thời hạn … Chiến sĩ thi đua cơ sở": the card has no such provision; say so
            # above the closest ones rather than let them pass for the award's rule.
            notes.append(awards.no_provision_note([facet.facet], facet.card.name))
        return SearchResult(
            question=query.question,
            answers=answers,
            notes=notes,
            reading=query.reading,
            corrected=query.corrected,
            weak=weak and bool(answers),
            facet=facet,
        )

    def _opening_match(
        self, query: AnalyzedQuery
    ) -> Callable[[awards.Provision], dict[str, float]]:
        """The question's words a provision's opening sentence holds (what its clause is
        about: "Hồ sơ đề nghị tặng … Huân chương các loại … gồm"), with their idf. An award
        card picks among equally specific provisions with it."""
        words = set(query.tokens)
        weight = {t: self.field_index.idf(t) for t in words}
        openings = self._openings

        def match(provision: awards.Provision) -> dict[str, float]:
            key = (provision.row, provision.point is None)
            opening = openings.get(key)
            if opening is None:
                tokens = self.field_index.passages[provision.row]
                opening = openings[key] = frozenset(
                    opening_tokens(provision.text, tokens) if provision.point is None else tokens
                )
            return {t: weight[t] for t in words & opening}

        return match

    def _facet_first(self, provision: awards.Provision, hits: list[Hit]) -> list[Hit]:
        """``hits`` with the award card's provision first (its article once)."""
        unit = self.ranker.unit_of(provision.row)
        members = self.field_index.unit_rows[unit]
        first = Hit(
            provision.row,
            hits[0].score if hits else 0.0,
            tuple(i for i in members if i != provision.row),
        )
        return [first, *(h for h in hits if self.ranker.unit_of(h.passage) != unit)]

    def related(self, query: AnalyzedQuery, k: int = 3) -> list[Answer]:
        """The closest units even when none is relevant enough to answer (no decline check):
        headings the bot suggests when it has to say it found nothing."""
        hits = self.ranker.rank(query, k)
        return [self.answer(h, rank) for rank, h in enumerate(hits, start=1)]

    def answer(self, hit: Hit, rank: int) -> Answer:
        r = self.rows[hit.passage]
        lead = self.field_index.lead_in[hit.passage]
        return Answer(
            rank=rank,
            score=hit.score,
            **r.cited_fields(),
            clause=r.clause,
            point=r.point,
            paragraph=r.paragraph,
            citation=r.citation(),
            text=r.text,
            other_passages=[self.rows[i].passage_id for i in hit.others],
            direct_reference=hit.direct,
            lead_in=self.rows[lead].text if lead is not None else None,
            whole_unit=hit.whole,
        )


class SearchEngine:
    """Answers questions from the current knowledge base, refreshing when it changes."""

    def __init__(
        self,
        store: KnowledgeStore,
        *,
        tokenizer: Callable[[str], list[str]] = tokenize,
        check_interval: float = 2.0,
        params: Params = DEFAULT_PARAMS,
        techniques: Techniques = DEFAULT_TECHNIQUES,
        abbreviation_files: Sequence[Path] = (),
        locality: str | None = None,
    ) -> None:
        """``locality``: where this deployment serves ("tỉnh Bắc Ninh", a unit's name), as
        the documents' scope writes it; its own rules then rank first on their subjects."""
        self.store = store
        self.abbreviation_files = tuple(abbreviation_files)
        self.locality = locality
        self.tokenizer = tokenizer
        self.check_interval = check_interval
        self.params = params
        self.techniques = techniques
        self._index: SearchIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._watched = False

    @property
    def index(self) -> SearchIndex:
        """The current snapshot; rebuilt when the stored version moved on.

        While :meth:`watch` runs (the bot), questions never poll or rebuild: the watcher
        swaps in the new snapshot, so no question waits for a database query or a rebuild.
        """
        if self._watched and self._index is not None:
            return self._index
        return self._poll()

    def _poll(self) -> SearchIndex:
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
            started = time.monotonic()
            with _gc_paused():
                index = SearchIndex(
                    list(self.store.index_rows()),
                    version,
                    params=self.params,
                    techniques=self.techniques,
                    lexicon=self._lexicon(),
                    tokenizer=self.tokenizer,
                    locality=self.locality,
                )
            self._index = index
            log.info(
                "knowledge base version %s loaded: %d passages in %.2f s",
                version,
                len(index),
                time.monotonic() - started,
            )
            return index

    def watch(self, stop: threading.Event) -> None:
        """Poll the stored version every ``check_interval`` seconds until ``stop`` is set.

        An instance also switches when it is idle, so after an update made through another
        instance (or ``tdkt kb``) the next question is answered from the new version without
        waiting for a rebuild; questions stop polling themselves (see :attr:`index`). Errors
        (the database briefly unreachable) are logged and the current snapshot keeps serving.

        Each new snapshot's award cards and spelling deletion indexes are built here, in the
        watcher's thread, so neither start-up nor the first question about an award (or with
        a typo) waits for them.
        """
        self._watched = True
        warmed: SearchIndex | None = None
        while True:
            if self._index is not None and self._index is not warmed:
                warmed = self._index
                try:
                    prepare(warmed)
                except Exception as exc:  # noqa: BLE001 - questions build them if needed
                    log.warning("award cards or spelling index not prepared in advance: %s", exc)
            if stop.wait(self.check_interval):
                return
            try:
                self._poll()
            except Exception as exc:  # noqa: BLE001 - keep watching whatever went wrong
                log.warning("knowledge base version check failed, will retry: %s", exc)

    def _lexicon(self) -> Lexicon:
        """The vocabulary files as they are now (admins edit them without a restart). A file
        broken while the bot runs keeps the last good vocabulary; at start-up it is an error."""
        try:
            return load_lexicon(extra=self.abbreviation_files)
        except LexiconError as exc:
            if self._index is None:
                raise
            log.warning("vocabulary files not reloaded, keeping the previous ones: %s", exc)
            return self._index.lexicon

    def search(self, question: str, k: int = 5) -> list[Answer]:
        """Ranked answers; an empty list means nothing relevant is in the knowledge base."""
        return self.ask(question, k).answers

    def ask(self, question: str, k: int = 5) -> SearchResult:
        """Ranked answers with notes, the question's reading and its spelling correction."""
        index = self.index
        return index.ask(index.analyze(question), k)

    def read(self, question: str) -> QuestionReading | None:
        """How the question is read: intent, award, hạng, subject (:mod:`retrieval.intent`)."""
        return self.index.analyze(question).reading

    def analyze(self, question: str) -> AnalyzedQuery:
        """How the question is read (expansions, restored diacritics, added terms)."""
        return self.index.analyze(question)

    def related(self, question: str, k: int = 3) -> list[Answer]:
        """See :meth:`SearchIndex.related`."""
        index = self.index
        return index.related(index.analyze(question), k)


def prepare(index: SearchIndex) -> None:
    """Build what a snapshot otherwise builds on first use: every award card and the spelling
    deletion indexes. The watcher calls it in the background for each new snapshot; timing
    a warm snapshot (tests, benchmarks) calls it first so one-off work is not counted per
    question."""
    awards.cards(index).ordered()  # every card, not only the catalogue: each takes a scan
    if index.analyzer.corrector is not None:
        index.analyzer.corrector.prepare()
