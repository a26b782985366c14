"""Retrieval behaviour on the real corpus: one test per technique, then the quality targets.

Every question here is answered by the real engine over ``../shared/corpus`` (no mocks), and
every expected article was checked against the corpus text.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.config import Settings
from knowledge.model import STATUS_EXPIRED, STATUS_IN_FORCE, STATUS_REFERENCE
from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.baseline import BaselineSearch
from retrieval.engine import Answer, SearchEngine, prepare
from retrieval.evaluation import evaluate_split, load_questions
from retrieval.params import DEFAULT_PARAMS, DEFAULT_TECHNIQUES, Techniques
from retrieval.text import tokenize
from tests.conftest import DEV_REAL_SET, DEV_SET, ROOT, needs_corpus
from tests.sample_docs import QUY_CHE_MAU

pytestmark = needs_corpus

LAW = "06/2022/QH15"
DECREE = "152/2025/NĐ-CP"
OLD_LAW = "16/VBHN-VPQH"
EXTRA_SET = ROOT / "tests" / "data" / "extra_questions.jsonl"
REFERENCE_SET = ROOT / "tests" / "data" / "reference_questions.jsonl"


def top(engine: SearchEngine, question: str, k: int = 5) -> list[Answer]:
    return engine.search(question, k)


def where(answer: Answer) -> tuple[str, str]:
    return answer.document_number, answer.unit_label


# -- without diacritics ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accented", "unaccented"),
    [
        (
            "Hồ sơ đề nghị tặng bằng khen gồm những giấy tờ gì",
            "ho so de nghi tang bang khen gom nhung giay to gi",
        ),
        ("tiêu chuẩn chiến sĩ thi đua cơ sở", "tieu chuan chien si thi dua co so"),
        (
            "được bao nhiêu tiền khi đạt lao động tiên tiến",
            "duoc bao nhieu tien khi dat lao dong tien tien",
        ),
        ("muốn lên chiến sĩ thi đua cấp tỉnh cần gì", "muon len chien si thi dua cap tinh can gi"),
        (
            "cờ thi đua của chính phủ tặng cho tập thể nào",
            "co thi dua cua chinh phu tang cho tap the nao",
        ),
        (
            "hành vi bị nghiêm cấm trong thi đua khen thưởng",
            "hanh vi bi nghiem cam trong thi dua khen thuong",
        ),
    ],
)
def test_unaccented_question_finds_the_same_article(
    engine: SearchEngine, accented: str, unaccented: str
) -> None:
    with_marks, without = top(engine, accented), top(engine, unaccented)
    assert with_marks and without
    assert where(without[0]) == where(with_marks[0])


def test_diacritics_are_restored_from_the_knowledge_base(engine: SearchEngine) -> None:
    query = engine.analyze("co thi dua cua chinh phu de nghi tang")
    assert query.restored
    # "co" is "có" far more often in the texts, but "cờ thi đua" is what the texts say here.
    assert query.text == "cờ thi đua của chính phủ đề nghị tặng"


def test_restoration_vocabulary_comes_from_the_loaded_texts(tmp_path: Path) -> None:
    """A fictional club's rules: their words are in no data file, only in the loaded text."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "quy-che-mau.txt").write_text(QUY_CHE_MAU, encoding="utf-8")
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    empty = SearchEngine(store, check_interval=0)
    before = empty.analyze("cham soc chau bonsai tuoi nuoc").text
    assert "chậu" not in before and "tưới" not in before
    sync_folder(store, tmp_path / "src", tokenize)
    engine = SearchEngine(store, check_interval=0)
    assert engine.analyze("cham soc chau bonsai").text == "chăm sóc chậu bonsai"
    assert engine.analyze("huong dan tuoi nuoc").text == "hướng dẫn tưới nước"
    store.close()


def test_accented_question_is_left_as_typed(engine: SearchEngine) -> None:
    query = engine.analyze("Tiêu chuẩn thi đua ban hành")
    assert not query.restored
    assert query.text == "tiêu chuẩn thi đua ban hành"


# -- abbreviations ----------------------------------------------------------------------------
def test_abbreviations_expand_before_ranking(engine: SearchEngine) -> None:
    query = engine.analyze("hs đề nghị tặng bk, hcld cho cstđcs gồm j")
    assert query.text == (
        "hồ sơ đề nghị tặng bằng khen, huân chương lao động cho chiến sĩ thi đua cơ sở gồm gì"
    )
    assert ("hs", "hồ sơ") in query.expansions


def test_abbreviations_match_whole_tokens_longest_first(engine: SearchEngine) -> None:
    assert engine.analyze("tt lđxs").text == "tập thể lao động xuất sắc"
    assert engine.analyze("tnxp thời k/c").text == "thanh niên xung phong thời kháng chiến"
    # Inside a longer word or a document number nothing is expanded.
    query = engine.analyze("hsbc theo 15/2025/TT-BNV")
    assert "hồ sơ" not in query.text and "15/2025/tt-bnv" in query.text


def test_unaccented_abbreviation_spellings_are_derived(engine: SearchEngine) -> None:
    # "hđtđkt" is listed; "hdtdkt" typed without a Vietnamese keyboard works too.
    assert engine.analyze("hdtdkt").text == engine.analyze("hđtđkt").text


def test_chat_abbreviations_find_the_article(engine: SearchEngine) -> None:
    answers = top(engine, "hs de nghi tang bk gom nhung gi")
    assert where(answers[0]) == (LAW, "84")


def test_admin_abbreviation_file_is_merged(
    corpus_store: KnowledgeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "local.toml"
    extra.write_text('[abbreviations]\n"hchn" = "huân chương hữu nghị"\n', encoding="utf-8")
    monkeypatch.setenv("TDKT_ABBREVIATIONS", str(extra))
    engine = SearchEngine(corpus_store, **Settings.from_env().engine_options())
    query = engine.analyze("hchn tặng cho ai")
    assert ("hchn", "huân chương hữu nghị") in query.expansions
    assert where(engine.search("hchn tặng cho ai", 1)[0]) == (LAW, "53")
    monkeypatch.delenv("TDKT_ABBREVIATIONS")
    engine = SearchEngine(corpus_store, **Settings.from_env().engine_options())
    assert engine.analyze("hchn").expansions == ()


# -- domain vocabulary ------------------------------------------------------------------------
def test_synonyms_add_the_texts_terms(engine: SearchEngine) -> None:
    query = engine.analyze("ai ký quyết định tặng giấy khen")
    assert "thẩm_quyền" in query.added
    assert set(query.added).isdisjoint(query.tokens)
    money = engine.analyze("đạt lao động tiên tiến được bao nhiêu tiền")
    assert {"mức", "lương", "cơ_sở"} <= set(money.added)
    assert where(engine.search("đạt lao động tiên tiến được bao nhiêu tiền", 1)[0])[0] == DECREE


def test_synonyms_weigh_less_than_the_officers_words() -> None:
    assert 0 < DEFAULT_PARAMS.synonym_weight < 1


def test_synonym_rules_come_from_the_data_file(engine: SearchEngine) -> None:
    rules = engine.index.lexicon.rules
    assert any("giấy tờ" in rule.when and "hồ sơ" in rule.add for rule in rules)
    assert engine.index.lexicon.stopwords >= {"gì", "bao nhiêu", "không"}


# -- structure ----------------------------------------------------------------------------------
def test_heading_weighs_more_than_body(engine: SearchEngine, corpus_store: KnowledgeStore) -> None:
    question = "Hội đồng Thi đua - Khen thưởng có nhiệm vụ gì"
    assert where(engine.search(question, 1)[0]) == (LAW, "90")
    flat = SearchEngine(corpus_store, techniques=DEFAULT_TECHNIQUES.without("headings"))
    assert flat.index.ranker.heading_weight == 0
    assert engine.index.ranker.heading_weight > 1


def test_passages_of_one_article_fold_into_one_result(engine: SearchEngine) -> None:
    answers = top(engine, "hồ sơ đề nghị xét tặng danh hiệu thi đua và hình thức khen thưởng", 5)
    units = [where(a) for a in answers]
    assert len(units) == len(set(units))
    assert answers[0].other_passages  # the article's other matching clauses are listed


def test_point_passage_carries_its_clause_lead_in(engine: SearchEngine) -> None:
    answer = engine.search("điểm b khoản 4 điều 45 nghị định 152", 1)[0]
    assert (answer.document_number, answer.unit_label, answer.clause, answer.point) == (
        DECREE,
        "45",
        "4",
        "b",
    )
    assert answer.lead_in is not None and answer.lead_in.startswith("4.")


# -- direct references --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question", ["khoản 2 điều 84", "k2 đ84", "khoan 2 dieu 84", "Khoản 2 Điều 84 Luật 06/2022"]
)
def test_direct_reference_returns_the_exact_clause(engine: SearchEngine, question: str) -> None:
    first = engine.search(question, 5)[0]
    assert first.direct_reference
    assert (first.document_number, first.unit_label, first.clause) == (LAW, "84", "2")


def test_direct_reference_with_document_returns_only_it(engine: SearchEngine) -> None:
    answers = engine.search("điều 84 luật 06/2022", 5)
    assert [where(a) for a in answers] == [(LAW, "84")]
    assert engine.search("đ84", 5)[0].document_status == STATUS_IN_FORCE


def test_direct_reference_leaves_the_rest_of_the_question_ranking(engine: SearchEngine) -> None:
    answers = engine.search("khoản 2 điều 84 thời gian nhận hồ sơ đề nghị khen thưởng", 5)
    assert answers[0].direct_reference and where(answers[0]) == (LAW, "84")
    ranked = [a for a in answers if not a.direct_reference]
    assert ranked and where(ranked[0]) == (DECREE, "35")


def test_reference_questions_all_land_on_the_cited_article(engine: SearchEngine) -> None:
    figures = evaluate_split(load_questions(REFERENCE_SET), engine.search)
    assert figures["all"].recall_at_1 == 1.0, figures["all"].misses


def test_reference_to_a_missing_article_is_not_invented(engine: SearchEngine) -> None:
    assert engine.search("điều 250", 5) == []


# -- in force first -----------------------------------------------------------------------------
def test_in_force_law_outranks_its_superseded_twin(engine: SearchEngine) -> None:
    answers = top(engine, "Trường hợp nào được khen thưởng theo thủ tục đơn giản?")
    assert where(answers[0]) == (LAW, "85")
    old = [a for a in answers if a.document_number == OLD_LAW]
    assert old and old[0].document_status == STATUS_EXPIRED  # still listed, labelled


@pytest.mark.parametrize(
    "question",
    [
        "theo luật cũ, khen thưởng theo thủ tục đơn giản áp dụng khi nào",
        "16/VBHN-VPQH khen thưởng theo thủ tục đơn giản",
        "luật thi đua khen thưởng năm 2003 quy định khen thưởng theo thủ tục đơn giản thế nào",
    ],
)
def test_superseded_law_is_reachable_when_named(engine: SearchEngine, question: str) -> None:
    first = engine.search(question, 5)[0]
    assert where(first) == (OLD_LAW, "85")
    assert first.document_status == STATUS_EXPIRED and first.status_label == "hết hiệu lực"


def test_named_decree_comes_first(engine: SearchEngine) -> None:
    first = engine.search("Tiêu chuẩn xét tặng Cờ thi đua của Chính phủ theo Nghị định 152", 1)[0]
    assert where(first) == (DECREE, "7")


def test_priors_order_statuses() -> None:
    p = DEFAULT_PARAMS
    assert p.prior(STATUS_IN_FORCE) > p.prior(STATUS_REFERENCE) > p.prior(STATUS_EXPIRED) > 0
    assert p.prior(STATUS_IN_FORCE, "luat") > p.prior(STATUS_IN_FORCE, "nghi-dinh")


# -- declining ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "Mức phạt lỗi vượt đèn đỏ với xe máy là bao nhiêu?",
        "Thủ tục đăng ký kết hôn cần giấy tờ gì?",
        "Thời tiết Thái Bình hôm nay thế nào?",
        "Cách tính thuế thu nhập cá nhân từ tiền lương?",
        "asdfgh qwerty",
        "thủ tục cấp sổ đỏ",
        "lãi suất tiết kiệm ngân hàng",
        "gì vậy",
    ],
)
def test_out_of_scope_questions_are_declined(engine: SearchEngine, question: str) -> None:
    assert engine.search(question, 5) == []


def test_a_document_that_is_not_loaded_is_answered_from_the_general_rules_with_a_note(
    engine: SearchEngine,
) -> None:
    result = engine.ask("Thông tư 15/2025/TT-BNV hướng dẫn gì về hồ sơ khen thưởng", 5)
    assert result.answers
    assert any("15/2025/TT-BNV" in note and "chưa có" in note for note in result.notes)
    assert engine.search("điều 5 thông tư 15/2025/TT-BNV", 5) == []
    assert engine.search("Thông tư 15/2025/TT-BNV quy định mức phạt vượt đèn đỏ", 5) == []


def test_decline_thresholds_keep_their_calibrated_margins(corpus_store: KnowledgeStore) -> None:
    """The rule of retrieval.tuning: per level of domain evidence, answerable and off-topic
    development questions stay apart."""
    from retrieval.tuning import Tuner, calibrate

    questions = load_questions(DEV_SET) + load_questions(DEV_REAL_SET)
    evidence = Tuner(corpus_store, questions).evidence(DEFAULT_PARAMS)
    for domain, threshold in (
        (0, DEFAULT_PARAMS.min_evidence),
        (1, DEFAULT_PARAMS.weak_domain_evidence),
    ):
        cal = calibrate([(q, c) for q, c, d in evidence if d == domain])
        assert cal.highest_out_of_scope < threshold < cal.lowest_in_scope
        assert cal.margin >= 0.15


# -- quality targets ----------------------------------------------------------------------------
def test_dev_set_targets(engine: SearchEngine) -> None:
    figures = evaluate_split(load_questions(DEV_SET), engine.search)
    accented, plain = figures["with_diacritics"], figures["without_diacritics"]
    assert accented.recall_at_1 >= 0.90, accented.misses
    assert accented.recall_at_5 >= 0.97, accented.misses
    assert plain.recall_at_5 >= 0.90, plain.misses
    assert figures["out_of_scope"].declined == 1.0, figures["out_of_scope"].misses
    assert figures["all"].declined_with_gold == 0, figures["all"].misses


def test_held_out_questions_soft_bound(engine: SearchEngine) -> None:
    """Measured without retuning: with diacritics R@1 0.90, R@5 1.00; without 0.85, 1.00;
    7 of 8 out-of-scope declined; none with gold declined. Bounds leave room for wording."""
    figures = evaluate_split(load_questions(EXTRA_SET), engine.search)
    accented, plain = figures["with_diacritics"], figures["without_diacritics"]
    assert accented.recall_at_1 >= 0.80, accented.misses
    assert accented.recall_at_5 >= 0.92, accented.misses
    assert plain.recall_at_5 >= 0.85, plain.misses
    assert figures["out_of_scope"].declined >= 0.75, figures["out_of_scope"].misses
    assert figures["all"].declined_with_gold <= 1, figures["all"].misses


def test_project_beats_the_plain_baseline(
    engine: SearchEngine, corpus_store: KnowledgeStore
) -> None:
    questions = load_questions(DEV_SET)
    baseline = BaselineSearch(list(corpus_store.index_rows()))
    ours = evaluate_split(questions, engine.search)
    plain = evaluate_split(questions, baseline.search)
    assert plain["with_diacritics"].mrr < ours["with_diacritics"].mrr
    assert plain["without_diacritics"].recall_at_5 < 0.5  # plain BM25 cannot read "hs de nghi"


def test_each_technique_can_be_switched_off(corpus_store: KnowledgeStore) -> None:
    questions = [q for q in load_questions(DEV_SET) if q.id.startswith("v")]
    full = evaluate_split(questions, SearchEngine(corpus_store).search)
    for name in Techniques.names():
        ablated = SearchEngine(corpus_store, techniques=DEFAULT_TECHNIQUES.without(name))
        assert not getattr(ablated.techniques, name)
        figures = evaluate_split(questions, ablated.search)
        assert figures["without_diacritics"].mrr <= full["without_diacritics"].mrr + 1e-9
    no_restore = SearchEngine(
        corpus_store, techniques=DEFAULT_TECHNIQUES.without("restore_diacritics")
    )
    assert evaluate_split(questions, no_restore.search)["without_diacritics"].recall_at_1 < 0.5


# -- speed ---------------------------------------------------------------------------------------
def test_query_processing_and_index_build_stay_fast(corpus_store: KnowledgeStore) -> None:
    start = time.perf_counter()
    index = SearchEngine(corpus_store).refresh()
    build = time.perf_counter() - start
    start = time.perf_counter()
    prepare(index)  # award cards and spelling indexes: the bot's watcher builds them once
    prepared = time.perf_counter() - start
    questions = [json.loads(line)["question"] for line in DEV_SET.read_text("utf-8").splitlines()]
    start = time.perf_counter()
    for q in questions:
        index.search(index.analyze(q), 5)
    per_question = (time.perf_counter() - start) / len(questions)
    # Generous bounds for slow CI machines; measured on a quiet 2-core machine ≈ 0.6 s,
    # ≈ 0.5 s and ≈ 4 ms. The one-off preparation is timed apart: counted per question it
    # alone came to 6 ms of the first 59 questions.
    assert build < 2.0
    assert prepared < 3.0
    assert per_question < 0.02
