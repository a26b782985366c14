"""How much of a file the parse kept, and what it did not: nothing may be lost silently.

Coverage is measured on the text after the header (the header is everything before the first
unit: emblem, number, title, "Căn cứ…"). A line counts as kept when it lies in a passage or a
unit (a heading shown with its article), or is a heading or layout line a parser recognised
(chapter titles, an attached text's title block, recipients, signatures, editorial
footnotes). Coverage is the share of the non-blank characters of those lines that were kept;
the rest is reported by :func:`unparsed_excerpt` so an admin can see what was missed.
"""

from __future__ import annotations

from bisect import bisect_right

from knowledge.layout import Span, Structure, split_lines
from knowledge.model import ParsedDocument

MIN_COVERAGE = 0.97
"""Below this share, loading a file needs the admin's confirmation (``--yes`` on the CLI)."""


def measure(text: str, structure: Structure) -> tuple[float, list[Span]]:
    """(coverage, spans of the lines after the header that nothing kept)."""
    if not structure.units:
        return (1.0, []) if not text.strip() else (0.0, [(0, len(text))])
    header_end = min(u.start for u in structure.units)
    kept = _merged(
        [(u.start, u.end) for u in structure.units]
        + [(p.start, p.end) for p in structure.passages]
        + structure.kept
    )
    starts = [a for a, _ in kept]
    total = lost = 0
    unparsed: list[Span] = []
    for line in split_lines(text):
        if not line.text or line.start < header_end:
            continue
        size = sum(1 for c in line.text if not c.isspace())
        total += size
        k = bisect_right(starts, line.start) - 1
        if k < 0 or kept[k][1] <= line.start:
            lost += size
            unparsed.append((line.start, line.end))
    return (1.0 - lost / total if total else 1.0), unparsed


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def unparsed_excerpt(parsed: ParsedDocument, max_lines: int = 5, width: int = 160) -> list[str]:
    """The first lines the parse did not keep, each cut to ``width`` characters: what the CLI
    and the upload preview show before asking the admin to confirm."""
    lines = []
    for start, end in parsed.unparsed[:max_lines]:
        line = parsed.text[start:end]
        lines.append(line if len(line) <= width else line[: width - 1].rstrip() + "…")
    return lines


def needs_confirmation(parsed: ParsedDocument, threshold: float = MIN_COVERAGE) -> bool:
    """True when too little of the file was kept to load it without the admin's consent."""
    return parsed.coverage is not None and parsed.coverage < threshold


def percent(share: float) -> str:
    """ "82,5%": Vietnamese decimal comma, one decimal."""
    return f"{100 * share:.1f}%".replace(".", ",")


def describe(parsed: ParsedDocument) -> str:
    """ "đọc được 82,5% nội dung sau phần đầu văn bản"."""
    return f"đọc được {percent(parsed.coverage or 0)} nội dung sau phần đầu văn bản"
