"""Telegram-free formatting: escaping, highlighting, splitting, checklists, references,
statuses, caption metadata."""

from __future__ import annotations

import re
from datetime import date

from handlers.render import (
    checklist,
    esc,
    highlight,
    question_terms,
    render_answer,
    split_text,
)
from knowledge.activity import SavedAnswer, SavedItem
from knowledge.citation import status_line
from knowledge.uploads import parse_caption, unsupported_reason
from retrieval.lexicon import load_lexicon
from retrieval.question import MAX_QUESTION_CHARS, clean_question, has_words, is_dossier_question
from retrieval.references import find_references
from tests.sample_docs import sample_item

try:
    from tests.fake_bot_api import _parse_html
except ImportError:  # pragma: no cover
    from fake_bot_api import _parse_html  # type: ignore[no-redef]


def _item(text: str, **kw: object) -> SavedItem:
    return sample_item(text=text, **kw)


def test_highlight_escapes_every_piece_and_never_breaks_entities() -> None:
    terms = question_terms("Hồ sơ <khen> & thưởng?")
    out = highlight("Hồ sơ khen thưởng <b>gồm</b> A & B; hồ sơ", terms)
    assert out == "<b>Hồ sơ khen thưởng</b> &lt;b&gt;gồm&lt;/b&gt; A &amp; B; <b>hồ sơ</b>"
    text, entities = _parse_html(out)  # the fake server's strict Telegram HTML parser
    assert text == "Hồ sơ khen thưởng <b>gồm</b> A & B; hồ sơ"
    assert [e["type"] for e in entities] == ["bold", "bold"]


def test_highlight_ignores_diacritics_only_when_the_question_has_none() -> None:
    unaccented = question_terms("ho so de nghi bang khen")
    assert highlight("Hồ sơ đề nghị tặng Bằng khen", unaccented) == (
        "<b>Hồ sơ đề nghị</b> tặng <b>Bằng khen</b>"
    )
    accented = question_terms("Hồ sơ thi đua")
    # "hồ sơ" must not light up "số"/"hô" when the officer typed the accents.
    assert highlight("Số hồ sơ, hô hào thi đua", accented) == (
        "Số <b>hồ sơ</b>, hô hào <b>thi đua</b>"
    )
    # Old-style tone marks ("hoà") and case still match.
    assert highlight("HÒA GIẢI", question_terms("hoà giải")) == "<b>HÒA GIẢI</b>"


def test_question_words_skip_function_words() -> None:
    terms = question_terms("Ai có thẩm quyền quyết định tặng giấy khen là gì?")
    assert not {"ai", "gì", "là", "có"} & terms.singles
    assert ("thẩm", "quyền") in terms.phrases and ("giấy", "khen") in terms.phrases
    assert not any(p[0] in {"ai", "có"} or p[-1] in {"là", "gì"} for p in terms.phrases)


def test_display_only_function_words_are_not_highlighted_but_still_rank() -> None:
    """ "sau", "trên" (stopwords.toml [display]) are never highlighted, yet they are no
    question words for ranking: "sau đây", "trên địa bàn" are the texts' own words."""
    terms = question_terms("Khen thưởng sau khi nghỉ hưu trên địa bàn xã")
    assert not {"sau", "trên"} & terms.singles
    assert not any(p[0] in {"sau", "trên"} or p[-1] in {"sau", "trên"} for p in terms.phrases)
    assert ("địa", "bàn") in terms.phrases or "địa" in terms.singles
    assert "sau" not in load_lexicon().stopwords and "trên" not in load_lexicon().stopwords


def test_highlight_follows_question_phrases_not_lone_syllables() -> None:
    terms = question_terms("Hồ sơ đề nghị xét tặng danh hiệu thi đua gồm những gì?")
    text = "sáng kiến, đề tài khoa học, đề nghị danh hiệu “Chiến sĩ thi đua”; Nghị định này"
    assert highlight(text, terms) == (
        "sáng kiến, đề tài khoa học, <b>đề nghị danh hiệu</b> “Chiến sĩ <b>thi đua</b>”; "
        "Nghị định này"
    )
    # "tặng" is a word of its own in the question: highlighted alone too.
    assert highlight("xét tặng Huân chương", terms) == "<b>xét tặng</b> Huân chương"


def test_split_text_on_clause_boundaries_under_the_limit() -> None:
    clauses = [f"{n}. " + ("Nội dung khoản số {n}. " * 40).format(n=n) for n in range(1, 9)]
    text = "Điều 9. Tiêu đề\n\n" + "\n\n".join(clauses)
    pieces = split_text(text, 2000)
    assert len(pieces) > 1
    assert all(len(p) <= 2000 for p in pieces)
    assert all(re.match(r"\d+\. ", p) for p in pieces[1:])  # each part starts a clause
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_split_text_hard_splits_a_giant_paragraph() -> None:
    text = "Một câu rất dài; " * 600
    pieces = split_text(text, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_checklist_from_points() -> None:
    text = "1. Hồ sơ gồm:\n\na) Tờ trình đề nghị;\n\nb) Báo cáo thành tích;\n\nđ) Biên bản họp."
    assert checklist(text) == (
        "1. Hồ sơ gồm:\n☐ a) Tờ trình đề nghị;\n☐ b) Báo cáo thành tích;\n☐ đ) Biên bản họp."
    )
    assert checklist("1. Không có điểm nào.") is None


def test_dossier_questions_with_or_without_diacritics() -> None:
    assert is_dossier_question("Hồ sơ đề nghị tặng Bằng khen gồm những gì?")
    assert is_dossier_question("hs de nghi bang khen thu tuong gom nhung gi")
    assert is_dossier_question("thu tuc khen thuong dot xuat")
    assert is_dossier_question("Cần những giấy tờ gì?")
    assert not is_dossier_question("Tiêu chuẩn Chiến sĩ thi đua cơ sở")


def test_dossier_answer_renders_a_checklist() -> None:
    item = _item("2. Hồ sơ đề nghị gồm:\n\na) Ảnh chụp chậu cây;\n\nb) Bản tự nhận xét.")
    answer = SavedAnswer("abc", "ho so gom nhung gi", None, 1, [item])  # type: ignore[arg-type]
    html = render_answer(answer, 0)
    assert "☐ a) Ảnh chụp chậu cây;" in html and "☐ b) Bản tự nhận xét." in html
    assert html.startswith("📌 <b>Khoản 1 Điều 2 Quy chế mẫu số 01/2099/QC-MAU</b>")
    _parse_html(html)  # valid Telegram HTML


def test_references_in_a_passage() -> None:
    text = (
        "quy định tại các khoản 2, 3 và 4 Điều 83 của Luật này; khoản 5 Điều 84 của Luật Thi "
        "đua, khen thưởng; theo khoản 2 Điều 12, khoản 7 Điều 84 của Luật Thi đua, khen "
        "thưởng; Điều 7 Nghị định này; Điều 1 của Luật số 39/2013/QH13; xem Điều 59."
    )
    refs = find_references(text)
    got = [(r.text, r.label, r.scope, r.value[:24]) for r in refs]
    assert got == [
        ("Các khoản 2, 3 và 4 Điều 83", "83", "same", ""),
        ("Khoản 5 Điều 84", "84", "title", "Luật Thi đua, khen thưởn"),
        ("Khoản 2 Điều 12", "12", "title", "Luật Thi đua, khen thưởn"),
        ("Điều 7", "7", "same", ""),
        ("Điều 1", "1", "number", "39/2013/QH13"),
        ("Điều 59", "59", "same", ""),
    ]


def test_article_headings_are_not_references() -> None:
    assert find_references("Điều 84. Hồ sơ đề nghị\n\n1. Nội dung") == []


def test_status_lines() -> None:
    assert status_line("con-hieu-luc") is None
    assert status_line(
        "het-hieu-luc", "06/2022/QH15", "Luật Thi đua, khen thưởng số 06/2022/QH15"
    ) == ("⚠️ Văn bản hết hiệu lực, đã được thay thế bởi Luật Thi đua, khen thưởng số 06/2022/QH15.")
    assert status_line("tham-khao").startswith("ℹ️ Tài liệu tham khảo")
    assert "Chưa rõ hiệu lực" in status_line("chua-ro")


def test_expired_document_answer_shows_the_replacement() -> None:
    item = _item(
        "1. Nội dung cũ.",
        document_status="het-hieu-luc",
        replaced_by="02/2099/QC-MAU",
        replaced_by_name="Quy chế mẫu số 02/2099/QC-MAU",
    )
    html = render_answer(SavedAnswer("x", "nội dung", None, 1, [item]), 0)  # type: ignore[arg-type]
    assert "⚠️ Văn bản hết hiệu lực, đã được thay thế bởi Quy chế mẫu số 02/2099/QC-MAU." in html


def test_long_passage_is_cut_with_a_notice_under_the_limit() -> None:
    long_text = "\n\n".join(f"{n}. " + "Nội dung dài của khoản. " * 60 for n in range(1, 10))
    answer = SavedAnswer("x", "nội dung", None, 1, [_item(long_text)])  # type: ignore[arg-type]
    html = render_answer(answer, 0)
    text, _ = _parse_html(html)
    assert len(text) <= 4096
    assert "Xem toàn văn" in text


def test_clean_question_and_words() -> None:
    question, cut = clean_question("Kể chuyện  " + "rất dài " * 2000 + "tiêu chuẩn là gì?")
    assert cut and len(question) <= MAX_QUESTION_CHARS and question.endswith("tiêu chuẩn là gì?")
    assert question.startswith("rất dài")  # cut at a word boundary
    assert clean_question("  Giấy   khen\n?  ") == ("Giấy khen ?", False)
    assert not has_words("😀🎉 ??? ...") and not has_words("")
    assert has_words("Điều 84")
    assert esc("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_caption_metadata_overrides() -> None:
    meta = parse_caption(
        "số: 15/2025/TT-BNV; hiệu lực: còn\nloại: thông tư; tên: Thông tư mẫu; "
        "ngày ban hành: 01/07/2025; màu: xanh"
    )
    assert meta.overrides == {
        "number": "15/2025/TT-BNV",
        "status": "con-hieu-luc",
        "kind": "thong-tu",
        "title": "Thông tư mẫu",
        "issued": date(2025, 7, 1),
    }
    assert len(meta.warnings) == 1 and "màu" in meta.warnings[0]
    assert parse_caption("so: 01/2099/QC-MAU; hieu luc: het").overrides == {
        "number": "01/2099/QC-MAU",
        "status": "het-hieu-luc",
    }
    assert parse_caption("hiệu lực: có lẽ").warnings
    assert parse_caption(None).overrides == {}


def test_uploads_refused_before_download() -> None:
    assert unsupported_reason("a.docx", 1000) is None
    assert "chưa được hỗ trợ" in unsupported_reason("a.doc", 1000)
    assert "20 MB" in unsupported_reason("a.pdf", 21 * 1024 * 1024)


def test_statistics_show_the_reasons_of_thumbs_down() -> None:
    from datetime import datetime

    from handlers.render import render_stats
    from knowledge.activity import ActivityStats, NegativeFeedback

    stats = ActivityStats(
        days=[(date(2026, 11, 29), 2)],
        total=2,
        unanswered=0,
        users=1,
        top_questions=[],
        negative=[
            NegativeFeedback(datetime(2026, 11, 29, 9, 5), "hồ sơ <bk>", "Điều 84", "thieu-y")
        ],
        negative_count=2,
        reasons={"thieu-y": 1, "sai-dieu": 1},
    )
    html = render_stats(stats)
    assert "Lý do 👎: " in html and "thiếu ý 1" in html and "sai điều 1" in html
    assert "“hồ sơ &lt;bk&gt;” → Điều 84 (thiếu ý)" in html
    _parse_html(html)  # Telegram accepts it
