"""On who decides or proposes an award, every clause of the authority article that names it
is shown under one citation: Luật Điều 80 gives giấy khen to four authorities, one clause each,
and showing only one of them would mislead."""

from __future__ import annotations

from knowledge.activity import SavedItem
from retrieval.answers import inline_items
from retrieval.engine import SearchEngine
from tests.conftest import needs_corpus

pytestmark = needs_corpus

LAW = "Luật Thi đua, khen thưởng số 06/2022/QH15"


def first(engine: SearchEngine, question: str) -> SavedItem:
    items = inline_items(engine, question, 5).items
    assert items, question
    return items[0]


def test_every_authority_for_giay_khen_is_shown(engine: SearchEngine) -> None:
    item = first(engine, "Ai có thẩm quyền quyết định tặng giấy khen?")
    assert item.citation == f"Khoản 1, 2, 3 và 4 Điều 80 {LAW}"
    body = item.context_text or ""
    for authority in (
        "1. Thủ trưởng cơ quan",
        "2. Chủ tịch Ủy ban nhân dân cấp huyện",
        "3. Chủ tịch Ủy ban nhân dân cấp xã",
        "4. Tổng giám đốc",
    ):
        assert authority in body
    assert "5. Thẩm quyền quyết định" not in body  # the army's clause names no giấy khen


def test_an_award_inside_a_longer_name_is_not_that_award(engine: SearchEngine) -> None:
    """Khoản 3 (cấp xã) names "Lao động tiên tiến" only: not the collective title."""
    items = inline_items(engine, "ai quyết định tặng tập thể lao động tiên tiến", 5).items
    article_80 = [i for i in items if i.unit_label == "80" and i.document_number == "06/2022/QH15"]
    assert article_80 and article_80[0].citation == f"Khoản 1, 2, 4 và 5 Điều 80 {LAW}"


def test_other_questions_keep_one_clause(engine: SearchEngine) -> None:
    # A standard is one clause; so is an authority article naming the award once.
    for question in ("tiêu chuẩn giấy khen", "ai ký bằng khen thủ tướng"):
        item = first(engine, question)
        assert item.citation.startswith(f"Khoản {item.clause} Điều"), item.citation
