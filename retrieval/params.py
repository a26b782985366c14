"""Ranking parameters and technique switches, in one place so tuning and ablation are explicit.

``Techniques`` turns each retrieval technique on or off (``tdkt eval --ablate`` switches each
off in turn); ``Params`` holds the numbers. The defaults in :data:`DEFAULT_PARAMS` were chosen
by the procedure in :mod:`retrieval.tuning` (grid search on ``shared/eval/dev.jsonl`` only,
best MRR over the questions with gold) and then checked, without retuning, on the held-out
``tests/data/extra_questions.jsonl``; see that module and the README for the grid and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from knowledge.model import STATUS_EXPIRED, STATUS_IN_FORCE, STATUS_REFERENCE, STATUS_UNKNOWN


@dataclass(frozen=True)
class Techniques:
    """Which techniques run; all on in production. Each one is a switch for ablation."""

    restore_diacritics: bool = True
    """Unaccented questions get their diacritics back from the index's own vocabulary."""
    abbreviations: bool = True
    """Chat abbreviations (tđkt, bk, hs, ...) are expanded before ranking."""
    synonyms: bool = True
    """Domain vocabulary rules add the texts' terms for the officer's words."""
    headings: bool = True
    """Article/section headings form a field weighted above body text."""
    status_prior: bool = True
    """In-force documents outrank superseded ones and reference material."""
    references: bool = True
    """"điều 84", "khoản 2 điều 84 luật 06/2022" go straight to that passage."""
    passage_choice: bool = True
    """Inside an article, show a substantive or enumerating passage before a delegation."""
    spelling: bool = True
    """A dropped, doubled or wrong letter or tone is corrected against the index's syllables."""
    intent: bool = True
    """The question's intent and award steer which article ranks (:mod:`retrieval.intent`)."""
    award_cards: bool = True
    """A question naming an award and asking one of its facets (dossier, money, deadline …)
    is answered first from that facet of the award's card (:mod:`retrieval.awards`)."""

    def without(self, name: str) -> Techniques:
        return replace(self, **{name: False})

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


HIERARCHY = {"luat": 0, "van-ban-hop-nhat": 0, "nghi-dinh": 1, "thong-tu": 2}
NATIONAL_SCOPES = frozenset({"", "toàn quốc", "cả nước"})
"""Scopes (lowercase) of documents that apply nationwide; any other scope is a locality."""


def scope_key(scope: str | None) -> str:
    """How scopes compare: lowercase, single spaces ("Tỉnh  Bắc Ninh" = "tỉnh bắc ninh")."""
    return " ".join((scope or "").lower().split())


def is_national(scope: str | None) -> bool:
    return scope_key(scope) in NATIONAL_SCOPES


def same_locality(scope: str | None, locality: str | None) -> bool:
    """Whether a document's scope is the deployment's locality ("tỉnh Bắc Ninh" matches
    "Bắc Ninh" and "tỉnh Bắc Ninh")."""
    a, b = scope_key(scope), scope_key(locality)
    return bool(a and b) and (a == b or a.endswith(" " + b) or b.endswith(" " + a))


OTHER_LEVEL = 3


def _default_priors() -> dict[str, float]:
    return {
        STATUS_IN_FORCE: 1.0,
        STATUS_UNKNOWN: 0.9,
        STATUS_REFERENCE: 0.8,
        STATUS_EXPIRED: 0.6,
    }


@dataclass(frozen=True)
class Params:
    """Numbers of the ranking function (see :mod:`retrieval.ranking` for how they combine)."""

    k1: float = 1.6
    """BM25 term-frequency saturation of the body field."""
    b: float = 0.75
    """BM25 length normalisation of the body field."""
    heading_weight: float = 2.0
    """Weight of the heading field (article/section title) relative to the body (1.0)."""
    article_weight: float = 1.0
    """Weight of the whole-article field: a clause ranks with its article's context."""
    synonym_weight: float = 0.5
    """Weight of terms added by synonym rules relative to the officer's own words (1.0)."""
    status_priors: dict[str, float] = field(default_factory=_default_priors)
    """Multiplicative prior by document status; the in-force law is the reference (1.0)."""
    hierarchy_decay: float = 0.8
    """Prior factor per level down the legal hierarchy (luật 0, nghị định 1, thông tư 2, other
    kinds 3): when a law and its implementing decree match alike, the law is cited first."""
    local_boost: float = 1.25
    """With a deployment locality (``SearchEngine(locality=…)``): prior of a document scoped to
    it, in place of its status × hierarchy prior, so the deployment's own rules come first on
    their subjects. Set, not tuned (no question set has a locality)."""
    other_locality_prior: float = 0.5
    """With a deployment locality: factor for documents scoped to another province or unit."""
    named_document_boost: float = 1.5
    """Multiplier for documents the question names ("luật 2003", "nghị định 152")."""
    coverage_exponent: float = 0.5
    """Unit score × coverage^γ, coverage = IDF-weighted share of the question's topic words the
    unit contains (like the classic "coord" factor): an article about everything asked beats
    one that repeats half of it often."""
    intent_boost: float = 1.5
    """Factor for an article whose heading answers the question's intent ("Hồ sơ …" for a
    dossier question)."""
    intent_mismatch: float = 0.67
    """Factor for an article whose heading answers another intent than the question's (a
    dossier article for a question about standards)."""
    object_boost: float = 1.25
    """Factor for an article whose heading names the award asked about (same hạng)."""
    class_boost: float = 1.3
    """Factor for an article whose heading names the award's kind ("Huân chương các loại")."""
    list_boost: float = 2.0
    """Factor for the article that is the list an enumeration question asks for ("có những
    danh hiệu thi đua nào" → "Điều 6. Danh hiệu thi đua")."""
    rank_penalty: float = 0.6
    """Factor for the same award at another hạng (hạng Nhất asked, hạng Nhì's article)."""
    other_award_penalty: float = 0.6
    """Factor for an article about an award the question does not name."""
    min_evidence: float = 0.514
    """Decline a question that uses none of the field's words (see
    :meth:`retrieval.ranking.Ranker.relevant`) when the best article's evidence
    (:meth:`retrieval.ranking.Ranker.evidence`: IDF-weighted coverage of the question's topic
    words minus their never-seen share) is below this; chosen by :mod:`retrieval.tuning`."""
    weak_domain_evidence: float = 0.084
    """The same threshold for a question that uses a single term of the field."""

    def prior(self, status: str, kind: str = "luat") -> float:
        """Status prior × hierarchy prior of a document."""
        status_prior = self.status_priors.get(status, self.status_priors.get(STATUS_UNKNOWN, 1.0))
        return status_prior * self.hierarchy_decay ** HIERARCHY.get(kind, OTHER_LEVEL)


DEFAULT_PARAMS = Params()
DEFAULT_TECHNIQUES = Techniques()
