"""Uploads in every format become citable passages; metadata comes from the header when no
manifest is given."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest
from pptx import Presentation
from pptx.util import Inches

from knowledge.metadata import infer_meta
from knowledge.model import STATUS_UNKNOWN
from knowledge.store import KnowledgeStore
from knowledge.sync import add_files, sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.conftest import CORPUS, needs_corpus
from tests.sample_docs import QUY_CHE_MAU


@pytest.fixture()
def store(tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")


def test_docx_law_parses_into_articles_and_clauses(store: KnowledgeStore, tmp_path: Path) -> None:
    document = docx.Document()
    for paragraph in QUY_CHE_MAU.split("\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph)
    path = tmp_path / "quy-che-mau.docx"
    document.save(path)
    report = add_files(store, [path], tokenize)
    assert report.added, report.errors
    engine = SearchEngine(store, check_interval=0)
    best = engine.search("hồ sơ đề nghị danh hiệu Người trồng cây giỏi gồm gì", 1)[0]
    assert best.citation.startswith("Khoản 2 Điều 2 ")
    assert "ảnh chụp chậu cây" in best.text


def test_pptx_slides_are_passages_cited_by_slide(store: KnowledgeStore, tmp_path: Path) -> None:
    deck = Presentation()
    for title, body in [
        ("Giới thiệu câu lạc bộ", "Câu lạc bộ cây cảnh sinh hoạt vào chủ nhật hằng tuần."),
        ("Cách tưới bonsai", "Tưới nước cho bonsai vào sáng sớm, tránh để úng rễ cây."),
    ]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Lịch trông vườn"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    box.text_frame.text = "Phân công trông vườn ươm cây cảnh trong kỳ nghỉ hè sắp tới."
    path = tmp_path / "tap-huan-cay-canh.pptx"
    deck.save(path)
    report = add_files(store, [path], tokenize)
    assert report.added, report.errors
    best = SearchEngine(store, check_interval=0).search("tưới nước bonsai lúc nào", 1)[0]
    assert best.citation.startswith("Slide 2 — Cách tưới bonsai, ")
    assert "sáng sớm" in best.text


@needs_corpus
@pytest.mark.parametrize(
    ("name", "number", "kind"),
    [
        ("luat-06-2022-qh15.txt", "06/2022/QH15", "luat"),
        ("nd-152-2025.txt", "152/2025/NĐ-CP", "nghi-dinh"),
        ("hd-2346-hd-dhm-2024-binh-xet-tdkt.txt", "2346/HD-ĐHM", "huong-dan"),
    ],
)
def test_header_metadata_without_manifest(name: str, number: str, kind: str) -> None:
    meta = infer_meta((CORPUS / name).read_text(encoding="utf-8"), name)
    assert meta.number == number
    assert meta.kind == kind
    assert meta.status == STATUS_UNKNOWN
    assert meta.issued is not None


@needs_corpus
def test_folder_without_manifest_loads_with_unknown_status(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    folder = tmp_path / "no-manifest"
    folder.mkdir()
    shutil.copy(CORPUS / "luat-06-2022-qh15.txt", folder)
    report = sync_folder(store, folder, tokenize)
    assert report.added and not report.errors
    (doc,) = store.documents()
    assert doc.meta.number == "06/2022/QH15"
    assert doc.meta.status == STATUS_UNKNOWN
    assert doc.meta.issued is not None and doc.meta.issued.year == 2022


def test_regulation_header_gives_kind_and_title() -> None:
    meta = infer_meta(QUY_CHE_MAU, "quy-che-mau.txt")
    assert meta.number == "01/2099/QC-MAU"
    assert meta.kind == "quy-che"
    assert meta.title == "Quy chế thi đua mẫu của Câu lạc bộ Cây cảnh"


def test_title_fallback_skips_header_boilerplate() -> None:
    text = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 7/2099/TB-MAU\n"
        "Thông báo lịch sinh hoạt câu lạc bộ\n"
    )
    assert infer_meta(text, "tb.txt").title == "Thông báo lịch sinh hoạt câu lạc bộ"
