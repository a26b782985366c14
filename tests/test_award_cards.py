"""Award cards (retrieval/awards.py) and direct answers (retrieval/direct.py) on the real
index over ../shared/corpus, and on a fictional association's rules (tests/sample_docs.py).

Expectations come from the texts as loaded: the article whose heading reads as a facet and
names the award or its kind, the money line naming the award with its coefficient, the
decree's own rounding rule; no answer is written here.
"""

from __future__ import annotations

import re
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.model import STATUS_IN_FORCE
from knowledge.store import KnowledgeStore
from knowledge.sync import add_files
from retrieval import awards, card_answers, direct
from retrieval.engine import SearchEngine, SearchIndex
from retrieval.intent import syllables
from retrieval.text import normalize, sentence_spans, sentences, tokenize
from tests.conftest import needs_corpus
from tests.sample_docs import QUY_CHE_VUON_UOM

GOAL_AWARDS = (
    "Huân chương Lao động hạng Ba",
    "Bằng khen của Thủ tướng Chính phủ",
    "Chiến sĩ thi đua cơ sở",
    "Cờ thi đua của Chính phủ",
)
"""The issue's four awards (names only: what their cards hold is read from the texts)."""
BASE = Decimal("2340000")
COEFFICIENT = re.compile(r"(\d+(?:,\d+)?) lần mức lương cơ sở")


@pytest.fixture(scope="module")
def index(engine: SearchEngine) -> SearchIndex:
    return engine.index


def card_of(index: SearchIndex, name: str) -> awards.AwardCard:
    found = awards.lookup(index, name)
    assert found.card is not None, (name, [c.name for c in found.choices])
    return found.card


def heading_of(index: SearchIndex, provision: awards.Provision):
    unit = index.ranker.unit_of(provision.row)
    return index.ranker.headings[unit]


def speaks_of(index: SearchIndex, card: awards.AwardCard, heading, text: str) -> bool:
    """Whether a heading or a passage names the award itself or its kind (read the way the
    reader reads any text)."""
    mentions = index.reader.catalog.find(normalize(text))
    named = {m.award for m in mentions if m.award} | {a for a, _ in heading.awards}
    kinds = {m.award_class for m in mentions if m.is_class} | set(heading.classes)
    general = index.reader.vocabulary.general_classes  # "danh hiệu thi đua" names no one
    return card.award in named or (card.award_class not in general and card.award_class in kinds)


def facet_units(index: SearchIndex, intent: str, card: awards.AwardCard) -> set[int]:
    """Units in force whose heading answers ``intent`` and which speak of the award (their
    heading, or one of their passages, names it or its kind)."""
    fields = index.field_index
    out = set()
    for u, members in enumerate(fields.unit_rows):
        heading = index.ranker.headings[u]
        first = index.rows[members[0]]
        if intent not in heading.intents or first.document_status != STATUS_IN_FORCE:
            continue
        if any(speaks_of(index, card, heading, index.rows[i].text) for i in members):
            out.add(first.unit_id)
    return out


# -- the four awards -----------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("name", GOAL_AWARDS)
def test_standard_is_the_awards_own_articles(index: SearchIndex, name: str) -> None:
    card = card_of(index, name)
    own = {
        index.rows[m[0]].unit_id
        for u, m in enumerate(index.field_index.unit_rows)
        if index.ranker.headings[u].own_article
        and any(
            a == card.award and r in (card.rank, None) for a, r in index.ranker.headings[u].awards
        )
        and index.rows[m[0]].document_status == STATUS_IN_FORCE
    }
    assert own, "precondition: the law has an article of this award"
    standard = card.provisions("tieu_chuan")
    assert own <= {p.unit_id for p in standard}
    assert standard[0].unit_id in own and standard[0].document_kind == "luat"


@needs_corpus
@pytest.mark.parametrize(
    # Huân chương Độc lập: NĐ 152 Điều 33 khoản 2 (who gives an opinion before the papers go
    # up) names it itself; the papers' own clause names "Huân chương các loại".
    "name",
    (*GOAL_AWARDS, "Huân chương Độc lập hạng Ba", "Huân chương Lao động hạng Nhì"),
)
def test_dossier_is_the_dossier_provision_naming_it_or_its_kind(
    index: SearchIndex, name: str
) -> None:
    card = card_of(index, name)
    first = card.provisions("ho_so")[0]
    assert first.unit_id in facet_units(index, "ho_so", card)
    assert syllables(first.text.split(".", 1)[-1])[:2] == ["hồ", "sơ"]  # "1. Hồ sơ đề nghị …"
    assert speaks_of(index, card, heading_of(index, first), first.text)


@needs_corpus
@pytest.mark.parametrize("name", GOAL_AWARDS)
def test_who_decides_and_who_proposes(index: SearchIndex, name: str) -> None:
    card = card_of(index, name)
    decides = card.provisions("tham_quyen_quyet_dinh")[0]
    assert "quyết định tặng" in normalize(decides.text)
    assert speaks_of(index, card, heading_of(index, decides), decides.text)
    proposes = card.provisions("tham_quyen_de_nghi")
    assert proposes and "tham_quyen_de_nghi" in heading_of(index, proposes[0]).intents


@needs_corpus
@pytest.mark.parametrize("name", GOAL_AWARDS)
def test_money_line_names_the_award_and_the_amount_is_exact(index: SearchIndex, name: str) -> None:
    card = card_of(index, name)
    found = awards.cards(index)
    money = card.provisions("tien_thuong")[0]
    assert "tien_thuong" in heading_of(index, money).intents
    assert found.names(money.text, card)
    line = direct.money_answer(found, card, None, BASE)
    assert line is not None and line.citation == money.citation
    assert line.text in money.text  # verbatim, the award's own point
    [coefficient] = COEFFICIENT.findall(line.text)
    assert line.amount_dong == Decimal(coefficient.replace(",", ".")) * BASE
    assert direct.format_dong(line.amount_dong) in " ".join(line.explanation())
    unset = direct.money_answer(found, card, None, None)
    assert unset is not None and unset.amount_dong is None
    assert "chưa cấu hình" in unset.explanation()[0]


@needs_corpus
@pytest.mark.parametrize("name", GOAL_AWARDS)
def test_deadline_and_ceremony(index: SearchIndex, name: str) -> None:
    card = card_of(index, name)
    deadlines = facet_units(index, "thoi_han", card)
    if deadlines:
        assert card.provisions("thoi_han")[0].unit_id in deadlines
    else:  # the texts set no deadline for it (nor for its kind): the facet says so, empty
        assert card.provisions("thoi_han") == ()
    ceremony = card.provisions("trao_tang")
    assert ceremony and "trao_tang" in heading_of(index, ceremony[0]).intents


@needs_corpus
@pytest.mark.parametrize("name", GOAL_AWARDS)
def test_a_dossier_question_answers_from_its_dossier_provision_first(
    engine: SearchEngine, index: SearchIndex, name: str
) -> None:
    card = card_of(index, name)
    result = engine.ask(f"Hồ sơ đề nghị tặng {name} gồm những gì?", 5)
    assert result.facet is not None and result.facet.facet == "ho_so"
    assert result.answers[0].unit_id == card.provisions("ho_so")[0].unit_id
    assert result.to_json()["award"] == card.name and result.to_json()["facet"] == "ho_so"


@needs_corpus
@pytest.mark.parametrize(
    "award", ("Huân chương Lao động", "Huân chương Độc lập", "Huy chương Chiến sĩ vẻ vang")
)
def test_a_ranked_award_without_its_hang_gets_the_dossier_every_hang_shares(
    engine: SearchEngine, index: SearchIndex, award: str
) -> None:
    found = awards.cards(index)
    ranks = found.choices(index.analyze(award).reading.object)  # type: ignore[union-attr]
    assert len(ranks) >= 2, "precondition: a ranked award"
    shared = {(c.provisions("ho_so")[0].row) for c in ranks}
    assert len(shared) == 1, "precondition: every hạng's dossier is the same provision"
    result = engine.ask(f"Hồ sơ đề nghị tặng {award} gồm những gì?", 5)
    assert result.facet is None  # no one card to show for every hạng
    assert result.answers[0].unit_id == ranks[0].provisions("ho_so")[0].unit_id
    assert "hồ sơ" in normalize(result.answers[0].text)


@needs_corpus
def test_a_ranked_award_without_its_hang_keeps_the_ranking_where_hang_differ(
    engine: SearchEngine, index: SearchIndex
) -> None:
    reading = index.analyze("Mức tiền thưởng Huân chương Lao động là bao nhiêu?").reading
    assert awards.unranked_provision(index, reading) is None  # each hạng has its own amount


@needs_corpus
def test_a_deadline_for_awards_in_general_is_only_for_the_awards_its_article_names(
    index: SearchIndex,
) -> None:
    """NĐ 152 Điều 35 (the Ministry's processing times) says "khen thưởng" in general in its
    khoản 4; it names state awards elsewhere, never a provincial Bằng khen."""
    found = awards.cards(index)
    provincial = card_of(index, "Bằng khen của Bộ, ban, ngành, tỉnh")
    state = card_of(index, "Huân chương Lao động hạng Ba")
    ministry = {p.unit_id for p in state.provisions("thoi_han")}
    assert ministry, "precondition: the state award has the Ministry's deadlines"
    assert not ministry & {p.unit_id for p in provincial.provisions("thoi_han")}
    assert direct.deadline_answer(provincial, None, found) is None
    assert direct.deadline_answer(state, None, found) is not None


# -- reading the question ------------------------------------------------------------------------


@needs_corpus
def test_the_facet_asked_and_the_checklist(engine: SearchEngine) -> None:
    def facet(question: str) -> str | None:
        return awards.asked_facet(engine.read(question))

    assert facet("Thời hạn nộp hồ sơ đề nghị tặng Cờ thi đua của Chính phủ") == "thoi_han"
    assert facet("Hồ sơ đề nghị tặng Bằng khen của Thủ tướng gồm những gì?") == "ho_so"
    assert facet("Mức tiền thưởng Chiến sĩ thi đua cơ sở") == "tien_thuong"
    assert facet("Ai quyết định tặng Huân chương Lao động hạng Ba?") == "tham_quyen_quyet_dinh"
    assert facet("Thủ tục hủy bỏ danh hiệu Chiến sĩ thi đua cơ sở") is None  # not a facet
    assert card_answers.wants_checklist(engine.read("hs đề nghị tặng bk ttg gồm những gì"))
    assert not card_answers.wants_checklist(engine.read("Tiêu chuẩn Chiến sĩ thi đua cơ sở"))
    assert not card_answers.wants_checklist(
        engine.read("Thời hạn nộp hồ sơ đề nghị tặng Cờ thi đua của Chính phủ")
    )


@needs_corpus
def test_a_story_s_award_is_not_the_question_s(engine: SearchEngine) -> None:
    """The award of the story ("danh hiệu Tập thể lao động tiên tiến được thưởng …") is not
    what "Tôi xin hỏi làm tròn như vậy có đúng không?" asks about: no card steers."""
    result = engine.ask(
        "Đơn vị tôi được danh hiệu Tập thể lao động tiên tiến và được thưởng "
        "1.112.000 đồng, làm tròn lên 1.120.000 đồng. Tôi xin hỏi làm tròn như "
        "vậy có đúng không?"
    )
    assert result.facet is None


@needs_corpus
def test_names_officers_type(index: SearchIndex) -> None:
    assert card_of(index, "hclđ hạng ba").name == "Huân chương Lao động hạng Ba"
    assert card_of(index, "bk ttg").name == "Bằng khen của Thủ tướng Chính phủ"
    assert card_of(index, "cstđcs").name == "Chiến sĩ thi đua cơ sở"
    assert card_of(index, "co thi dua cua chinh phu").name == "Cờ thi đua của Chính phủ"
    ranked = awards.lookup(index, "hclđ")
    assert ranked.card is None and ranked.ranks
    assert {c.name for c in ranked.choices} == {
        f"Huân chương Lao động hạng {r}" for r in ("Nhất", "Nhì", "Ba")
    }
    unknown = awards.lookup(index, "huy chương bông sen")
    assert unknown.card is None and not unknown.ranks
    assert all("Huy chương" in c.name for c in unknown.choices[:3])


# -- direct answers --------------------------------------------------------------------------------


@needs_corpus
def test_a_collectives_money_uses_the_texts_factor(
    engine: SearchEngine, index: SearchIndex
) -> None:
    reading = engine.read("Tiền thưởng Huân chương Lao động hạng Ba cho tập thể")
    found = awards.cards(index)
    card = found.for_object(reading.object)
    line = direct.money_answer(found, card, reading, BASE)
    factor = next(p for p in card.provisions("tien_thuong") if p.citation == line.factor_citation)
    assert "gấp hai lần" in factor.text and normalize(factor.text).startswith("2. tập thể")
    [coefficient] = COEFFICIENT.findall(line.text)
    assert line.amount_dong == Decimal(coefficient.replace(",", ".")) * 2 * BASE


@needs_corpus
def test_the_texts_rounding_rule(index: SearchIndex) -> None:
    rule = direct.rounding_rule(awards.cards(index))
    assert rule is not None and rule.mode == "up"
    rows = [r.text for r in index.rows if "làm tròn" in r.text]
    assert any("hàng chục nghìn" in t and "lên" in t for t in rows)  # what was read
    assert rule.unit == 10000
    assert rule.apply(Decimal("702000")) == Decimal("710000")
    assert rule.apply(Decimal("2340000")) == Decimal("2340000")


def test_amounts_are_written_the_vietnamese_way() -> None:
    assert direct.format_dong(Decimal("2340000")) == "2.340.000"
    assert direct.format_dong(Decimal("702000.5")) == "702.000,5"
    assert direct.format_dong(Decimal("950")) == "950"
    assert direct.format_number(Decimal("1.0")) == "1,0"
    assert direct.format_number(Decimal("12")) == "12,0"


@needs_corpus
def test_deadline_line_is_the_sentence_that_holds_the_date(
    engine: SearchEngine, index: SearchIndex
) -> None:
    question = "Thời hạn nộp hồ sơ đề nghị tặng Cờ thi đua của Chính phủ"
    result = engine.ask(question, 3)
    found = awards.cards(index)
    line = direct.for_facet(found, result.facet, result.reading)
    assert line is not None and line.kind == "deadline"
    provision = next(
        p for p in result.facet.card.provisions("thoi_han") if p.citation == line.citation
    )
    assert line.text in provision.text and found.names(line.text, result.facet.card)
    assert re.search(r"\d", line.phrase) and line.phrase in line.text


# -- structure ------------------------------------------------------------------------------------


@needs_corpus
def test_a_local_rules_own_award_has_a_card(index: SearchIndex) -> None:
    """Bắc Ninh's rules name “Cờ thi đua của Ủy ban nhân dân tỉnh”: a card of its own, its
    standard from those rules first, then what the national texts say of the award the data
    file says it is (“Cờ thi đua của Bộ, ban, ngành, tỉnh”)."""
    card = card_of(index, "Cờ thi đua của Ủy ban nhân dân tỉnh")
    standard = card.provisions("tieu_chuan")
    assert standard[0].document_scope and "Bắc Ninh" in standard[0].document_scope
    assert awards.cards(index).names(standard[0].text, card)
    assert any(p.document_kind == "luat" for p in card.provisions("tham_quyen_quyet_dinh"))


@needs_corpus
def test_card_json_and_expired_texts(index: SearchIndex) -> None:
    card = card_of(index, "Chiến sĩ thi đua cơ sở")
    payload = card.to_json()
    assert payload["award"] == "Chiến sĩ thi đua cơ sở" and "cstđcs" in payload["aliases"]
    assert set(payload["facets"]) == set(awards.load_config().keys)
    item = payload["facets"]["tien_thuong"][0]
    assert {"document_number", "article", "clause", "point", "citation", "text"} <= set(item)
    assert item["point"] and item["citation"].startswith(f"Điểm {item['point']} ")
    every = [p for c in awards.cards(index).ordered() for ps in c.facets.values() for p in ps]
    assert every and all(p.document_status != "het-hieu-luc" for p in every)


@needs_corpus
def test_cards_and_spelling_index_are_built_on_first_use_or_by_the_watcher(
    corpus_store: KnowledgeStore,
) -> None:
    index = SearchEngine(corpus_store).index
    assert index not in awards._cache  # building an index builds no card
    assert awards.cards(index) is awards.cards(index)
    assert index in awards._cache
    watched = SearchEngine(corpus_store, check_interval=0.05)
    fresh = watched.refresh()
    stop = threading.Event()
    thread = threading.Thread(target=watched.watch, args=(stop,), daemon=True)
    thread.start()
    try:  # the bot's watcher prepares them in its own thread, before any question
        deadline = time.monotonic() + 30
        corrector = fresh.analyzer.corrector
        assert corrector is not None

        def prepared() -> bool:  # cached_property values live in the instance's __dict__
            return fresh in awards._cache and all(
                "deleted" in vars(v) for v in (corrector.accented, corrector.plain)
            )

        while not prepared() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert prepared()  # and the spelling corrector's deletion indexes too
    finally:
        stop.set()
        thread.join(10)


def test_an_uploaded_regulation_adds_its_award(tmp_path: Path) -> None:
    """A fictional association's rules: its award gets a card, each facet from the article
    that answers it, without any code or data change."""
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    engine = SearchEngine(store)
    assert awards.lookup(engine.index, "Vườn ươm Kiểu mẫu").card is None
    source = tmp_path / "quy-che-vuon-uom.txt"
    source.write_text(QUY_CHE_VUON_UOM, encoding="utf-8")
    assert not add_files(store, [source], tokenize).errors
    index = engine.refresh()
    card = card_of(index, "vườn ươm kiểu mẫu")
    articles = dict(re.findall(r"^Điều (\d+)\. (.+)$", QUY_CHE_VUON_UOM, re.MULTILINE))

    def article(*words: str) -> str:
        return next(n for n, title in articles.items() if all(w in title for w in words))

    expected = {
        "tieu_chuan": article("Danh hiệu"),
        "ho_so": article("Hồ sơ"),
        "tham_quyen_quyet_dinh": article("quyết định"),
        "tham_quyen_de_nghi": article("đề nghị"),
        "thoi_han": article("Thời hạn"),
        "tien_thuong": article("tiền thưởng"),
        "trao_tang": article("Trao tặng"),
    }
    for facet, label in expected.items():
        assert card.provisions(facet)[0].unit_label == label, facet
    found = awards.cards(index)
    money = direct.money_answer(found, card, None, Decimal("1000000"))
    [coefficient] = COEFFICIENT.findall(QUY_CHE_VUON_UOM)
    assert money.amount_dong == Decimal(coefficient.replace(",", ".")) * 1000000
    assert money.rounding_citation is None  # these rules round nothing
    deadline = direct.deadline_answer(card, None)
    assert deadline is not None and deadline.phrase in QUY_CHE_VUON_UOM
    result = engine.ask("hồ sơ đề nghị tặng vườn ươm kiểu mẫu gồm những gì", 3)
    assert result.answers[0].unit_label == expected["ho_so"]
    store.close()


def test_sentences_of_a_clause_keep_parenthesised_lists_whole() -> None:
    """Cards (which sentence names the award) and direct answers (which sentence to quote)
    cut a clause the same way: not at its number, not at ";" inside parentheses."""
    clause = (
        "1. Thời hạn thẩm định là 20 ngày làm việc (30 ngày đối với “Huân chương mẫu”; 40 ngày "
        "đối với “Cờ mẫu”). Hồ sơ gửi về Ban mẫu; bản sao gửi kèm theo.\n2. Mức thưởng mẫu"
    )
    assert sentences(clause) == [
        "1. Thời hạn thẩm định là 20 ngày làm việc (30 ngày đối với “Huân chương mẫu”; 40 ngày "
        "đối với “Cờ mẫu”).",
        "Hồ sơ gửi về Ban mẫu;",
        "bản sao gửi kèm theo.",
        "2. Mức thưởng mẫu",
    ]
    assert sentences(clause, min_words=5) == sentences(clause)[:3]  # "2. Mức thưởng mẫu": 4
    short = "Điều mẫu; khoản mẫu"
    assert [short[a:b] for a, b in sentence_spans(short)] == ["Điều mẫu;", " khoản mẫu"]
