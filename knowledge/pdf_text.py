"""A PDF's text layer → the document's text: whole syllables, no page furniture, paragraphs.

Official PDFs (Công báo, a ministry's signed copy) repeat a running header with the page
number on every page ("6 CÔNG BÁO/Số 431 + 432/Ngày 25-3-2024"), end pages with a footer
and a page number, and break lines inside sentences, so a clause that runs across a page
would come out with the journal's header inside it. Here the text is taken from PDFium
(pypdfium2). Measured on PDFs generated like official ones (tests/pdf_samples.py): with one
text object per font run, pypdf kept 7% of tokens as whole syllables and lost the reading
order, PDFium all of them; pdfminer.six kept syllables but put centred headings ("Chương II")
after the article that follows them. Lines repeated at the top or foot of pages are dropped,
and lines are joined back into paragraphs; article, clause, point and list starts keep their
own lines so the structure parsers still see them.
"""

from __future__ import annotations

import re
from collections import Counter

from knowledge.layout import in_capitals
from knowledge.textnorm import clean_text

_EDGE = 3
"""How many lines at the top and at the foot of a page may be running headers or footers."""
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:(?:trang|page)\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE
)
_STARTS = re.compile(
    r"^(Điều\s+\d+|Chương\s+[IVXLC\d]+|Mục\s+\d+|Phần\s+thứ|Phần\s+[IVXLC]+\b|PHỤ LỤC|"
    r"Phụ lục\s+(số\s+)?[\dIVXLC]+|Mẫu số|\d+(\.\d+)*\.\s|[IVXL]+\.\s|[a-zđ]\)\s|"
    r"[-+•*–]\s|\(\d+\)|\(\*\)|Căn cứ|Theo đề nghị|Xét đề nghị|Nơi nhận|Số\s*:|Kính gửi|"
    r"\(Kèm theo|\(Ban hành kèm theo|TM\.|KT\.)"
)
_BARE_HEADING = re.compile(
    r"^(Chương\s+\S+|Mục\s+\d+|Phần\s+\S+(\s+\S+)?|PHỤ LỤC(\s+\S+)?|Phụ lục\s+\S+|Mẫu số\s+\S+|"
    r"Điều\s+\d+\w?)$"
)
_SENTENCE_END = (".", ":", ";", "!", "?", "./.")
_MIN_FULL_LINE = 40
"""Below this many characters, the longest lines are not justified prose: nothing is joined."""
_FULL_SHARE = 0.75
"""A line shorter than this share of a full line ends its paragraph."""


def page_lines(page: str) -> list[str]:
    """A page's non-blank lines: the shared clean-up (invisible characters, NFC), runs of
    spaces collapsed, PDFium's own break markers removed."""
    page = clean_text(page.replace("\r\n", "\n").replace("\r", "\n"))
    page = page.replace("\ufffe", "").replace("\x02", "")
    return [line for line in (" ".join(raw.split()) for raw in page.split("\n")) if line]


def drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers, footers and page numbers: lines at a page's top or foot that
    recur (numbers aside) on at least two pages and on two pages in five."""
    if len(pages) < 2:
        return pages
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_key(lines[i]) for i in _edges(lines)})
    needed = max(2, round(0.4 * len(pages)))
    repeated = {key for key, n in counts.items() if n >= needed and key}
    cleaned = []
    for lines in pages:
        edges = _edges(lines)
        cleaned.append(
            [
                line
                for i, line in enumerate(lines)
                if i not in edges or not (_key(line) in repeated or _PAGE_NUMBER.match(line))
            ]
        )
    return cleaned


def _edges(lines: list[str]) -> set[int]:
    """Indexes of the lines at the top and at the foot of a page."""
    return set(range(min(_EDGE, len(lines)))) | set(range(max(0, len(lines) - _EDGE), len(lines)))


def _key(line: str) -> str:
    """A line with its numbers blanked and outer page numbers removed: "6 CÔNG BÁO/Số 431"
    and "CÔNG BÁO/Số 433 7" are the same running header."""
    key = re.sub(r"\d+", "#", line.lower())
    return re.sub(r"^(#\s+)+|(\s+#)+$", "", key).strip()


def join_paragraphs(pages: list[list[str]]) -> str:
    """One paragraph per line: a line continues the previous one when the previous one was a
    full line (justified text fills the width; a paragraph's last line is short) that did
    not end a sentence or a heading, and the line starts no article, clause, point, list item
    or heading. Text without full-width lines (short notes, tables) is left as it is."""
    lines = [line for page in pages for line in page]
    lengths = sorted(len(line) for line in lines)
    full = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    if full < _MIN_FULL_LINE:
        return "\n".join(lines)
    out: list[str] = []
    previous_length = 0
    for line in lines:
        if out and previous_length >= _FULL_SHARE * full and _continues(out[-1], line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous_length = len(line)
    return "\n".join(out)


def _continues(previous: str, line: str) -> bool:
    if previous.endswith(_SENTENCE_END) or _STARTS.match(line) or _BARE_HEADING.match(previous):
        return False
    return not (in_capitals(previous) or in_capitals(line))


def clean_pages(pages: list[str]) -> str:
    """Text of a PDF from its pages' raw text: furniture dropped, paragraphs joined."""
    return join_paragraphs(drop_furniture([page_lines(page) for page in pages]))
