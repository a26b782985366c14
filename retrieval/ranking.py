"""Ranking: field scores → unit scores → document priors → direct references → decline.

Score of a unit (article or section) for a query q with own words W and added words A::

    passage(p) = body(p, W) + s·body(p, A) + h·[heading(u, W) + s·heading(u, A)]
    unit(u)    = max_p∈u passage(p) + a·[article(u, W) + s·article(u, A)]
    final(u)   = unit(u) · prior(document of u)

``body``, ``heading``, ``article`` are BM25 over the fields of :mod:`retrieval.fields`; ``s``
(synonym weight), ``h`` (heading weight), ``a`` (article weight) come from
:class:`retrieval.params.Params`. The best passage of the best units is the answer; the unit's
other matching passages are listed with it.

``prior`` is multiplicative, by document status (in force 1.0 > unknown > reference material >
superseded), so an in-force article wins a near tie with its superseded twin while a clearly
better match in reference material still wins. A document the question names ("luật 2003",
"nghị định 152") gets the named-document boost instead, which keeps superseded texts reachable.

Declining: see :func:`coverage` and :func:`decline_reason`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.model import STATUS_EXPIRED, STATUS_IN_FORCE, UNIT_ARTICLE
from knowledge.store import IndexRow
from retrieval.fields import FieldIndex, opening_sentence
from retrieval.intent import HeadingReading, ObjectMention, QuestionReader, QuestionReading
from retrieval.params import (
    HIERARCHY,
    OTHER_LEVEL,
    Params,
    Techniques,
    is_national,
    same_locality,
)
from retrieval.passage_choice import PassageChoice
from retrieval.query import AnalyzedQuery
from retrieval.references import document_matches
from retrieval.rulebooks import read_rulebooks

STEERED = 100
"""Units (best by BM25 and priors) whose score the question's intent and award may change."""
RERANKED = 50
"""Units (best by BM25 and priors) re-scored with the coverage factor and eligible as results;
coverage can only lower a score, so a unit further down would need to beat 50 better ones."""


@dataclass(frozen=True)
class Hit:
    """One result before it becomes an :class:`retrieval.engine.Answer`."""

    passage: int
    score: float
    others: tuple[int, ...] = ()
    direct: bool = False
    coverage: float = 1.0
    """IDF-weighted share of the question's topic words its unit contains."""
    whole: bool = False
    """The whole unit answers (an enumeration question and its list article): show every
    passage, in order."""


class Ranker:
    """Scores queries against one :class:`FieldIndex` with fixed parameters."""

    def __init__(
        self,
        rows: Sequence[IndexRow],
        fields: FieldIndex,
        params: Params,
        techniques: Techniques,
        stopwords: frozenset[str] = frozenset(),
        reader: QuestionReader | None = None,
        locality: str | None = None,
    ) -> None:
        self.rows = rows
        self.fields = fields
        self.params = params
        self.techniques = techniques
        self.stopwords = stopwords
        first = [rows[m[0]] for m in fields.unit_rows]
        self.unit_document = [r.document_number for r in first]
        self.unit_status = [r.document_status for r in first]
        self.locality = locality
        self.unit_scope = [r.document_scope for r in first]
        self.status_prior = np.array(
            [self._prior(r) if techniques.status_prior else 1.0 for r in first]
        )
        # What lifts a local document's own award above the national texts (see steering).
        self.hierarchy_factor = np.array(
            [
                params.hierarchy_decay ** HIERARCHY.get(r.document_kind, OTHER_LEVEL)
                if techniques.status_prior
                else 1.0
                for r in first
            ]
        )
        self.heading_weight = params.heading_weight if techniques.headings else 0.0
        self.reader = reader
        self.headings: list[HeadingReading] = []
        if reader is not None and techniques.intent:
            cache: dict[str, HeadingReading] = {}
            for r in first:
                # An untitled article ("Điều 33" of a consolidated text) is read from its
                # opening sentence, as the heading field is (retrieval.fields).
                title = r.unit_title or opening_sentence(r.text)
                if title not in cache:
                    cache[title] = reader.read_heading(title, titled=bool(r.unit_title))
                self.headings.append(cache[title])
        self.choice = (
            PassageChoice.build(
                [r.text for r in rows],
                vocabulary=reader.vocabulary if reader is not None else None,
                catalog=reader.catalog if self.headings and reader is not None else None,
                # clauses are told apart by award only in articles about awards
                about_awards=[self.headings[u].names_awards for u in fields.unit_of.tolist()]
                if self.headings
                else None,
            )
            if techniques.passage_choice
            else None
        )
        # Awards that only local documents (a province's, a unit's) name in their headings,
        # and the rest of the rules that define them.
        self.rulebooks = read_rulebooks(
            self.headings,
            [(r.document_number, r.unit_attachment) for r in first],
            self.unit_scope,
            locality,
        )
        self.steering_intents = (
            {i.key for i in reader.vocabulary.intents if i.heading}
            | set(reader.vocabulary.award_article)
            if reader is not None
            else set()
        )

    def _prior(self, row: IndexRow) -> float:
        """Status × hierarchy prior; with a deployment locality, its own documents get
        ``local_boost`` instead and another locality's documents are lowered."""
        p = self.params
        prior = p.prior(row.document_status, row.document_kind)
        if self.locality is None or is_national(row.document_scope):
            return prior
        if same_locality(row.document_scope, self.locality):
            return p.status_priors.get(row.document_status, 1.0) * p.local_boost
        return prior * p.other_locality_prior

    # -- scores ------------------------------------------------------------------------------
    def _weighted(
        self,
        scorer_scores: Callable[[Sequence[str]], np.ndarray],
        own: Sequence[str],
        added: Sequence[str],
    ) -> np.ndarray:
        """Own words at full weight plus synonym terms at ``synonym_weight``."""
        scores = scorer_scores(list(own))
        if added and self.params.synonym_weight:
            scores = scores + self.params.synonym_weight * scorer_scores(list(added))
        return scores

    def passage_scores(self, query: AnalyzedQuery) -> np.ndarray:
        f = self.fields
        own, added = query.tokens, query.added
        scores = self._weighted(f.body_scorer.scores, own, added)
        if self.heading_weight:
            heading = self._weighted(f.heading_scorer.scores, own, added)
            scores = scores + self.heading_weight * heading[f.unit_of]
        return scores

    def priors(self, query: AnalyzedQuery) -> np.ndarray:
        prior = self.status_prior
        named = set(query.naming.documents)
        if named and self.techniques.status_prior:
            prior = prior.copy()
            for u, number in enumerate(self.unit_document):
                if number in named:
                    prior[u] = self.params.named_document_boost
        return prior

    def unit_scores(self, query: AnalyzedQuery, passage: np.ndarray) -> np.ndarray:
        f = self.fields
        units = f.unit_max(passage)
        if self.params.article_weight:
            article = self._weighted(f.article_scorer.scores, query.tokens, query.added)
            units = units + self.params.article_weight * article
        return units * self.priors(query)

    def rank(
        self,
        query: AnalyzedQuery,
        k: int,
        exclude: set[int] | None = None,
        documents: set[str] | None = None,
    ) -> list[Hit]:
        """The best ``k`` units with a positive score, each with its best passage; only units
        of ``documents`` when given."""
        if k <= 0 or not (query.tokens or query.added) or not len(self.rows):
            return []
        passage = self.passage_scores(query)
        units = self.unit_scores(query, passage)
        if exclude:
            units[list(exclude)] = 0.0
        if documents is not None:
            units[[u for u, d in enumerate(self.unit_document) if d not in documents]] = 0.0
        candidates = np.flatnonzero(units > 0)
        if candidates.size == 0:
            return []
        if candidates.size > 2 * STEERED:
            # Only the best few hundred can end up in the answer: select them in linear time
            # before sorting (ties at the cut may fall either way; they are far below it).
            keep = np.argpartition(-units[candidates], 2 * STEERED)[: 2 * STEERED]
            candidates = np.sort(candidates[keep])
        order = candidates[np.lexsort((candidates, -units[candidates]))]
        if self.headings and query.reading is not None:
            steered = order[:STEERED]
            units[steered] = units[steered] * self.steering(
                query.reading, steered, query.naming.documents
            )
            order = steered[np.lexsort((steered, -units[steered]))]
        order = order[:RERANKED]
        coverage = self.coverage(query, self.topic_words(query), order)
        gamma = self.params.coverage_exponent
        if gamma:
            units[order] = units[order] * coverage**gamma
            rerank = np.lexsort((order, -units[order]))
            order, coverage = order[rerank], coverage[rerank]
        listed = self.listed_kinds(query.reading)
        hits = []
        for u, cov in zip(order[:k].tolist(), coverage[:k].tolist(), strict=True):
            members = self.fields.unit_rows[u]
            if listed and self.lists(u, listed):
                # "có những danh hiệu nào": the list itself, every clause, in its order.
                hits.append(
                    Hit(members[0], float(units[u]), tuple(members[1:]), coverage=cov, whole=True)
                )
                continue
            ranked = self.display_order(members, passage, query)
            best = ranked[0]
            others = tuple(i for i in ranked[1:] if passage[i] > 0)
            hits.append(Hit(best, float(units[u]), others, coverage=cov))
        return hits

    @staticmethod
    def listed_kinds(reading: QuestionReading | None) -> set[str]:
        """Kinds of award an enumeration question asks the list of ("có những danh hiệu thi
        đua nào", "có mấy loại huân chương")."""
        if reading is None or "liet_ke" not in reading.intents:
            return set()
        return {o.award_class for o in reading.objects if o.is_class}

    def lists(self, unit: int, kinds: set[str]) -> bool:
        """Whether the unit is the list of one of ``kinds``: its heading is the kind's name
        ("Điều 9. Hình thức khen thưởng", "Điều 33. Huân chương")."""
        if not self.headings:
            return False
        heading = self.headings[unit]
        return heading.own_article and not heading.awards and bool(heading.classes & kinds)

    def steering(
        self, reading: QuestionReading, units: np.ndarray, naming_documents: Sequence[str] = ()
    ) -> np.ndarray:
        """Factors from what the question asks and about which award (see
        :mod:`retrieval.intent`): an article whose heading answers the intent or names the
        award (or its kind) is raised; an article about another award, or the same award at
        another hạng, is lowered. Intent over object: the decree's "Hồ sơ … Huân chương các
        loại" gets both the intent and the kind factor, the award's own article only one."""
        p = self.params
        factors = np.ones(len(units))
        intents = set(reading.intents) & self.steering_intents
        listed = self.listed_kinds(reading)
        named = set(naming_documents)
        obj = reading.object
        mentioned = {o.award for o in reading.objects if o.award}
        for j, u in enumerate(units.tolist()):
            heading = self.headings[u]
            factor = 1.0
            if listed and self.lists(u, listed):
                factor *= p.list_boost
            answers = bool(intents and heading.intents & intents)
            if intents and heading.intents:
                factor *= p.intent_boost if answers else p.intent_mismatch
            if obj is not None and heading.names_awards:
                factor *= self._object_factor(obj, mentioned, heading, answers)
                mismatch = bool(intents and heading.intents) and not answers
                if (
                    obj.award in self.rulebooks.own_awards
                    and u in self.rulebooks.own_awards[obj.award]
                    and not mismatch
                ):
                    # A province's or unit's rule on its own award ("Cờ thi đua của Ủy ban
                    # nhân dân tỉnh") is the one to read on it, whatever its rank in the
                    # legal hierarchy; not its criteria article for a deadline question.
                    factor /= self.hierarchy_factor[u]
            elif answers and obj is not None and obj.award is not None:
                if u in self.rulebooks.own_rules.get(obj.award, ()):
                    # Intent over object, within the award's own rulebook: its deadline
                    # article for a deadline question, rather than the article defining it.
                    factor *= p.object_boost / self.hierarchy_factor[u]
                elif u in self.rulebooks.local_rules.get(obj.award, ()):
                    # The deployment's own rules on a national award they set criteria for:
                    # the province's dates for its Tập thể lao động xuất sắc.
                    factor *= p.object_boost
            if (
                factor > 1.0
                and self.unit_status[u] == STATUS_EXPIRED
                and self.unit_document[u] not in named
            ):
                # A superseded text is not raised against the one in force (unless named).
                factor = 1.0
            factors[j] = factor
        return factors

    def _object_factor(
        self, obj: ObjectMention, mentioned: set[str], heading: HeadingReading, answers: bool
    ) -> float:
        """The award's own article or the same award at the asked hạng is raised, another
        hạng or another award lowered; a provision for the award's whole kind ("Hồ sơ …
        Huân chương các loại") is raised only when its heading also answers the intent."""
        p = self.params
        kind = answers and not heading.own_article
        if obj.award is not None:
            ranks = [rank for award, rank in heading.awards if award == obj.award]
            if ranks:
                if obj.rank is None or None in ranks or obj.rank in ranks:
                    return p.object_boost
                return p.rank_penalty
            if obj.award_class in heading.classes and obj.award not in heading.excluded:
                return p.class_boost if kind else 1.0
            if any(award not in mentioned for award, _ in heading.awards):
                return p.other_award_penalty
            return 1.0
        if obj.award_class in heading.classes or (
            obj.every and any(self.award_class(a) == obj.award_class for a, _ in heading.awards)
        ):
            return p.class_boost if kind or obj.every else 1.0
        return 1.0

    def award_class(self, award: str) -> str:
        known = self.reader.catalog.awards.get(award) if self.reader is not None else None
        return known.award_class if known is not None else ""

    def display_order(
        self, members: Sequence[int], passage: np.ndarray, query: AnalyzedQuery
    ) -> list[int]:
        """The unit's passages in the order to show them (see :mod:`retrieval.passage_choice`)."""
        if self.choice is None:
            return sorted(members, key=lambda i: (-passage[i], i))
        return self.choice.best(members, passage, query.text, query.reading)

    # -- direct references --------------------------------------------------------------------
    def resolve(self, query: AnalyzedQuery) -> list[Hit]:
        """Units matching the question's "điều N" (best first), each at the cited passage."""
        ref = query.reference
        if ref is None:
            return []
        f = self.fields
        units = [
            u
            for u, members in enumerate(f.unit_rows)
            if self.rows[members[0]].unit_kind == UNIT_ARTICLE
            and self.rows[members[0]].unit_label.lower() == ref.article.lower()
        ]
        if ref.document:
            units = [u for u in units if document_matches(ref.document, self.unit_document[u])]
        named = set(query.naming.documents)
        if named and any(self.unit_document[u] in named for u in units):
            units = [u for u in units if self.unit_document[u] in named]
        if self.techniques.status_prior:  # in force first, then down the legal hierarchy
            units.sort(
                key=lambda u: (
                    self.unit_status[u] != STATUS_IN_FORCE,
                    -self.status_prior[u],
                    HIERARCHY.get(self.rows[f.unit_rows[u][0]].document_kind, OTHER_LEVEL),
                    u,
                )
            )
        # The rest of the question picks the passage only when it says what it is about.
        passage = self.passage_scores(query) if self.topic_words(query) else None
        hits = []
        for u in units:
            members = f.unit_rows[u]
            cited = [
                i
                for i in members
                if ref.clause is not None
                and self.rows[i].clause == ref.clause
                and (ref.point is None or self.rows[i].point == ref.point)
            ]
            if cited:
                best = min(cited, key=lambda i: (self.rows[i].point is not None, i))
            elif passage is not None:
                best = self.display_order(members, passage, query)[0]
            else:
                best = members[0]
            score = float(passage[best]) if passage is not None else 0.0
            hits.append(Hit(best, score, tuple(i for i in members if i != best), direct=True))
        return hits

    # -- declining ----------------------------------------------------------------------------
    def topic_words(self, query: AnalyzedQuery) -> list[str]:
        """The officer's words that say what the question is about (no question words,
        no bare numbers), in order."""
        return [
            t
            for t in dict.fromkeys(query.tokens)
            if t.replace("_", " ") not in self.stopwords and not t.replace("/", "").isdigit()
        ]

    def coverage(self, query: AnalyzedQuery, words: Sequence[str], units: np.ndarray) -> np.ndarray:
        """IDF-weighted share of ``words`` found in each of ``units`` (heading, passages).

        A word also counts as found when a synonym rule it triggered brought a term that the
        unit contains ("giấy tờ" → "hồ sơ"), but only for as much as that term is worth
        (never more than the word itself): finding the common "hồ sơ" is weaker evidence
        than finding the rare "giấy tờ" would have been. Presence is looked up in the whole-unit
        scorer's postings, so no per-unit term sets are kept in memory.
        """
        if not words or not len(units):
            return np.zeros(len(units))
        idf = self.fields.idf
        contains = self.fields.article_scorer.contains
        total = 0.0
        found = np.zeros(len(units))
        for word in words:
            weight = idf(word)
            total += weight
            credit = np.where(contains(word, units), weight, 0.0)
            for alias in query.aliases.get(word, ()):
                present = contains(alias, units)
                credit = np.maximum(credit, np.where(present, min(weight, idf(alias)), 0.0))
            found += credit
        return found / total if total else np.zeros(len(units))

    def unknown_share(self, query: AnalyzedQuery, words: Sequence[str]) -> float:
        """IDF-weighted share of ``words`` that the knowledge base has never seen, neither
        the word itself nor any term a synonym rule gives for it ("kết hôn", "thuế")."""
        if not words:
            return 0.0
        idf, df = self.fields.idf, self.fields.article_scorer.document_frequency
        total = unknown = 0.0
        for word in words:
            weight = idf(word)
            total += weight
            if not df(word) and not any(df(a) for a in query.aliases.get(word, ())):
                unknown += weight
        return unknown / total if total else 0.0

    def evidence(self, query: AnalyzedQuery, hit: Hit) -> float:
        """How well ``unit`` answers the question: coverage of its topic words minus the share
        the knowledge base has never heard of.

        A word missing from the best article but known elsewhere ("trình tự", "bước") is a
        wording difference; a word no loaded text uses ("kết hôn", "thuế", "đèn đỏ") says the
        question is about something else, so it counts against twice: not covered, and
        unknown. Out-of-scope questions often share generic words with the texts ("thủ tục",
        "giấy tờ", "mức", "bao nhiêu"); what they cannot share is their subject.
        """
        words = self.topic_words(query)
        if not words:
            return 0.0
        return hit.coverage - self.unknown_share(query, words)

    def relevant(self, query: AnalyzedQuery, hit: Hit) -> bool:
        """Whether to answer, decided by domain evidence first (is the question about thi đua,
        khen thưởng at all? :attr:`QuestionReading.domain_evidence`):

        - it names an award or kind of award, or uses two of the field's terms: answer, however
          weak the best match (a refusal costs an officer more than a weak answer);
        - it uses one term of the field only ("khen thưởng" also belongs to an association's
          "Hội đồng khen thưởng, kỷ luật", "tiền thưởng" to tax law): answer when the best
          article's evidence (:meth:`evidence`) reaches ``weak_domain_evidence``;
        - nothing of the field: answer only when the best article covers the question well
          (``min_evidence``): "Năm tròn là gì?" is answered, "Thủ tục đăng ký kết hôn cần giấy
          tờ gì?" is not.
        """
        reading = query.reading
        strength = reading.domain_evidence if reading is not None else 0
        if strength >= 2:
            return True
        threshold = self.params.weak_domain_evidence if strength else self.params.min_evidence
        return self.evidence(query, hit) >= threshold

    def unit_of(self, passage: int) -> int:
        return int(self.fields.unit_of[passage])
