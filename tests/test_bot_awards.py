"""End to end, award cards: the real bot against the fake Bot API server over a copy of the
real corpus. A question naming an award and a facet answers that facet first with the other
facets as buttons (editing the message), money and deadline questions get a direct line,
/khenthuong opens a whole card (also in groups), and a training session's export holds
exactly what the chat showed."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document

from retrieval import awards, direct
from retrieval.engine import SearchEngine
from tests.bot_harness import OFFICER, Harness, buttons, entity_texts, sent_messages

try:
    from tests.fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP
except ImportError:  # pragma: no cover
    from fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP  # type: ignore[no-redef]

TRAINER = 555002
DOSSIER = "Hồ sơ đề nghị tặng Huân chương Lao động hạng Ba gồm những gì?"
MONEY = "mức tiền thưởng cstđ cơ sở bao nhiêu"
DEADLINE = "Thời hạn nộp hồ sơ đề nghị tặng Cờ thi đua của Chính phủ"
FACET_BUTTONS = {
    "📋 Tiêu chuẩn",
    "🖊 Thẩm quyền",
    "📂 Hồ sơ",
    "⏱ Thời hạn",
    "💰 Tiền thưởng",
    "🎖 Trao tặng",
}


@pytest.fixture(scope="module")
def engine(bot: Harness) -> SearchEngine:
    return bot.services.engine


def card_named(engine: SearchEngine, name: str) -> awards.AwardCard:
    card = awards.lookup(engine.index, name).card
    assert card is not None
    return card


def ask(bot: Harness, question: str) -> dict:
    [_reply] = sent_messages(bot.text(question))
    return bot.last(OFFICER)


def all_callback_data_fit(message: dict) -> None:
    assert all(len(d.encode("utf-8")) <= 64 for d in buttons(message).values())


def test_dossier_question_answers_the_dossier_with_facet_buttons(
    bot: Harness, engine: SearchEngine
) -> None:
    card = card_named(engine, "Huân chương Lao động hạng Ba")
    dossier = card.provisions("ho_so")[0]
    message = ask(bot, DOSSIER)
    assert entity_texts(message, "bold")[0] == engine.search(DOSSIER, 5)[0].citation
    assert engine.search(DOSSIER, 5)[0].unit_id == dossier.unit_id
    assert "☐ a) " in message["text"]  # its dossier list as a checklist
    found = buttons(message)
    assert FACET_BUTTONS <= set(found)  # every facet of this card holds provisions
    assert {"➡️ Kết quả khác", "👍", "📤 Chia sẻ"} <= set(found)
    all_callback_data_fit(message)

    # 💰 edits the same message to the money facet: verbatim, cited, the award's own line.
    calls = bot.press(message, found["💰 Tiền thưởng"])
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    edited = bot.message(OFFICER, message["message_id"])
    money = card.provisions("tien_thuong")[0]
    assert money.citation in entity_texts(edited, "bold")
    assert money.text.split("\n")[0] in edited["text"]
    line = direct.money_answer(awards.cards(engine.index), card, None, None)
    assert line is not None and line.text in edited["text"]
    assert "chưa cấu hình mức lương cơ sở" in edited["text"]  # unset: never an amount
    back = buttons(edited)
    assert "• 💰 Tiền thưởng" in back and "↩️ Về câu trả lời" in back
    all_callback_data_fit(edited)

    # 🖊 Thẩm quyền shows who decides, then who proposes; ↩️ returns to the answer.
    bot.press(edited, back["🖊 Thẩm quyền"])
    authority = bot.message(OFFICER, message["message_id"])
    decides = card.provisions("tham_quyen_quyet_dinh")[0]
    proposes = card.provisions("tham_quyen_de_nghi")[0]
    assert {decides.citation, proposes.citation} <= set(entity_texts(authority, "bold"))
    bot.press(authority, buttons(authority)["↩️ Về câu trả lời"])
    assert bot.message(OFFICER, message["message_id"])["text"] == message["text"]


def test_money_question_gets_the_award_s_line_and_the_configured_amount(
    bot: Harness, engine: SearchEngine
) -> None:
    card = card_named(engine, "Chiến sĩ thi đua cơ sở")
    line = direct.money_answer(awards.cards(engine.index), card, None, Decimal("2340000"))
    assert line is not None
    bot.services.base_salary = Decimal("2340000")
    try:
        message = ask(bot, MONEY)
    finally:
        bot.services.base_salary = None
    text = message["text"]
    assert text.startswith("💰 " + line.text)  # one line first, verbatim
    assert line.phrase in entity_texts(message, "bold")
    amount = direct.format_dong(line.amount_dong)
    assert f"{amount} đồng" in text and "quản trị viên cấu hình" in text
    # In the passage below, the award's line is bolded, not the words every line shares.
    bold = entity_texts(message, "bold")
    assert line.text in bold
    assert not any(b.lower() in {"mức", "cơ sở", "mức lương cơ sở"} for b in bold)
    unset = ask(bot, MONEY)
    assert "đồng (mức do quản trị viên" not in unset["text"]


def test_deadline_question_has_no_checklist_and_a_deadline_line(
    bot: Harness, engine: SearchEngine
) -> None:
    result = engine.ask(DEADLINE, 5)
    line = direct.for_facet(awards.cards(engine.index), result.facet, result.reading)
    assert line is not None
    message = ask(bot, DEADLINE)
    assert message["text"].startswith("⏱ " + line.text)
    assert "☐" not in message["text"]  # a deadline question, although it says "hồ sơ"


def test_a_facet_the_texts_lack_is_said_above_the_closest_provisions(
    bot: Harness, engine: SearchEngine
) -> None:
    """An award whose card has no deadline provision: the answer says the loaded texts set
    none of its own, then shows the closest provisions; an award with one says nothing."""
    found = awards.cards(engine.index)
    empty = next(c for c in found.ordered() if not c.rank and not c.facets.get("thoi_han"))
    question = f"Thời hạn nộp hồ sơ đề nghị tặng {empty.name} là khi nào?"
    result = engine.ask(question, 5)
    assert result.facet is not None and result.facet.card.id == empty.id
    assert result.answers
    [note] = [n for n in result.notes if empty.name in n]
    assert note.startswith("Các văn bản đã nạp chưa có quy định riêng về thời hạn")
    assert note in ask(bot, question)["text"]
    assert not engine.ask(DEADLINE, 5).notes


def test_khenthuong_opens_the_whole_card(bot: Harness, engine: SearchEngine) -> None:
    card = card_named(engine, "Bằng khen của Thủ tướng Chính phủ")
    [sent] = sent_messages(bot.command("khenthuong", "bk ttg"))
    message = bot.last(OFFICER)
    assert message["text"].startswith(f"🎖 {card.name}")
    bold = entity_texts(message, "bold")
    for facet in card.filled:
        assert card.provisions(facet)[0].citation in bold
    assert FACET_BUTTONS <= set(buttons(message))
    all_callback_data_fit(message)
    bot.press(message, buttons(message)["📂 Hồ sơ"])
    edited = bot.message(OFFICER, message["message_id"])
    assert card.provisions("ho_so")[0].citation in entity_texts(edited, "bold")
    bot.press(edited, buttons(edited)["🗂 Cả thẻ"])
    assert bot.message(OFFICER, message["message_id"])["text"].startswith(f"🎖 {card.name}")


def test_khenthuong_with_an_incomplete_or_unknown_name(bot: Harness, engine: SearchEngine) -> None:
    [usage] = sent_messages(bot.command("khenthuong"))
    assert usage.text.startswith("Gõ tên danh hiệu")
    [ranks] = sent_messages(bot.command("khenthuong", "hclđ"))
    message = bot.last(OFFICER)
    assert "có nhiều hạng" in ranks.text
    choices = buttons(message)
    third = "🎖 Huân chương Lao động hạng Ba"
    assert third in choices
    calls = bot.press(message, choices[third])
    assert len(sent_messages(calls)) == 1
    assert bot.last(OFFICER)["text"].startswith("🎖 Huân chương Lao động hạng Ba")
    [unknown] = sent_messages(bot.command("khenthuong", "huy chương bông sen vàng"))
    assert "chưa tìm thấy" in unknown.text
    assert any(t.startswith("🎖 Huy chương") for t in buttons(bot.last(OFFICER)))
    forged = bot.do(
        lambda: bot.server.press_button(bot.last(OFFICER), "k:0000000000:hs:-", strict=False)
    )
    assert forged[0].params.get("show_alert") is True


def test_khenthuong_in_a_group_and_the_session_export(bot: Harness, engine: SearchEngine) -> None:
    bot.command("phien_bat_dau", "Thẻ khen thưởng", chat_type="group", user_id=TRAINER)
    calls = bot.command("khenthuong", "cstđcs", chat_type="group", user_id=TRAINER)
    [card_message] = sent_messages(calls)
    assert card_message.params["chat_id"] == GROUP
    assert card_message.params["reply_parameters"]  # quotes the trainer's command
    assert bot.last(GROUP)["text"].startswith("🎖 Chiến sĩ thi đua cơ sở")
    bot.command("hoi", DOSSIER, chat_type="group", user_id=TRAINER)
    # A province's own award: its local provisions carry their scope, in the chat and the file.
    bot.command("khenthuong", "cờ thi đua của ubnd tỉnh", chat_type="group", user_id=TRAINER)
    scopes = [x for x in bot.last(GROUP)["text"].splitlines() if x.startswith("📍 Áp dụng:")]
    assert scopes
    calls = bot.command("phien_ket_thuc", chat_type="group", user_id=TRAINER)
    assert [c for c in calls if c.method == "sendDocument"]
    paragraphs = [p.text for p in Document(io.BytesIO(bot.server.documents[-1].data)).paragraphs]
    text = "\n".join(paragraphs)
    card = card_named(engine, "Chiến sĩ thi đua cơ sở")
    assert "Thẻ khen thưởng: Chiến sĩ thi đua cơ sở" in text
    assert card.provisions("tieu_chuan")[0].citation in text
    # The dossier answer as the chat showed it: its points as a checklist, not the bare
    # lead-in, and not the other results.
    results = engine.search(DOSSIER, 5)
    assert results[0].citation in paragraphs
    assert any(p.startswith("☐ a) ") for p in paragraphs)
    assert all(r.citation not in paragraphs for r in results[1:])
    assert all(scope in paragraphs for scope in scopes)
