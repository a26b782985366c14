"""End to end, trainers: groups (/hoi, mentions, replies; silence otherwise), inline mode,
sharing by deep link, training sessions exported as .docx."""

from __future__ import annotations

import io

import pytest
from docx import Document

from retrieval.engine import SearchEngine
from tests.bot_harness import (
    OFFICER,
    OTHER,
    Harness,
    buttons,
    entity_texts,
    sent_messages,
    shown,
)

try:
    from tests.fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP
except ImportError:  # pragma: no cover
    from fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP  # type: ignore[no-redef]

TRAINER = 555001
Q1 = "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?"
Q2 = "Ai có thẩm quyền quyết định tặng giấy khen?"


@pytest.fixture(scope="module")
def engine(bot: Harness) -> SearchEngine:
    return bot.services.engine


def group_text(bot: Harness, text: str, user_id: int = TRAINER) -> list:
    return bot.text(text, chat_type="group", user_id=user_id)


def test_group_stays_silent_on_chatter(bot: Harness) -> None:
    for chatter in (
        "Chào cả nhà, chiều nay họp lúc 14h nhé",
        "Hồ sơ khen thưởng nộp ở đâu ạ?",
        "@someone_else xem giúp em điều 84",
    ):
        assert group_text(bot, chatter) == []
    other = bot.server.send_text("Tin của người khác", chat_type="group", user_id=OTHER)
    calls = bot.do(lambda: bot.server.reply_to(other["message"], "Đồng ý", user_id=TRAINER))
    assert calls == []


def test_group_answers_hoi(bot: Harness, engine: SearchEngine) -> None:
    calls = bot.command("hoi", Q1, chat_type="group", user_id=TRAINER)
    [answer] = sent_messages(calls)
    assert answer.params["chat_id"] == GROUP
    asked = bot.server.message(GROUP, answer.params["reply_parameters"]["message_id"])
    assert asked is not None and asked["text"].startswith("/hoi ")  # quotes the question
    message = bot.last(GROUP)
    assert entity_texts(message, "bold")[0] == shown(engine, Q1)[0].citation
    calls = bot.command("hoi", Q2, chat_type="group", user_id=TRAINER, with_bot_username=True)
    assert len(sent_messages(calls)) == 1
    [usage] = sent_messages(bot.command("hoi", chat_type="group", user_id=TRAINER))
    assert usage.text.startswith("Hãy gõ câu hỏi ngay sau lệnh")


def test_group_answers_mentions_and_replies_to_the_bot(bot: Harness, engine: SearchEngine) -> None:
    calls = bot.do(lambda: bot.server.mention(Q2, user_id=TRAINER))
    [answer] = sent_messages(calls)
    message = bot.last(GROUP)
    assert entity_texts(message, "bold")[0] == shown(engine, Q2)[0].citation
    assert "@tdkt_test_bot" not in message["text"]  # the mention is not part of the question
    calls = bot.do(lambda: bot.server.reply_to(message, "Kỷ niệm chương", user_id=OTHER))
    [again] = sent_messages(calls)
    # A reply to an answer continues its question: who decides, now about Kỷ niệm chương.
    followed = "Ai có thẩm quyền quyết định tặng Kỷ niệm chương?"
    assert "Tôi hiểu bạn hỏi tiếp" in again.text
    assert entity_texts(bot.last(GROUP), "bold")[0] == shown(engine, followed)[0].citation
    [prompt] = sent_messages(bot.do(lambda: bot.server.mention("", user_id=TRAINER)))
    assert prompt.text.startswith("Bạn hãy gõ câu hỏi bằng chữ")


def test_inline_query_lists_cited_passages(bot: Harness, engine: SearchEngine) -> None:
    question = "Bằng khen của Thủ tướng Chính phủ"
    calls = bot.do(lambda: bot.server.inline_query(question, user_id=TRAINER))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    results = answer.params["results"]
    # The query names an award: its card comes first (its overview, cited), then passages.
    card, results = results[0], results[1:]
    assert card["title"] == f"🎖 Thẻ: {question}"
    assert card["input_message_content"]["message_text"].startswith(f"🎖 <b>{question}</b>")
    expected = shown(engine, question, 10)[: len(results)]
    assert 1 <= len(results) <= 9
    assert [r["title"] for r in results] == [a.citation[:200] for a in expected]
    for result, hit in zip(results, expected, strict=True):
        assert result["type"] == "article"
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert content["message_text"].startswith("📌 <b>")
        body = hit.context_text or hit.text
        assert result["description"].split()[0] in body or result["description"][0] == "["
    chosen = results[0]["id"]
    before = len(bot.services.activity.question_log())
    bot.do(lambda: bot.server.choose_inline_result(chosen, question, user_id=TRAINER))
    log = bot.services.activity.question_log()
    assert len(log) == before + 1 and log[0].chat_type == "inline"
    assert log[0].top_citation == expected[0].citation
    inline_message = next(iter(bot.server.inline_messages.values()))
    assert inline_message["text"].startswith(f"📌 {expected[0].citation}")
    empty = bot.do(lambda: bot.server.inline_query("  ", user_id=TRAINER))
    [none] = [c for c in empty if c.method == "answerInlineQuery"]
    assert none.params["results"] == []


def test_share_deep_link_opens_the_saved_answer_for_anyone(bot: Harness) -> None:
    bot.text(Q1)  # an officer's private question
    message = bot.last(OFFICER)
    calls = bot.press(message, buttons(message)["📤 Chia sẻ"])
    [share] = sent_messages(calls)
    answer_id = buttons(message)["👍"].split(":")[1]
    link = f"https://t.me/tdkt_test_bot?start=a_{answer_id}"
    assert link in share.text
    share_buttons = buttons(bot.last(OFFICER))
    assert share_buttons["↗️ Gửi vào cuộc trò chuyện khác"] == Q1  # switch_inline_query
    assert share_buttons["🔗 Mở đường dẫn"] == link
    # A colleague opens the link: /start a_<id>
    [opened] = sent_messages(bot.command("start", f"a_{answer_id}", user_id=OTHER))
    shared = bot.last(OTHER)
    assert shared["text"].startswith("🔗 Câu trả lời được chia sẻ:")
    assert entity_texts(shared, "bold")[0] == entity_texts(message, "bold")[0]
    assert "➡️ Kết quả khác" in buttons(shared)
    [unknown] = sent_messages(bot.command("start", "a_ZZZZZZZZZZ", user_id=OTHER))
    assert unknown.text.startswith("Không tìm thấy câu trả lời được chia sẻ")


def test_training_session_export(bot: Harness, engine: SearchEngine) -> None:
    [started] = sent_messages(
        bot.command("phien_bat_dau", "Tập huấn quý I", chat_type="group", user_id=TRAINER)
    )
    assert "Bắt đầu phiên" in started.text and "Tập huấn quý I" in started.text
    [again] = sent_messages(
        bot.command("phien_bat_dau", "Khác", chat_type="group", user_id=TRAINER)
    )
    assert "đang có phiên" in again.text
    bot.command("hoi", Q1, chat_type="group", user_id=TRAINER)
    assert group_text(bot, "Cảm ơn thầy ạ", user_id=OTHER) == []  # chatter is not recorded
    bot.do(lambda: bot.server.mention(Q2, user_id=OTHER))
    calls = bot.command("phien_ket_thuc", chat_type="group", user_id=TRAINER)
    [sent] = [c for c in calls if c.method == "sendDocument"]
    assert "Tập huấn quý I" in sent.text and "2 câu hỏi" in sent.text
    document = bot.server.documents[-1]
    assert document.filename.startswith("phien-tap-huan-tap-huan-quy-i-")
    assert document.filename.endswith(".docx")
    paragraphs = [p.text for p in Document(io.BytesIO(document.data)).paragraphs]
    text = "\n".join(paragraphs)
    assert "Phiên tập huấn: Tập huấn quý I" in text
    assert f"Câu hỏi 1: {Q1}" in text and f"Câu hỏi 2: {Q2}" in text
    assert "Cảm ơn thầy" not in text
    for question in (Q1, Q2):
        results = shown(engine, question)
        top = results[0]
        assert top.citation in paragraphs  # as the chat showed it: the first result only
        assert (top.context_text or top.text).split("\n")[0].strip() in text
        assert all(
            other.citation not in paragraphs
            for other in results[1:]
            if other.citation != top.citation
        )
    [closed] = sent_messages(bot.command("phien_ket_thuc", chat_type="group", user_id=TRAINER))
    assert closed.text.startswith("Chưa có phiên nào đang mở")


def test_group_answers_an_edited_question_anew(bot: Harness, engine: SearchEngine) -> None:
    mention = bot.server.mention(Q1, user_id=TRAINER)
    bot.wait_done(mention["update_id"])
    first = bot.last(GROUP)

    def edit() -> dict:
        message = dict(mention["message"])
        message["text"] = message["text"].replace(Q1, Q2)
        message["edit_date"] = message["date"] + 5
        return bot.server.enqueue_update({"edited_message": message})

    calls = bot.do(edit)
    [answer] = sent_messages(calls)
    assert answer.params["reply_parameters"]["message_id"] == mention["message"]["message_id"]
    assert entity_texts(bot.last(GROUP), "bold")[0] == shown(engine, Q2)[0].citation
    assert bot.message(GROUP, first["message_id"])["text"] == first["text"]  # kept


def test_small_talk_in_a_group_when_addressed(bot: Harness) -> None:
    calls = bot.do(lambda: bot.server.mention("chào bot", user_id=TRAINER))
    [reply] = sent_messages(calls)
    assert "chưa tìm thấy" not in reply.text


def test_a_reply_to_an_answer_follows_up_on_it_whatever_came_after(
    bot: Harness, engine: SearchEngine
) -> None:
    bot.command(
        "hoi", "tiêu chuẩn Huân chương Lao động hạng Ba", chat_type="group", user_id=TRAINER
    )
    answer = bot.last(GROUP)
    bot.command(
        "hoi", "Ai có thẩm quyền quyết định tặng giấy khen?", chat_type="group", user_id=TRAINER
    )  # another question in between
    calls = bot.do(lambda: bot.server.reply_to(answer, "còn mức thưởng thì sao?", user_id=OTHER))
    [reply] = sent_messages(calls)
    assert "Tôi hiểu bạn hỏi tiếp" in reply.text
    saved = bot.services.activity.answer(buttons(bot.last(GROUP))["👍"].split(":")[1])
    reading = engine.read(saved.question)
    assert reading.intent == "tien_thuong" and reading.object.award == "huân chương lao động"


def test_in_a_group_each_officer_has_a_conversation_of_their_own(bot: Harness) -> None:
    bot.do(
        lambda: bot.server.mention(
            "hồ sơ đề nghị tặng Huân chương Lao động hạng Ba", user_id=TRAINER
        )
    )
    newcomer = 555002  # has asked nothing yet
    calls = bot.do(lambda: bot.server.mention("còn hạng Nhì thì sao?", user_id=newcomer))
    assert all("Tôi hiểu bạn hỏi tiếp" not in s.text for s in sent_messages(calls))
    calls = bot.do(lambda: bot.server.mention("còn hạng Nhì thì sao?", user_id=TRAINER))
    assert any("Tôi hiểu bạn hỏi tiếp" in s.text for s in sent_messages(calls))
