"""Where an answer comes from: replaced documents, documents that are not loaded, another
body's rules, and the deployment's locality. The corpus is read from ../shared/corpus; the local
rules are a fictional province's (tests/sample_docs.py)."""

from __future__ import annotations

import pytest

from knowledge.store import KnowledgeStore
from knowledge.sync import add_files, sync_folder
from retrieval import awards
from retrieval.engine import SearchEngine
from retrieval.params import is_national
from retrieval.text import tokenize
from tests.conftest import CORPUS, needs_corpus
from tests.sample_docs import QUY_CHE_TINH_MAU, QUY_CHE_TINH_MAU_MANIFEST

pytestmark = needs_corpus

LOCAL = "tỉnh Thử Nghiệm"
OWN_AWARD = "Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm tặng cho ai?"
SHARED_SUBJECT = "mức tiền thưởng cờ thi đua"


@pytest.fixture(scope="module")
def local_store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    """The corpus plus a fictional province's rules, scoped to that province."""
    folder = tmp_path_factory.mktemp("local")
    store = KnowledgeStore(f"sqlite:///{folder / 'kb.db'}")
    assert not sync_folder(store, CORPUS, tokenize).errors
    upload = folder / "upload"
    upload.mkdir()
    (upload / "quy-che-tinh-mau.txt").write_text(QUY_CHE_TINH_MAU, encoding="utf-8")
    (upload / "manifest.toml").write_text(QUY_CHE_TINH_MAU_MANIFEST, encoding="utf-8")
    assert not add_files(store, [upload / "quy-che-tinh-mau.txt"], tokenize).errors
    return store


def local(answer) -> bool:
    return answer.document_scope == LOCAL


# -- notes ----------------------------------------------------------------------------------------
def test_replaced_document_is_answered_from_its_replacement(engine: SearchEngine) -> None:
    """The manifest says 152/2025/NĐ-CP replaces 98/2023/NĐ-CP, which is not loaded."""
    result = engine.ask("Theo Nghị định 98/2023/NĐ-CP, hồ sơ đề nghị tặng Huân chương gồm gì?")
    assert result.answers and result.answers[0].document_number == "152/2025/NĐ-CP"
    assert any("98/2023/NĐ-CP" in n and "152/2025/NĐ-CP" in n for n in result.notes)


def test_replacing_texts_own_clause_is_read(local_store: KnowledgeStore) -> None:
    """The fictional rules say in their last article that 03/2098/QĐ-UBND ends; no manifest
    says so."""
    result = SearchEngine(local_store).ask("Quyết định 03/2098/QĐ-UBND quy định gì về cờ thi đua")
    assert result.answers and local(result.answers[0])
    assert any("03/2098/QĐ-UBND" in n and "07/2099/QĐ-UBND" in n for n in result.notes)


def test_another_bodys_rules_get_the_general_provision_and_a_note(engine: SearchEngine) -> None:
    result = engine.ask("Ai có thẩm quyền quyết định tặng Kỷ niệm chương của Bộ Xây dựng?")
    assert result.answers
    assert any("Bộ Xây dựng" in n and "chưa có" in n for n in result.notes)
    sector = engine.ask("Thời hạn nộp hồ sơ khen thưởng ngành Giao thông vận tải là khi nào?")
    assert sector.answers and any("ngành Giao thông vận tải" in n for n in sector.notes)


def test_national_questions_carry_no_note(engine: SearchEngine) -> None:
    result = engine.ask("Hạn chót gửi hồ sơ đề nghị Cờ thi đua của Chính phủ về Bộ Nội vụ?")
    assert result.answers and result.notes == []


# -- locality -------------------------------------------------------------------------------------
def test_scope_is_on_every_answer(local_store: KnowledgeStore) -> None:
    answers = SearchEngine(local_store).search(OWN_AWARD, 5)
    assert all(a.document_scope for a in answers)
    assert any(local(a) for a in answers) and any(is_national(a.document_scope) for a in answers)


def test_local_rule_on_its_own_award_comes_first_without_locality(
    local_store: KnowledgeStore,
) -> None:
    assert local(SearchEngine(local_store).search(OWN_AWARD, 3)[0])


def test_own_rulebooks_deadline_article_answers_a_deadline_question_on_its_award(
    local_store: KnowledgeStore,
) -> None:
    """The fictional rules' deadline article (Điều 4) names no award, but the rules define the
    award, so it is their deadline for it: first with the province as locality, and ahead of
    the article that defines the award (criteria, not deadlines) without."""
    question = "thời hạn nộp hồ sơ cờ thi đua của ubnd tỉnh Thử Nghiệm"
    here = SearchEngine(local_store, locality=LOCAL).search(question, 3)
    assert local(here[0]) and here[0].citation.startswith("Điều 4 "), here[0].citation
    anywhere = [a.citation for a in SearchEngine(local_store).search(question, 10)]
    deadline = next(i for i, c in enumerate(anywhere) if c.startswith("Điều 4 Quyết định số 07"))
    defining = [i for i, c in enumerate(anywhere) if "Điều 2 Quyết định số 07" in c]
    assert deadline < 3 and all(deadline < i for i in defining), anywhere
    criteria = SearchEngine(local_store).search(OWN_AWARD, 1)[0]  # the intent still decides
    assert local(criteria) and "Điều 2 " in criteria.citation, criteria.citation


def test_own_rulebooks_deadline_article_fills_its_awards_card(local_store: KnowledgeStore) -> None:
    """The card of the fictional province's award takes its deadline from the rules' Điều 4,
    which names no award; a national award's card does not."""
    found = awards.cards(SearchEngine(local_store).index)
    own = found.card("cờ thi đua ủy ban nhân dân tỉnh thử nghiệm")
    assert own is not None
    deadlines = [p.citation for p in own.facets["thoi_han"]]
    assert deadlines and deadlines[0].startswith("Điều 4 Quyết định số 07/2099/QĐ-UBND"), deadlines
    national = found.card("cờ thi đua chính phủ")
    assert national is not None
    assert not any("07/2099" in p.citation for ps in national.facets.values() for p in ps)


def test_deployments_own_deadline_serves_a_national_award_its_rules_cover(
    local_store: KnowledgeStore,
) -> None:
    """The fictional rules also set criteria for the national "Tập thể lao động xuất sắc";
    their deadline article is that award's deadline only where they apply: in the province's
    deployment, not without a locality nor in another province's."""
    question = "thời hạn nộp hồ sơ tập thể lao động xuất sắc"
    deadline = "Điều 4 Quyết định số 07/2099/QĐ-UBND"

    def card_deadlines(locality: str | None) -> list[str]:
        found = awards.cards(SearchEngine(local_store, locality=locality).index)
        card = found.card("tập thể lao động xuất sắc")
        assert card is not None
        return [p.citation for p in card.facets["thoi_han"]]

    assert card_deadlines(LOCAL)[:1] == [deadline]
    assert not any("07/2099" in c for c in card_deadlines(None) + card_deadlines("tỉnh Khác"))
    here = [a.citation for a in SearchEngine(local_store, locality=LOCAL).search(question, 3)]
    anywhere = [a.citation for a in SearchEngine(local_store).search(question, 5)]
    assert deadline in here and deadline not in anywhere, (here, anywhere)


def test_locality_puts_its_own_rules_first_on_their_subjects(
    local_store: KnowledgeStore,
) -> None:
    assert not local(SearchEngine(local_store).search(SHARED_SUBJECT, 1)[0])
    assert local(SearchEngine(local_store, locality=LOCAL).search(SHARED_SUBJECT, 1)[0])
    assert local(SearchEngine(local_store, locality="Thử Nghiệm").search(SHARED_SUBJECT, 1)[0])


def test_another_localitys_rule_is_lowered_and_labelled(local_store: KnowledgeStore) -> None:
    here = [a.citation for a in SearchEngine(local_store).search(SHARED_SUBJECT, 10)]
    elsewhere = SearchEngine(local_store, locality="tỉnh Khác").search(SHARED_SUBJECT, 10)
    theirs = [a for a in elsewhere if local(a)]
    assert not theirs or [a.citation for a in elsewhere].index(theirs[0].citation) >= next(
        (i for i, c in enumerate(here) if "07/2099" in c), 0
    )
    assert all(a.document_scope == LOCAL for a in theirs)
