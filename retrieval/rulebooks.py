"""Local rulebooks: the awards a province's, ministry's or unit's own rules define, and the
rest of those rules.

A provincial Quy định defines its own awards in one article ("Điều 3. Đối tượng, tiêu chuẩn
xét tặng Cờ thi đua của Ủy ban nhân dân tỉnh") and sets their deadline, procedure or council
in others that name no award ("Điều 6. Thời gian đề nghị khen thưởng"). Those other articles
are the rulebook's rules for its own awards: ranking lifts them for a question about such an
award, and its card lists them. One home for both (:mod:`retrieval.ranking`,
:mod:`retrieval.card_builder`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from retrieval.intent import HeadingReading
from retrieval.params import is_national, same_locality


@dataclass(frozen=True)
class Rulebooks:
    own_awards: dict[str, set[int]]
    """Award → the units whose headings name it, for awards only local texts name."""
    own_rules: dict[str, set[int]]
    """Award → the units of the same part (document and attachment) whose headings answer
    something (a deadline, an amount …) and name no award."""
    local_rules: dict[str, set[int]]
    """Like ``own_rules`` for every award a local part's headings name, national ones included
    ("Tập thể lao động xuất sắc" in a province's Quy định), kept only for the deployment's own
    locality (none without one): that province's rule for them, never another's."""


def read_rulebooks(
    headings: Sequence[HeadingReading],
    parts: Sequence[Hashable],
    scopes: Sequence[str | None],
    locality: str | None = None,
) -> Rulebooks:
    """``headings``, ``parts`` and ``scopes`` are per unit, in the same order."""
    named_by: dict[str, set[int]] = {}
    for u, heading in enumerate(headings):
        for award, _ in heading.awards:
            named_by.setdefault(award, set()).add(u)
    own_awards = {
        award: units
        for award, units in named_by.items()
        if all(not is_national(scopes[u]) for u in units)
    }
    general = [
        v for v, heading in enumerate(headings) if not heading.names_awards and heading.intents
    ]

    def rules(units: set[int]) -> set[int]:
        where = {parts[u] for u in units}
        return {v for v in general if parts[v] in where}

    here = {
        award: {u for u in units if locality and same_locality(scopes[u], locality)}
        for award, units in named_by.items()
    }
    return Rulebooks(
        own_awards,
        {award: rules(units) for award, units in own_awards.items()},
        {award: found for award, units in here.items() if units and (found := rules(units))},
    )
