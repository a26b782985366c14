"""Direct answers for money and deadlines: one verbatim line first, then what it means.

"mức tiền thưởng cstđ cơ sở bao nhiêu" is answered by one point of the decree, "c) Danh hiệu
“Chiến sĩ thi đua cơ sở” được tặng Bằng chứng nhận, khung và được thưởng 1,0 lần mức lương
cơ sở;", not by the whole money article. The line is taken verbatim from the award card's
first money (or deadline) provision that names the award; for money, when the deployment
configured the base salary (``TDKT_LUONG_CO_SO``, in đồng; never guessed), the amount is
computed exactly with :class:`~decimal.Decimal` and written the Vietnamese way
("2.340.000 đồng"), with the texts' own rounding rule when they have one ("làm tròn số lên
hàng chục nghìn đồng"). A collective or a household gets the texts' own factor ("gấp hai lần
mức tiền thưởng đối với cá nhân").
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from retrieval.awards import AwardCard, AwardCards, FacetAnswer, Provision, load_config
from retrieval.intent import QuestionReading, syllables
from retrieval.text import normalize, sentences

MONEY = "tien_thuong"
DEADLINE = "thoi_han"
SCANNED = 12
"""Provisions of a facet looked at for a direct line (the most specific come first)."""

_NUMBER = r"\d+(?:,\d+)?"


@dataclass(frozen=True)
class Rounding:
    """The texts' rounding rule for money ("được làm tròn số lên hàng chục nghìn đồng")."""

    unit: int
    mode: str  # "up", "down", "nearest"
    citation: str

    def apply(self, amount: Decimal) -> Decimal:
        rounding = {"up": ROUND_CEILING, "down": ROUND_FLOOR}.get(self.mode, ROUND_HALF_UP)
        steps = (amount / self.unit).to_integral_value(rounding=rounding)
        return steps * self.unit


@dataclass(frozen=True)
class DirectAnswer:
    """One line that answers, verbatim, with what follows from it."""

    kind: str
    """"money" or "deadline"."""
    text: str
    """The line as written (a point, or the sentence of a clause that answers)."""
    citation: str
    phrase: str
    """The words of ``text`` that answer ("1,0 lần mức lương cơ sở", "20 ngày làm việc")."""
    lead_in: str | None = None
    coefficient: Decimal | None = None
    maximum: bool = False
    """"không quá 0,8 lần": a ceiling, not the amount."""
    factor: Decimal | None = None
    """A collective's or household's multiple of the individual amount ("gấp hai lần")."""
    factor_text: str | None = None
    factor_citation: str | None = None
    base_salary: Decimal | None = None
    amount_dong: Decimal | None = None
    rounded_dong: Decimal | None = None
    rounding_citation: str | None = None

    def to_json(self) -> dict[str, object]:
        def number(value: Decimal | None) -> int | str | None:
            if value is None:
                return None
            return int(value) if value == value.to_integral_value() else str(value)

        return {
            "kind": self.kind,
            "text": self.text,
            "citation": self.citation,
            "phrase": self.phrase,
            "amount_dong": number(self.amount_dong),
            "rounded_dong": number(self.rounded_dong)
            if self.rounded_dong is not None and self.rounded_dong != self.amount_dong
            else None,
            "coefficient": number(self.coefficient),
            "maximum": self.maximum,
            "factor": number(self.factor),
            "factor_citation": self.factor_citation,
            "base_salary_dong": number(self.base_salary),
            "rounding_citation": self.rounding_citation,
        }

    def explanation(self) -> list[str]:
        """What the line means, in plain Vietnamese (no markup): the amount with the
        configured base salary, or why there is none."""
        if self.kind != "money" or self.coefficient is None:
            return []
        times = format_number(self.coefficient)
        multiple = f" × {format_number(self.factor)}" if self.factor is not None else ""
        if self.base_salary is None or self.amount_dong is None:
            return [
                f"Số tiền = {times}{multiple} × mức lương cơ sở đang áp dụng khi ban hành "
                "quyết định khen thưởng (quản trị viên chưa cấu hình mức lương cơ sở nên "
                "tôi không quy ra đồng)."
            ]
        ceiling = "tối đa " if self.maximum else ""
        lines = [
            f"Với mức lương cơ sở {format_dong(self.base_salary)} đồng (mức do quản trị "
            f"viên cấu hình): {times}{multiple} × {format_dong(self.base_salary)} = "
            f"{ceiling}{format_dong(self.amount_dong)} đồng."
        ]
        if self.rounded_dong is not None and self.rounded_dong != self.amount_dong:
            lines.append(
                f"Làm tròn theo {self.rounding_citation}: {ceiling}"
                f"{format_dong(self.rounded_dong)} đồng."
            )
        return lines


def format_number(value: Decimal) -> str:
    """ "1,0", "4,5", "12,0": a coefficient as the texts write it (one decimal at least)."""
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{whole},{fraction or '0'}"


def format_dong(value: Decimal) -> str:
    """ "2.340.000", "702.000,5": thousands with dots, decimals with a comma."""
    sign = "-" if value < 0 else ""
    text = format(abs(value).normalize(), "f")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + (f",{fraction}" if fraction else "")


def parse_decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


# -- money ---------------------------------------------------------------------------------------


def money_answer(
    found: AwardCards,
    card: AwardCard,
    reading: QuestionReading | None,
    base_salary: Decimal | None,
) -> DirectAnswer | None:
    """The money line of ``card`` (its first money provision naming it with exactly one
    coefficient), with the amount when the base salary is configured."""
    config = load_config().raw.get("money", {})
    base = tuple(syllables(config.get("base", "lần mức lương cơ sở")))
    gap = r"[\W_]+"
    ceilings = "|".join(map(re.escape, config.get("maximum", [])))
    coefficient_at = re.compile(
        rf"(?P<max>(?:{ceilings})\s+)?(?P<n>{_NUMBER})\s+{gap.join(map(re.escape, base))}"
    )
    for provision in card.provisions(MONEY)[:SCANNED]:
        for line in _lines(provision):
            if not found.names(line, card):
                continue
            hits = list(coefficient_at.finditer(normalize(line)))
            if len(hits) != 1:
                continue
            hit = hits[0]
            answer = DirectAnswer(
                kind="money",
                text=line,
                citation=provision.citation,
                phrase=line[hit.start("n") : hit.end()],
                lead_in=provision.lead_in,
                coefficient=parse_decimal(hit.group("n")),
                maximum=bool(hit.group("max")),
                base_salary=base_salary,
            )
            return _with_amount(found, card, reading, answer)
    return None


_rounding: weakref.WeakKeyDictionary[AwardCards, Rounding | None] = weakref.WeakKeyDictionary()
"""rounding_rule per cards of one index snapshot: it scans every money article, and money
answers ask for it on every question."""


def rounding_rule(found: AwardCards) -> Rounding | None:
    """The texts' rounding of money ("được làm tròn số lên hàng chục nghìn đồng"), read from
    the money articles once per snapshot; None when no loaded text has one."""
    if found not in _rounding:
        _rounding[found] = _read_rounding(found)
    return _rounding[found]


def _read_rounding(found: AwardCards) -> Rounding | None:
    config = load_config().raw.get("money", {})
    units = {" ".join(syllables(k)): int(v) for k, v in config.get("rounding_units", {}).items()}
    for provision in found.general_rules(MONEY, config.get("rounding", "làm tròn")):
        words = " ".join(syllables(provision.text))
        unit = next(
            (
                units[k]
                for k in sorted(units, key=len, reverse=True)
                if f"hàng {k.removeprefix('hàng ')}" in words
            ),
            None,
        )
        if unit is None:
            continue
        mode = (
            "up"
            if "tròn số lên" in words or "tròn lên" in words
            else ("down" if "tròn số xuống" in words or "tròn xuống" in words else "nearest")
        )
        return Rounding(unit, mode, provision.citation)
    return None


def _with_amount(
    found: AwardCards, card: AwardCard, reading: QuestionReading | None, answer: DirectAnswer
) -> DirectAnswer:
    factor, factor_text, factor_citation = _factor(found, card, reading)
    amount = rounded = None
    rounding = rounding_rule(found)
    if answer.base_salary is not None and answer.coefficient is not None:
        amount = answer.coefficient * (factor or Decimal(1)) * answer.base_salary
        rounded = rounding.apply(amount) if rounding is not None else None
    return DirectAnswer(
        **{
            **answer.__dict__,
            "factor": factor,
            "factor_text": factor_text,
            "factor_citation": factor_citation,
            "amount_dong": amount,
            "rounded_dong": rounded,
            "rounding_citation": rounding.citation if rounding is not None else None,
        },
    )


def _factor(
    found: AwardCards, card: AwardCard, reading: QuestionReading | None
) -> tuple[Decimal | None, str | None, str | None]:
    """A collective's or household's multiple ("Tập thể … gấp hai lần mức tiền thưởng đối
    với cá nhân"), when the question is about one and the card's money provisions have it."""
    if reading is None:
        return None, None, None
    vocabulary = found.reader.vocabulary
    wanted = [s for s in reading.subjects if s != "cá nhân"]
    if not wanted:
        return None, None, None
    words = load_config().raw.get("money", {}).get("factor_words", {})
    number = rf"(?:{_NUMBER}|{'|'.join(map(re.escape, words))})"
    multiple = re.compile(rf"(?:gấp|bằng)\s+(?P<n>{number})\s+lần\s+mức\s+tiền\s+thưởng")
    subject_words = [" ".join(p) for s in wanted for p in vocabulary.subjects.get(s, ())]
    for provision in card.provisions(MONEY)[:SCANNED]:
        for line in _lines(provision):
            norm = normalize(line)
            opening = " ".join(syllables(norm)[:6])
            if not any(w in opening for w in subject_words):
                continue
            hit = multiple.search(norm)
            if hit is None:
                continue
            raw = hit.group("n")
            value = parse_decimal(words.get(raw, raw))
            return value, line, provision.citation
    return None, None, None


# -- deadlines -------------------------------------------------------------------------------------


def deadline_answer(
    card: AwardCard, reading: QuestionReading | None, found: AwardCards | None = None
) -> DirectAnswer | None:
    """The sentence of ``card``'s deadline provisions that holds a time ("20 ngày làm việc",
    "chậm nhất vào ngày 30 tháng 6 hằng năm"): one naming the award first, then the one
    sharing the most words with the question, then the card's order."""
    patterns = [re.compile(p) for p in load_config().raw.get("deadline", {}).get("patterns", [])]
    asked = set(syllables(reading.text)) if reading is not None else set()
    asked -= set(syllables(card.name))
    best: tuple[tuple[bool, int, int], DirectAnswer] | None = None
    for rank, provision in enumerate(card.provisions(DEADLINE)[:SCANNED]):
        for sentence in sentences(provision.text, min_words=4):
            norm = normalize(sentence)
            hit = next((m for p in patterns for m in [p.search(norm)] if m), None)
            if hit is None or not hit.group(0).strip():
                continue
            named = found is not None and found.names(sentence, card)
            key = (not named, -len(asked & set(syllables(norm))), rank)
            if best is None or key < best[0]:
                start, end = hit.span()
                phrase = (
                    sentence[start:end].strip()
                    if len(norm) == len(sentence)
                    else hit.group(0).strip()
                )
                best = (
                    key,
                    DirectAnswer(
                        kind="deadline",
                        text=sentence,
                        citation=provision.citation,
                        phrase=phrase,
                        lead_in=provision.lead_in,
                    ),
                )
    return best[1] if best is not None else None


def _lines(provision: Provision) -> list[str]:
    """A point as one line; a clause's lines (its points, its sentences)."""
    if provision.point is not None:
        return [provision.text.strip()]
    return [line.strip() for line in provision.text.split("\n") if line.strip()]


def direct_answer(
    found: AwardCards,
    card: AwardCard,
    facet: str | None,
    reading: QuestionReading | None,
    base_salary: Decimal | None = None,
) -> DirectAnswer | None:
    """The direct line for a money or deadline question about ``card``; None otherwise."""
    if facet == MONEY:
        return money_answer(found, card, reading, base_salary)
    if facet == DEADLINE:
        return deadline_answer(card, reading, found)
    return None


def for_facet(
    found: AwardCards,
    facet: FacetAnswer | None,
    reading: QuestionReading | None,
    base_salary: Decimal | None = None,
) -> DirectAnswer | None:
    """The direct line of a question read as a card's facet (:func:`awards.facet_answer`)."""
    if facet is None:
        return None
    return direct_answer(found, facet.card, facet.facet, reading, base_salary)
