"""Official PDFs as published: whole syllables, no page furniture, clauses across pages.

The PDFs are generated from the fictional Thông tư of tests/sample_docs.py with a real font
(tests/pdf_samples.py): two-column header, running header with page numbers, footer, a clause
running across a page break, Vietnamese letters drawn from a second font, both with one text
object per line and with one per run (where pypdf splits syllables and PDFium does not).
"""

from __future__ import annotations

import re

import pytest

from knowledge.coverage import MIN_COVERAGE, unparsed_excerpt
from knowledge.model import UNIT_ARTICLE
from knowledge.pdf_text import clean_pages, drop_furniture, join_paragraphs
from knowledge.sync import parse_bytes
from tests.pdf_samples import FOOTER, JOURNAL, PdfSample, font_path, official_pdf
from tests.sample_docs import THONG_TU_PHU_LUC

CROSSING = "1. Hồ sơ đề nghị xét tặng Kỷ niệm chương Chồi non"
needs_font = pytest.mark.skipif(font_path() is None, reason="no DejaVu font to draw Vietnamese")


def words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^\w]", "", t) for t in text.split()) if w]


@pytest.fixture(scope="module", params=["line", "run"])
def sample(request: pytest.FixtureRequest) -> PdfSample:
    if font_path() is None:
        pytest.skip("no DejaVu font to draw Vietnamese")
    pytest.importorskip("reportlab")
    return official_pdf(THONG_TU_PHU_LUC, CROSSING, run_gap=0.5, objects=request.param)


@needs_font
def test_passages_hold_whole_syllables_and_no_page_furniture(sample: PdfSample) -> None:
    doc = parse_bytes(sample.data, "thong-tu-mau.pdf")
    assert sample.pages >= 4
    assert doc.coverage is not None and doc.coverage >= MIN_COVERAGE, unparsed_excerpt(doc)
    source = set(words(" ".join(sample.body_words)))
    for passage in doc.passages:
        assert doc.text[passage.start : passage.end] == passage.text
        assert "CÔNG BÁO" not in passage.text and FOOTER not in passage.text
        split = [w for w in words(passage.text) if w not in source]
        assert not split, (split, passage.text)


@needs_font
def test_clause_across_a_page_is_one_passage_and_both_series_are_citable(sample: PdfSample) -> None:
    doc = parse_bytes(sample.data, "thong-tu-mau.pdf")
    assert any(p.text == sample.crossing for p in doc.passages)
    articles = {(u.attachment, u.label) for u in doc.units if u.kind == UNIT_ARTICLE}
    assert {(None, "1"), (None, "5"), ("Phụ lục II", "1"), ("Phụ lục II", "3")} <= articles
    assert [u.label for u in doc.units if u.label.startswith("Phụ lục")] == [
        "Phụ lục I",
        "Phụ lục II",
        "Phụ lục III",
    ]
    meta = doc.meta
    assert (meta.number, meta.kind, meta.scope) == ("99/2099/TT-BCC", "thong-tu", "toàn quốc")
    assert meta.title == "Thông tư hướng dẫn khen thưởng trong ngành cây cảnh mẫu"


def test_running_headers_with_page_numbers_on_either_side_are_dropped() -> None:
    pages = [
        ["BỘ CÂY CẢNH", "Điều 1. Phạm vi", "Nội dung trang một", "Bản điện tử mẫu", "1"],
        [f"2 {JOURNAL}", "tiếp nội dung trang hai", "Bản điện tử mẫu", "2"],
        [f"{JOURNAL} 3", "Điều 2. Hiệu lực", "Bản điện tử mẫu", "3"],
    ]
    assert drop_furniture(pages) == [
        ["BỘ CÂY CẢNH", "Điều 1. Phạm vi", "Nội dung trang một"],
        ["tiếp nội dung trang hai"],
        ["Điều 2. Hiệu lực"],
    ]


def test_lines_join_into_paragraphs_but_structure_starts_stay() -> None:
    full = "Hồ sơ đề nghị gồm tờ trình của vườn ươm và bản tóm tắt thành tích của người"
    lines = [
        "Điều 3. Hồ sơ đề nghị",
        f"1. {full}",
        "trồng cây cảnh mẫu.",
        "2. Bản sao các quyết định khen thưởng đã được tặng trong những năm trước đây của",
        "vườn ươm:",
        "a) Bản chụp ảnh chậu cây tiêu biểu;",
        "- Ghi rõ năm trồng.",
        "CHƯƠNG MẪU VIẾT HOA",
    ]
    assert join_paragraphs([lines[:3], lines[3:]]).split("\n") == [
        "Điều 3. Hồ sơ đề nghị",
        f"1. {full} trồng cây cảnh mẫu.",
        "2. Bản sao các quyết định khen thưởng đã được tặng trong những năm trước đây của "
        "vườn ươm:",
        "a) Bản chụp ảnh chậu cây tiêu biểu;",
        "- Ghi rõ năm trồng.",
        "CHƯƠNG MẪU VIẾT HOA",
    ]


def test_pages_are_cleaned_to_nfc_single_spaced_lines() -> None:
    decomposed = "Điều 1.  Pha\u0323m vi"  # combining dot below, double space
    assert clean_pages([decomposed + "\r\n\r\n"]) == "Điều 1. Phạm vi"
