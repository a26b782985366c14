"""Reading a message as part of a conversation: small talk, several questions in one
message, follow-ups completed from the previous question, a memory per conversation."""

from __future__ import annotations

import pytest

from retrieval.conversation import (
    Conversations,
    Turn,
    converse,
    plan,
    small_talk,
    without_small_talk,
)
from retrieval.engine import SearchEngine
from tests.conftest import needs_corpus


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("chào bot", "greeting"),
        ("Xin chào!", "greeting"),
        ("cảm ơn bot nhé", "thanks"),
        ("cam on ad a", "thanks"),
        ("bạn là ai?", "identity"),
        ("chào bot, bạn là ai", "identity"),
        ("giúp với", "help"),
        ("Bot ơi giúp mình với", "help"),
    ],
)
def test_small_talk_is_recognised_with_or_without_diacritics(message: str, kind: str) -> None:
    assert small_talk(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "chào bạn, cho hỏi tiêu chuẩn cstđ",
        "giúp tôi tìm tiêu chuẩn Chiến sĩ thi đua cơ sở",
        "Xin chào, hồ sơ đề nghị tặng Bằng khen gồm những gì?",
        "ok, còn hạng Nhì thì sao?",
        "tiêu chuẩn",
        "😀",
        "",
    ],
)
def test_a_greeting_around_a_question_is_a_question(message: str) -> None:
    assert small_talk(message) is None


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("Chào bạn, cho hỏi tiêu chuẩn cstđ?", "cho hỏi tiêu chuẩn cstđ?"),
        ("hồ sơ gồm những gì? cảm ơn ạ", "hồ sơ gồm những gì?"),
        ("xin chào", "xin chào"),  # only small talk: left for small_talk() to answer
        ("Bằng khen, chào cờ thế nào", "Bằng khen, chào cờ thế nào"),  # inside: untouched
    ],
)
def test_greetings_and_thanks_around_a_question_are_dropped(message: str, question: str) -> None:
    assert without_small_talk(message) == question


# -- several questions and follow-ups, read with the real index over the corpus -----------------

HCLD_DOSSIER = "hồ sơ đề nghị tặng Huân chương Lao động hạng Ba gồm những gì"


def turn(engine: SearchEngine, question: str) -> Turn:
    return Turn(question, engine.read(question))


def questions(engine: SearchEngine, message: str, previous: Turn | None = None) -> list[str]:
    return [p.question for p in plan(engine.index, message, previous).parts]


@needs_corpus
def test_a_new_hang_keeps_the_award_and_the_intent(engine: SearchEngine) -> None:
    for message in ("còn hạng Nhì thì sao?", "con hang nhi thi sao", "thế còn hạng nhì?"):
        [part] = plan(engine.index, message, turn(engine, HCLD_DOSSIER)).parts
        assert part.followup, message
        reading = engine.read(part.question)
        assert reading.intent == "ho_so"
        assert reading.object is not None and reading.object.award == "huân chương lao động"
        assert reading.object.rank == "nhì"  # not another award's hạng Nhì


@needs_corpus
def test_a_new_intent_keeps_the_award(engine: SearchEngine) -> None:
    for message, intent in (
        ("còn mức thưởng thì sao?", "tien_thuong"),
        ("mức thưởng bao nhiêu?", "tien_thuong"),
        ("hồ sơ thì sao?", "ho_so"),
    ):
        previous = turn(engine, "tiêu chuẩn Huân chương Lao động hạng Ba")
        [part] = plan(engine.index, message, previous).parts
        assert part.followup, message
        reading = engine.read(part.question)
        assert reading.intent == intent and reading.object.award == "huân chương lao động"
        assert reading.object.rank == "ba"


@needs_corpus
def test_a_new_subject_or_award_keeps_the_rest(engine: SearchEngine) -> None:
    [part] = plan(engine.index, "thế còn tập thể?", turn(engine, HCLD_DOSSIER)).parts
    assert part.followup and "tập thể" in engine.read(part.question).subjects
    assert engine.read(part.question).intent == "ho_so"
    [part] = plan(engine.index, "còn bằng khen thủ tướng?", turn(engine, HCLD_DOSSIER)).parts
    reading = engine.read(part.question)
    assert part.followup and reading.intent == "ho_so"
    assert reading.object.award == "bằng khen thủ tướng chính phủ"


@needs_corpus
def test_a_complete_question_is_not_a_follow_up(engine: SearchEngine) -> None:
    previous = turn(engine, HCLD_DOSSIER)
    for message in (
        "tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?",
        "Ai có thẩm quyền quyết định tặng giấy khen?",
        # an award and a question of its own, though no intent the reading knows
        "Huân chương Lao động được gắn trên ngực áo bên nào",
    ):
        [part] = plan(engine.index, message, previous).parts
        assert not part.followup and part.question == message and part.alternative is None


@needs_corpus
def test_an_unclear_follow_up_is_answered_standalone_and_offered(engine: SearchEngine) -> None:
    message = "hồ sơ đề nghị khen thưởng gồm những giấy tờ gì?"
    [part] = plan(engine.index, message, turn(engine, HCLD_DOSSIER)).parts
    assert part.question == message and not part.followup
    assert part.alternative is not None
    assert engine.read(part.alternative).object.award == "huân chương lao động"


@needs_corpus
def test_several_questions_in_one_message_are_answered_in_order(engine: SearchEngine) -> None:
    parts = plan(engine.index, "Cờ thi đua của Chính phủ tặng cho ai, mức thưởng bao nhiêu?").parts
    assert [p.followup for p in parts] == [False, True]
    assert [engine.read(p.question).intent for p in parts] == ["doi_tuong", "tien_thuong"]
    assert all(engine.read(p.question).object.award == "cờ thi đua chính phủ" for p in parts)
    listed = questions(
        engine,
        "Cho hỏi:\n1. Tiêu chuẩn Chiến sĩ thi đua cơ sở?\n"
        "2. Ai quyết định tặng?\n3. Mức thưởng bao nhiêu?",
    )
    assert len(listed) == 3
    assert all(engine.read(q).object.award == "chiến sĩ thi đua cơ sở" for q in listed)
    assert len(questions(engine, "Tiêu chuẩn cstđ cơ sở là gì? Hồ sơ gồm những gì?")) == 2
    # an award named later in the message completes an earlier part
    first, second = questions(
        engine, "Hồ sơ gồm những gì? Thời hạn nộp hồ sơ đề nghị Bằng khen Thủ tướng là bao lâu?"
    )
    assert engine.read(first).object.award == engine.read(second).object.award
    assert engine.read(first).intent == "ho_so" and "thoi_han" in engine.read(second).intents
    # a list of intents or of subjects is one question; so is a story before its question
    for one in (
        "hồ sơ và thủ tục đề nghị bằng khen thủ tướng",
        "Hồ sơ, thủ tục xét tặng Chiến sĩ thi đua toàn quốc",
        "tiêu chuẩn cá nhân và tập thể lao động xuất sắc",
        "Thẩm quyền quyết định tặng danh hiệu Lao động tiên tiến thuộc về ai? Văn bản "
        "nào quy định về vấn đề này?",
    ):
        assert len(questions(engine, one)) == 1, one
    # the same question twice (a pasted message) is answered once
    assert len(questions(engine, "Tiêu chuẩn cstđ cơ sở? Tiêu chuẩn cstđ cơ sở?")) == 1


@needs_corpus
def test_conversations_remember_a_few_minutes_per_key(engine: SearchEngine) -> None:
    now = [0.0]
    memory = Conversations(ttl=600, clock=lambda: now[0])
    converse(engine.index, memory, "a", HCLD_DOSSIER)
    [part] = converse(engine.index, memory, "a", "còn hạng Nhì thì sao?").parts
    assert part.followup
    [other] = converse(engine.index, memory, "b", "còn hạng Nhì thì sao?").parts
    assert not other.followup  # another officer's conversation
    now[0] += 601
    [late] = converse(engine.index, memory, "a", "còn hạng Nhất thì sao?").parts
    assert not late.followup
    token = memory.offer("câu hỏi")
    assert memory.offered(token) == "câu hỏi" and memory.offered("nope") is None
