"""Official-looking PDFs made from the fictional sample texts, to test PDF extraction.

Công báo and ministries' signed PDFs are laid out like this: a two-column header (issuer and
number on the left, the national motto and the date on the right), a running header with the
page number on every later page ("6 CÔNG BÁO/Số 431 + 432/Ngày 25-3-2024"), a page number
at the foot, justified lines whose spaces are gaps rather than characters, and Vietnamese
letters drawn from another font than the rest of the word (as in PDFs made by office
suites), which is where naive extractors split syllables ("pháp lu ật"). One clause is made
to run across a page break, and each appendix starts on a new page.

Needs reportlab and a TrueType font with Vietnamese letters (DejaVu); ``font_path`` returns
None when the machine has none, and the tests that need it skip.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/TTF/DejaVuSerif.ttf",
)
JOURNAL = "CÔNG BÁO MẪU/Số 999 + 1000/Ngày 10-10-2099"
FOOTER = "Bản điện tử của Công báo mẫu"
PAGE_W, PAGE_H = 595.0, 842.0
LEFT, RIGHT, TOP, BOTTOM = 70.0, 60.0, 80.0, 70.0
SIZE, LEADING = 12.0, 15.0
_LATIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass
class PdfSample:
    """The PDF and what the tests check against."""

    data: bytes
    pages: int
    crossing: str
    """The paragraph that was laid out across a page break."""
    body_words: list[str] = field(default_factory=list)
    """Every word of the text after the two-column header, in order."""


def font_path() -> Path | None:
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).exists()), None)


def official_pdf(
    text: str, crossing: str, header_lines: int = 5, run_gap: float = 1.0, objects: str = "line"
) -> PdfSample:
    """Lay out ``text`` (a sample document) as an official PDF.

    The first ``header_lines`` non-blank lines are the two-column header (issuer, motto,
    motto, number, date); ``crossing`` is the start of the paragraph made to cross a page;
    ``run_gap`` (points) is the extra advance before a run of another font inside a word, the
    kerning or character spacing that makes naive extractors see two words; ``objects`` is
    "line" (one text object per line, font switches inside it) or "run" (one text object per
    run of one font, as some producers write).
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    path = font_path()
    if path is None:
        raise FileNotFoundError("no DejaVu font")
    for name in ("Sample", "SampleVN"):  # the same glyphs under two names, as office suites do
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    paragraphs = [ln.strip() for ln in text.split("\n") if ln.strip()]
    header, body = paragraphs[:header_lines], paragraphs[header_lines:]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=True)
    layout = _Layout(pdf, pdfmetrics.stringWidth, run_gap, objects == "run")
    layout.two_column_header(header)
    crossed = ""
    for paragraph in body:
        if paragraph.startswith(("PHỤ LỤC", "Phụ lục")) and layout.y < PAGE_H - TOP - LEADING:
            layout.new_page()
        if paragraph.startswith(crossing):
            crossed = paragraph
            layout.y = min(layout.y, BOTTOM + 3 * LEADING)  # three lines left on this page
        layout.paragraph(paragraph)
    layout.finish_page()
    pdf.save()
    words = [w for p in body for w in p.split()]
    return PdfSample(buffer.getvalue(), layout.page, crossed, words)


class _Layout:
    def __init__(self, pdf: object, width_of: object, run_gap: float, per_run: bool) -> None:
        self.pdf = pdf
        self.width_of = width_of
        self.run_gap = run_gap
        self.per_run = per_run
        self.page = 1
        self.y = PAGE_H - TOP

    def two_column_header(self, header: list[str]) -> None:
        issuer, motto, motto2, number, date = (header + [""] * 5)[:5]
        rows = [(issuer, motto), ("", motto2), (number, date)]
        for left, right in rows:
            self.centred(left, 170.0)
            self.centred(right, 400.0)
            self.y -= LEADING
        self.y -= LEADING

    def centred(self, text: str, centre: float) -> None:
        if text:
            width = self.width_of(text, "Sample", SIZE)
            self.words([text], centre - width / 2, 0.0)

    def paragraph(self, text: str) -> None:
        heading = text == text.upper() or text.startswith(("Chương ", "Mục ", "PHỤ LỤC"))
        lines = self.wrap(text, PAGE_W - LEFT - RIGHT - (0 if heading else 0))
        for n, line in enumerate(lines):
            if self.y < BOTTOM:
                self.new_page()
            last = n == len(lines) - 1
            if heading:
                width = self.width_of(" ".join(line), "Sample", SIZE)
                self.words(line, (PAGE_W - width) / 2, self.width_of(" ", "Sample", SIZE))
            else:
                self.justified(line, last)
            self.y -= LEADING

    def wrap(self, text: str, width: float) -> list[list[str]]:
        lines: list[list[str]] = [[]]
        for word in text.split():
            candidate = " ".join(lines[-1] + [word])
            if lines[-1] and self.width_of(candidate, "Sample", SIZE) > width:
                lines.append([word])
            else:
                lines[-1].append(word)
        return lines

    def justified(self, words: list[str], last: bool) -> None:
        space = self.width_of(" ", "Sample", SIZE)
        if not last and len(words) > 1:
            used = sum(self.width_of(w, "Sample", SIZE) for w in words)
            space = (PAGE_W - LEFT - RIGHT - used) / (len(words) - 1)
        self.words(words, LEFT, space)

    def words(self, words: list[str], x: float, space: float) -> None:
        """Each word placed on its own (spaces are gaps, not characters); within a word, the
        Vietnamese letters come from the second font name, placed after the rest."""
        line = self.pdf.beginText()
        for word in words:
            for n, (run, font) in enumerate(_runs(word)):
                x += self.run_gap if n else 0.0
                if self.per_run:
                    self.pdf.setFont(font, SIZE)
                    self.pdf.drawString(x, self.y, run)
                else:
                    line.setTextOrigin(x, self.y)
                    line.setFont(font, SIZE)
                    line.textOut(run)
                x += self.width_of(run, font, SIZE)
            x += space
        if not self.per_run:
            self.pdf.drawText(line)

    def new_page(self) -> None:
        self.finish_page()
        self.pdf.showPage()
        self.page += 1
        self.y = PAGE_H - TOP

    def finish_page(self) -> None:
        """Running header (with the page number, outer side) and foot of the page."""
        self.pdf.setFont("Sample", 10)
        if self.page > 1:
            head = f"{self.page} {JOURNAL}" if self.page % 2 == 0 else f"{JOURNAL} {self.page}"
            self.pdf.drawString(LEFT, PAGE_H - 45, head)
        self.pdf.drawCentredString(PAGE_W / 2, 40, FOOTER)
        self.pdf.drawCentredString(PAGE_W / 2, 25, str(self.page))


def _runs(word: str) -> list[tuple[str, str]]:
    """ "luật" → [("lu", "Sample"), ("ật", "SampleVN")]: a new run at each change of font."""
    runs: list[tuple[str, str]] = []
    for ch in word:
        font = "Sample" if ch in _LATIN or not ch.isalpha() else "SampleVN"
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + ch, font)
        else:
            runs.append((ch, font))
    return runs
