"""Every part of a file is kept, cited by its name and measured (issue 10).

A decision and the regulation issued with it, a Thông tư and its Phụ lục (one holding a
sample decision), a Kế hoạch with I., 1., a), - sections: fictional samples of each shape,
and the real Bắc Ninh decision of the corpus, parsed by the real parser and stored in a real
SQLite file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.citation import render_citation
from knowledge.coverage import MIN_COVERAGE, unparsed_excerpt
from knowledge.metadata import infer_meta, read_manifest, replaced_numbers
from knowledge.model import UNIT_ARTICLE, ParsedDocument
from knowledge.store import KnowledgeStore
from knowledge.sync import add_files, parse_bytes
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.conftest import CORPUS, needs_corpus
from tests.sample_docs import (
    KE_HOACH,
    LOST_AFTER_SIGNATURE,
    QUYET_DINH_QUY_CHE,
    THONG_TU_PHU_LUC,
)

SAMPLES = {
    "quyet-dinh-quy-che.txt": QUYET_DINH_QUY_CHE,
    "thong-tu-phu-luc.txt": THONG_TU_PHU_LUC,
    "ke-hoach.txt": KE_HOACH,
}


def parse(name: str, text: str) -> ParsedDocument:
    return parse_bytes(text.encode("utf-8"), name)


def series(doc: ParsedDocument) -> dict[str | None, list[str]]:
    """Part name → its article labels, in order."""
    found: dict[str | None, list[str]] = {}
    for unit in doc.units:
        if unit.kind == UNIT_ARTICLE:
            found.setdefault(unit.attachment, []).append(unit.label)
    return found


def cite(doc: ParsedDocument, label: str, attachment: str | None, clause: str | None = None) -> str:
    index, unit = next(
        (i, u) for i, u in enumerate(doc.units) if u.label == label and u.attachment == attachment
    )
    passage = next(p for p in doc.passages if p.unit_index == index and p.clause == clause)
    return render_citation(
        doc.meta,
        unit.kind,
        unit.label,
        unit.title,
        passage.clause,
        passage.point,
        passage.paragraph,
        attachment=unit.attachment,
    )


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_are_kept_whole_and_verbatim(name: str) -> None:
    doc = parse(name, SAMPLES[name])
    assert doc.coverage is not None and doc.coverage >= MIN_COVERAGE, unparsed_excerpt(doc)
    for passage in doc.passages:
        assert passage.text and passage.text in SAMPLES[name]
        assert doc.text[passage.start : passage.end] == passage.text
    assert "Nơi nhận" not in " ".join(p.text for p in doc.passages if p.unit_index == 0)


def test_decision_and_its_regulation_are_two_citable_series() -> None:
    doc = parse("quyet-dinh-quy-che.txt", QUYET_DINH_QUY_CHE)
    assert series(doc) == {None: ["1", "2", "3"], "Quy chế": ["1", "2", "3", "4", "5"]}
    assert cite(doc, "3", "Quy chế", "1") == (
        "Khoản 1 Điều 3 Quy chế ban hành kèm theo Quyết định số 21/2099/QĐ-UBND"
    )
    assert cite(doc, "2", None) == "Điều 2 Quyết định số 21/2099/QĐ-UBND"
    regulation = [u for u in doc.units if u.attachment == "Quy chế"]
    assert [u.chapter for u in regulation] == ["I", "I", "II", "II", "III"]
    # The signature block stays out of the decision's last article.
    last = next(u for u in doc.units if u.attachment is None and u.label == "3")
    assert "Nơi nhận" not in doc.unit_text(last)


def test_circular_appendices_are_parts_and_a_sample_decision_keeps_its_articles() -> None:
    doc = parse("thong-tu-phu-luc.txt", THONG_TU_PHU_LUC)
    assert series(doc) == {None: ["1", "2", "3", "4", "5"], "Phụ lục II": ["1", "2", "3"]}
    appendices = [u for u in doc.units if u.label.startswith("Phụ lục")]
    assert [(u.label, u.attachment) for u in appendices] == [
        ("Phụ lục I", "Phụ lục I"),
        ("Phụ lục II", "Phụ lục II"),
        ("Phụ lục III", "Phụ lục III"),
    ]
    # An appendix can be shown whole; its form is kept as text passages.
    form = doc.unit_text(appendices[0])
    assert form.startswith("PHỤ LỤC I") and "(Ký, ghi rõ họ tên và đóng dấu)" in form
    assert any("Kính gửi: Bộ trưởng Bộ Cây cảnh." in p.text for p in doc.passages)
    assert cite(doc, "Phụ lục I", "Phụ lục I").startswith(
        "Phụ lục I (MẪU TỜ TRÌNH ĐỀ NGHỊ KHEN THƯỞNG) Thông tư số 99/2099/TT-BCC"
    )
    assert cite(doc, "1", "Phụ lục II") == "Điều 1 Phụ lục II Thông tư số 99/2099/TT-BCC"
    assert cite(doc, "3", None, "1") == "Khoản 1 Điều 3 Thông tư số 99/2099/TT-BCC"


def test_plan_sections_keep_their_numbering_under_each_roman_part() -> None:
    doc = parse("ke-hoach.txt", KE_HOACH)
    assert [(u.chapter, u.label) for u in doc.units] == [
        (None, "I"),
        ("I", "1"),
        ("I", "2"),
        (None, "II"),
        ("II", "1"),
        ("II", "2"),
        (None, "III"),
        ("III", "1"),
        ("III", "2"),
        (None, "IV"),
    ]
    reward = next(i for i, u in enumerate(doc.units) if u.chapter == "III" and u.label == "1")
    (passage,) = [p for p in doc.passages if p.unit_index == reward]
    assert "chậu sứ men lam" in passage.text
    requirements = next(i for i, u in enumerate(doc.units) if u.title == "Yêu cầu")
    assert "- Việc bình chọn" in next(p.text for p in doc.passages if p.unit_index == requirements)
    assert not any("Lê Thị Mẫu" in p.text for p in doc.passages)


@pytest.mark.parametrize(
    ("name", "title", "issuer", "scope", "replaces"),
    [
        (
            "quyet-dinh-quy-che.txt",
            "Quyết định ban hành Quy chế thi đua, khen thưởng trong phong trào chăm sóc cây cảnh "
            "của thành phố Mẫu Đơn",
            "Ủy ban nhân dân thành phố Mẫu Đơn",
            "thành phố Mẫu Đơn",
            ("7/2098/QĐ-UBND",),
        ),
        (
            "thong-tu-phu-luc.txt",
            "Thông tư hướng dẫn khen thưởng trong ngành cây cảnh mẫu",
            "Bộ Cây cảnh",
            "toàn quốc",
            ("12/2090/TT-BCC",),
        ),
        (
            "ke-hoach.txt",
            "Kế hoạch phát động phong trào thi đua “Mỗi nhà một chậu bonsai” năm 2099",
            "Ủy ban nhân dân tỉnh Thanh Trúc",
            "tỉnh Thanh Trúc",
            (),
        ),
    ],
)
def test_header_gives_title_issuer_scope_and_replaced_documents(
    name: str, title: str, issuer: str, scope: str, replaces: tuple[str, ...]
) -> None:
    meta = infer_meta(SAMPLES[name], name)
    assert (meta.title, meta.issuer, meta.scope, meta.replaces) == (title, issuer, scope, replaces)


def test_title_never_runs_into_the_body_and_stays_short() -> None:
    body = "Nội dung thi đua gồm chăm sóc cây cảnh " * 20
    text = f"KẾ HOẠCH\nTổ chức ngày hội cây cảnh mẫu\n{body}\nI. MỤC ĐÍCH\n"
    assert infer_meta(text, "kh.txt").title == "Kế hoạch tổ chức ngày hội cây cảnh mẫu"
    long_name = "Tổ chức ngày hội cây cảnh mẫu " + "và hội thi bonsai " * 12
    title = infer_meta(f"KẾ HOẠCH\n{long_name.strip()}\nI. MỤC ĐÍCH\n", "kh.txt").title
    assert len(title) <= 200 and title.endswith("…")


@pytest.mark.parametrize(
    ("header", "issuer", "scope"),
    [
        (
            "QUỐC HỘI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nLuật số: 99/2099/QH99",
            "Quốc hội",
            "toàn quốc",
        ),
        ("THỦ TƯỚNG CHÍNH PHỦ\nSố: 9/2099/QĐ-TTg", "Thủ tướng Chính phủ", "toàn quốc"),
        (
            "BỘ GIÁO DỤC VÀ ĐÀO TẠO\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "TRƯỜNG ĐẠI HỌC CÂY CẢNH MẪU\nĐộc lập - Tự do - Hạnh phúc\nSố: 9/QĐ-ĐHCC",
            "Trường Đại học Cây Cảnh Mẫu",
            "Trường Đại học Cây Cảnh Mẫu",
        ),
        (
            "UBND TỈNH THANH TRÚC\nSỞ NỘI VỤ\nSố: 9/HD-SNV",
            "Sở Nội vụ tỉnh Thanh Trúc",
            "tỉnh Thanh Trúc",
        ),
        (
            "BỘ CÂY CẢNH -------- CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 9/QĐ-BCC",
            "Bộ Cây cảnh",
            "Bộ Cây cảnh",
        ),
    ],
)
def test_issuer_and_scope_from_the_header(header: str, issuer: str, scope: str) -> None:
    meta = infer_meta(f"{header}\nQUYẾT ĐỊNH\nVề việc mẫu\nĐiều 1. Mẫu.\n", "x.txt")
    assert (meta.issuer, meta.scope) == (issuer, scope)


def test_partial_repeal_is_not_a_replaced_document() -> None:
    assert replaced_numbers("Điều 3. Bãi bỏ Điều 5 của Quyết định số 12/2098/QĐ-MAU.") == ()
    assert replaced_numbers("Bãi bỏ Quyết định số 12/2098/QĐ-MAU ngày 01 tháng 01 năm 2098.") == (
        "12/2098/QĐ-MAU",
    )


def test_text_after_the_signature_that_no_part_explains_is_reported() -> None:
    doc = parse("ngay-hoi.txt", LOST_AFTER_SIGNATURE)
    assert doc.coverage is not None and doc.coverage < MIN_COVERAGE
    excerpt = unparsed_excerpt(doc)
    assert excerpt[0].startswith("Ngày hội gồm phần thi cắt tỉa bonsai")
    assert excerpt[1].startswith("Mỗi câu lạc bộ được đăng ký")
    assert not any("Lưu: VT" in line or "Nguyễn Văn Mẫu" in line for line in excerpt)


def test_adding_a_partly_parsed_file_needs_confirmation(tmp_path: Path) -> None:
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    path = tmp_path / "ngay-hoi.txt"
    path.write_text(LOST_AFTER_SIGNATURE, encoding="utf-8")
    held = add_files(store, [path], tokenize)
    assert not held.added and not store.documents()
    assert "Ngày hội gồm phần thi cắt tỉa bonsai" in held.held[0]
    loaded = add_files(store, [path], tokenize, accept_partial=True)
    assert loaded.added and loaded.partial
    (info,) = store.documents()
    assert info.coverage is not None and info.coverage < MIN_COVERAGE


def test_stored_parts_are_found_and_cited_by_part(tmp_path: Path) -> None:
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    path = tmp_path / "quyet-dinh-quy-che.txt"
    path.write_text(QUYET_DINH_QUY_CHE, encoding="utf-8")
    assert add_files(store, [path], tokenize).added
    views = [store.unit(u) for u in store.find_units("2", "21/2099/QĐ-UBND")]
    assert [v.attachment for v in views if v] == ["Quy chế", None]  # the regulation first
    assert views[0] is not None and views[0].title == "Đối tượng áp dụng"
    (info,) = store.documents()
    assert (info.meta.scope, info.meta.replaces) == ("thành phố Mẫu Đơn", ("7/2098/QĐ-UBND",))
    assert info.coverage is not None and info.coverage >= MIN_COVERAGE
    best = SearchEngine(store, check_interval=0).search(
        "tiêu chuẩn danh hiệu Vườn ươm xanh tiêu biểu", 1
    )[0]
    assert best.citation.endswith(
        "Điều 3 Quy chế ban hành kèm theo Quyết định số 21/2099/QĐ-UBND"
    ), best.citation


@needs_corpus
@pytest.mark.parametrize("name", sorted(read_manifest(CORPUS)) if CORPUS.exists() else [])
def test_every_corpus_document_is_kept_almost_whole(name: str) -> None:
    doc = parse_bytes((CORPUS / name).read_bytes(), name, read_manifest(CORPUS)[name])
    assert doc.coverage is not None and doc.coverage >= MIN_COVERAGE, unparsed_excerpt(doc)


@needs_corpus
def test_bac_ninh_decision_keeps_its_regulation() -> None:
    name = "qd-86-2025-qd-ubnd-bac-ninh-quy-dinh-tdkt.txt"
    doc = parse_bytes((CORPUS / name).read_bytes(), name)  # header only, no manifest
    found = series(doc)
    assert found[None] == ["1", "2", "3"]
    assert found["Quy định"] == [str(n) for n in range(1, 12)]
    assert {u.chapter for u in doc.units if u.attachment == "Quy định"} == {
        "I",
        "II",
        "III",
        "IV",
        "V",
    }
    assert doc.meta.scope == "tỉnh Bắc Ninh" and doc.meta.replaces == ("13/2024/QĐ-UBND",)
    assert cite(doc, "3", "Quy định", "1").startswith(
        "Khoản 1 Điều 3 Quy định ban hành kèm theo Quyết định số 86/2025/QĐ-UBND"
    )
