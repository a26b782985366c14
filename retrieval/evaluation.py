"""Retrieval metrics on question sets in the format of ``shared/eval/dev.jsonl``.

Recall@1, Recall@5 and MRR over questions with gold (an answer counts when its document and
article, or section, match one gold entry); clause@1 over the questions whose gold names a
clause (the first answer is that clause); how many answerable questions were declined. A
question without gold is *off-topic* (must be declined) unless it says ``"off_topic": false``:
an on-topic question the knowledge base cannot answer (``dev_real.jsonl``), which may be
answered with the general provision and a note, so its handling is reported, not scored.
Questions are split by whether they carry Vietnamese diacritics, because officers type both.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.model import number_key
from retrieval.engine import Answer

Search = Callable[[str, int], Sequence[Answer]]
Notes = Callable[[str], bool]


@dataclass
class Question:
    id: str
    question: str
    gold: list[dict[str, object]]
    off_topic: bool = True
    """For a question without gold: must it be declined (another field altogether)?"""


@dataclass
class Metrics:
    """Figures for one group of questions."""

    questions: int = 0
    answerable: int = 0
    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    mrr: float = 0.0
    out_of_scope: int = 0
    declined: float = 0.0
    declined_with_gold: int = 0
    clause_questions: int = 0
    clause_at_1: float = 0.0
    not_loaded: int = 0
    """On-topic questions the knowledge base cannot answer (``off_topic: false``)."""
    not_loaded_answered: int = 0
    not_loaded_noted: int = 0
    """Of those answered, how many carried a note (replaced / not loaded document)."""
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "answerable": self.answerable,
            "recall_at_1": round(self.recall_at_1, 4),
            "recall_at_5": round(self.recall_at_5, 4),
            "mrr": round(self.mrr, 4),
            "out_of_scope": self.out_of_scope,
            "declined": round(self.declined, 4),
            "declined_with_gold": self.declined_with_gold,
            "clause_questions": self.clause_questions,
            "clause_at_1": round(self.clause_at_1, 4),
            "not_loaded": self.not_loaded,
            "not_loaded_answered": self.not_loaded_answered,
            "not_loaded_noted": self.not_loaded_noted,
            "misses": self.misses,
        }


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append(
                Question(
                    str(item["id"]),
                    item["question"],
                    list(item.get("gold", [])),
                    off_topic=bool(item.get("off_topic", True)),
                )
            )
    return out


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks (or đ): typed with a Vietnamese keyboard."""
    if "đ" in text.lower():
        return True
    return any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", text))


def matches(answer: Answer, gold: dict[str, object]) -> bool:
    """Article-level match (section label for documents without articles)."""
    if number_key(answer.document_number) != number_key(str(gold.get("doc", ""))):
        return False
    wanted = gold.get("article")
    if wanted is None:
        wanted = gold.get("section")
    if wanted is None:
        return True
    return number_key(answer.unit_label) == number_key(str(wanted))


def first_hit(answers: Sequence[Answer], gold: Sequence[dict[str, object]]) -> int | None:
    for answer in answers:
        if any(matches(answer, g) for g in gold):
            return answer.rank
    return None


def clause_matches(answer: Answer, gold: dict[str, object]) -> bool:
    """The answer is the gold's clause (gold naming a clause only)."""
    clause = gold.get("clause")
    return clause is not None and matches(answer, gold) and str(answer.clause) == str(clause)


def evaluate(
    questions: Iterable[Question], search: Search, k: int = 5, notes: Notes | None = None
) -> Metrics:
    """``notes(question)``, when given, tells whether an answer to an on-topic question the
    knowledge base cannot answer carried a note."""
    m = Metrics()
    r1 = r5 = rr = 0.0
    clause_hits = 0
    declined = 0
    for q in questions:
        m.questions += 1
        answers = search(q.question, k)
        if not q.gold:
            if not q.off_topic:
                m.not_loaded += 1
                m.not_loaded_answered += bool(answers)
                m.not_loaded_noted += bool(answers) and notes is not None and notes(q.question)
                continue
            m.out_of_scope += 1
            declined += not answers
            if answers:
                m.misses.append(f"{q.id}: answered out-of-scope with {answers[0].citation}")
            continue
        m.answerable += 1
        if any(g.get("clause") is not None for g in q.gold):
            m.clause_questions += 1
            clause_hits += bool(answers) and any(clause_matches(answers[0], g) for g in q.gold)
        if not answers:
            m.declined_with_gold += 1
        rank = first_hit(answers, q.gold)
        if rank is None:
            top = answers[0].citation if answers else "(declined)"
            m.misses.append(f"{q.id}: {q.question} → {top}")
            continue
        r1 += rank == 1
        r5 += rank <= 5
        rr += 1.0 / rank
        if rank > 1:
            m.misses.append(f"{q.id}: rank {rank}: {q.question} → {answers[0].citation}")
    if m.answerable:
        m.recall_at_1, m.recall_at_5, m.mrr = (
            r1 / m.answerable,
            r5 / m.answerable,
            rr / m.answerable,
        )
    if m.clause_questions:
        m.clause_at_1 = clause_hits / m.clause_questions
    if m.out_of_scope:
        m.declined = declined / m.out_of_scope
    return m


def evaluate_split(
    questions: Sequence[Question], search: Search, notes: Notes | None = None
) -> dict[str, Metrics]:
    """Metrics for all questions, those with diacritics, without, and out of scope."""
    with_marks = [q for q in questions if q.gold and has_diacritics(q.question)]
    without = [q for q in questions if q.gold and not has_diacritics(q.question)]
    return {
        "all": evaluate(questions, search, notes=notes),
        "with_diacritics": evaluate(with_marks, search),
        "without_diacritics": evaluate(without, search),
        "out_of_scope": evaluate([q for q in questions if not q.gold], search, notes=notes),
    }


GROUPS = (("with_diacritics", "có dấu"), ("without_diacritics", "không dấu"))


def format_table(results: dict[str, dict[str, Metrics]]) -> str:
    """One line per system: R@1, R@5, MRR with and without diacritics; clause@1; declined
    share of the off-topic questions; on-topic questions the knowledge base cannot answer
    (answered / with a note); answerable questions that were declined (should be 0)."""
    width = max([len(name) for name in results] + [20])
    head1 = f"{'':<{width}}"
    head2 = f"{'hệ thống':<{width}}"
    for _, label in GROUPS:
        head1 += f" | {label:<22}"
        head2 += f" | {'n':>3} {'R@1':>5} {'R@5':>5} {'MRR':>5}"
    head1 += f" | {'khoản':<9} | {'ngoài phạm vi':<13} | {'chưa nạp':<14} |"
    head2 += (
        f" | {'n':>3} {'@1':>5} | {'n':>3} {'từ chối':>9} | {'n':>3} {'trả lời':>4} "
        f"{'ghi chú':>3} | {'từ chối nhầm':>12}"
    )
    lines = [head1, head2, "-" * len(head2)]
    for name, groups in results.items():
        line = f"{name:<{width}}"
        for key, _ in GROUPS:
            m = groups[key]
            if m.answerable:
                line += (
                    f" | {m.answerable:>3} {m.recall_at_1:>5.2f} {m.recall_at_5:>5.2f} "
                    f"{m.mrr:>5.2f}"
                )
            else:
                line += f" | {0:>3} {'-':>5} {'-':>5} {'-':>5}"
        every = groups["all"]
        clause = f"{every.clause_at_1:.2f}" if every.clause_questions else "-"
        line += f" | {every.clause_questions:>3} {clause:>5}"
        oos = groups["out_of_scope"]
        declined = f"{oos.declined:.2f}" if oos.out_of_scope else "-"
        line += f" | {oos.out_of_scope:>3} {declined:>9}"
        line += (
            f" | {every.not_loaded:>3} {every.not_loaded_answered:>7} {every.not_loaded_noted:>7}"
        )
        line += f" | {every.declined_with_gold:>12}"
        lines.append(line)
    return "\n".join(lines)


def format_summary(results: dict[str, Metrics]) -> str:
    """One line per group of questions (all, with/without diacritics, out of scope, typo'd
    copies): R@1, R@5, MRR, clause@1, off-topic declined, answerable declined, and how
    on-topic questions the knowledge base cannot answer were handled."""
    head = (
        f"{'nhóm':<20} {'n':>4} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'khoản@1':>8} "
        f"{'từ chối':>8} {'từ chối nhầm':>13} {'chưa nạp: trả lời/ghi chú':>26}"
    )
    lines = [head]
    for name, m in results.items():
        declined = f"{m.declined:.2f}" if m.out_of_scope else "-"
        clause = f"{m.clause_at_1:.2f}" if m.clause_questions else "-"
        loaded = (
            f"{m.not_loaded_answered}/{m.not_loaded_noted} của {m.not_loaded}"
            if m.not_loaded
            else "-"
        )
        if m.answerable:
            figures = f"{m.recall_at_1:>6.2f} {m.recall_at_5:>6.2f} {m.mrr:>6.2f}"
        else:
            figures = f"{'-':>6} {'-':>6} {'-':>6}"
        lines.append(
            f"{name:<20} {m.questions:>4} {figures} {clause:>8} {declined:>8} "
            f"{m.declined_with_gold:>13} {loaded:>26}"
        )
    return "\n".join(lines)
