"""The real corpus parses into the structure its texts have (issue: knowledge base)."""

from __future__ import annotations

import pytest

from knowledge.metadata import read_manifest
from knowledge.model import UNIT_ARTICLE, UNIT_SECTION, UNIT_TEXT, ParsedDocument
from knowledge.sync import parse_bytes
from tests.conftest import CORPUS, needs_corpus

pytestmark = needs_corpus


def parse(name: str) -> ParsedDocument:
    meta = read_manifest(CORPUS).get(name)
    return parse_bytes((CORPUS / name).read_bytes(), name, meta)


def article_labels(doc: ParsedDocument) -> list[str]:
    return [u.label for u in doc.units if u.kind == UNIT_ARTICLE]


def test_law_2022_has_articles_1_to_96_with_chapters_and_sections() -> None:
    doc = parse("luat-06-2022-qh15.txt")
    assert article_labels(doc) == [str(n) for n in range(1, 97)]
    chapters = {u.chapter for u in doc.units}
    assert chapters == {"I", "II", "III", "IV", "V", "VI", "VII", "VIII"}
    sections = {(u.chapter, u.section) for u in doc.units if u.section}
    assert ("III", "1") in sections and ("IV", "2") in sections
    art84 = next(u for u in doc.units if u.label == "84")
    assert art84.section == "2" and art84.title.startswith("Hồ sơ đề nghị")


def test_article_84_has_seven_clauses_and_clause_1_has_points_a_to_d() -> None:
    doc = parse("luat-06-2022-qh15.txt")
    index = next(i for i, u in enumerate(doc.units) if u.label == "84")
    clauses = [p for p in doc.passages if p.unit_index == index]
    assert [p.clause for p in clauses] == [str(n) for n in range(1, 8)]
    clause1 = clauses[0].text
    points = [line[:2] for line in clause1.split("\n") if line[1:2] == ")"]
    assert points == ["a)", "b)", "c)", "d)"]


def test_clause_without_space_after_its_number_is_a_clause() -> None:
    doc = parse("luat-06-2022-qh15.txt")
    index = next(i for i, u in enumerate(doc.units) if u.label == "43")
    clauses = [p.clause for p in doc.passages if p.unit_index == index]
    assert clauses == [str(n) for n in range(1, 8)]  # "1.“Huân chương…" has no space


def test_clause_with_footnote_marker_is_a_clause() -> None:
    doc = parse("luat-15-2003-qh11-vbhn-16-2013.txt")
    index = next(i for i, u in enumerate(doc.units) if u.label == "6")
    passages = [p for p in doc.passages if p.unit_index == index]
    assert [p.clause for p in passages] == ["1", "2", "3"]
    assert passages[1].text.startswith("2.[4] ")


def test_decree_152_has_articles_1_to_61_in_chapters_i_to_ix() -> None:
    doc = parse("nd-152-2025.txt")
    assert article_labels(doc) == [str(n) for n in range(1, 62)]
    assert {u.chapter for u in doc.units} == {
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
    }
    art7 = next(u for u in doc.units if u.label == "7")
    # "Mục 1" stands alone on its line; its title is on the next line.
    assert art7.section == "1" and art7.section_title
    assert not art7.section_title.startswith("Điều")


def test_consolidated_2003_law_has_articles_1_to_103_and_no_footnote_articles() -> None:
    doc = parse("luat-15-2003-qh11-vbhn-16-2013.txt")
    labels = article_labels(doc)
    numeric = [label for label in labels if label.isdigit()]
    assert numeric == [str(n) for n in range(1, 104)]
    # Articles inserted by amendments keep their letter.
    assert set(labels) - set(numeric) == {"58a", "91a"}
    last = doc.units[-1]
    assert "[1]" not in doc.unit_text(last) and "CHÚ THÍCH" not in doc.unit_text(last)
    art4 = next(u for u in doc.units if u.label == "4")
    assert doc.unit_text(art4).startswith("Điều 4[2]")


def test_guidance_parses_into_numbered_sections_and_appendix() -> None:
    doc = parse("hd-2346-hd-dhm-2024-binh-xet-tdkt.txt")
    assert {u.kind for u in doc.units} == {UNIT_SECTION}
    labels = [u.label for u in doc.units]
    for expected in ("1", "1.1", "2.5.1", "3.1", "3.3.2", "4.2", "Phụ lục 1"):
        assert expected in labels
    appendix = [u for u in doc.units if u.attachment == "Phụ lục 1"]
    # The appendix as a whole, then its own numbered sections (numbering starts again).
    assert [u.label for u in appendix] == ["Phụ lục 1", "1", "2", "3", "4", "5", "6"]
    assert all(u.attachment is None for u in doc.units if u not in appendix)


def test_news_item_parses_into_paragraph_passages() -> None:
    doc = parse("tin-tap-huan-tdkt-2023.txt")
    assert [u.kind for u in doc.units] == [UNIT_TEXT]
    assert len(doc.passages) >= 3
    assert any("Chuyên đề 6" in p.text for p in doc.passages)


@pytest.mark.parametrize("name", sorted(read_manifest(CORPUS)) if CORPUS.exists() else [])
def test_every_passage_is_a_verbatim_substring_of_its_source(name: str) -> None:
    doc = parse(name)
    source = (CORPUS / name).read_text(encoding="utf-8")
    assert doc.passages
    for passage in doc.passages:
        assert passage.text and passage.text in source
        assert doc.text[passage.start : passage.end] == passage.text
        assert len(passage.text) <= 2000 or "\n" not in passage.text


def test_manifest_metadata_is_used() -> None:
    doc = parse("luat-15-2003-qh11-vbhn-16-2013.txt")
    assert doc.meta.number == "16/VBHN-VPQH"
    assert doc.meta.status == "het-hieu-luc"
    assert doc.meta.replaced_by == "06/2022/QH15"
