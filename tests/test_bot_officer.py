"""End to end, private chat: the real bot (bot.app.build_application, real HTTP client, long
polling) against the fake Bot API server, over a copy of the real corpus knowledge base."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from handlers.render import checklist
from retrieval.engine import SearchEngine
from retrieval.references import find_references
from tests.bot_harness import (
    OFFICER,
    OTHER,
    TOKEN,
    Harness,
    buttons,
    entity_texts,
    sent_messages,
)
from tests.conftest import CORPUS

QUESTION = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?"
DOSSIER = "Hồ sơ đề nghị xét tặng danh hiệu thi đua gồm những gì?"
WITH_REFERENCES = "công khai danh sách trước khi đề nghị tặng huân chương"


@pytest.fixture(scope="module")
def expected(bot: Harness) -> SearchEngine:
    """The same engine the bot uses: expectations follow ranking changes."""
    return bot.services.engine


def _ask(bot: Harness, question: str) -> dict:
    calls = bot.text(question)
    assert [c.method for c in calls][:1] == ["sendChatAction"]  # "typing…" first
    assert calls[0].params["action"] == "typing"
    [reply] = sent_messages(calls)
    assert reply.params["parse_mode"] == "HTML"
    return bot.last(OFFICER)


def _all_callback_data_fit(message: dict) -> None:
    for data in buttons(message).values():
        assert len(data.encode("utf-8")) <= 64


def test_commands_registered_at_start(bot: Harness) -> None:
    private = {c["command"] for c in bot.server.commands()}
    assert {"start", "help", "dieu", "tailieu", "phien_bat_dau", "phien_ket_thuc"} <= private
    groups = {c["command"] for c in bot.server.commands(scope={"type": "all_group_chats"})}
    assert "hoi" in groups


def test_start_welcomes_with_example_buttons_that_ask(bot: Harness, expected: SearchEngine) -> None:
    [welcome] = sent_messages(bot.command("start"))
    assert welcome.text.startswith("Xin chào Tester! 👋")
    message = bot.last(OFFICER)
    examples = [text for text in buttons(message) if text.startswith("❓")]
    assert len(examples) == 3
    question = examples[0].removeprefix("❓ ")
    calls = bot.press(message, buttons(message)[examples[0]])
    assert calls[0].method == "answerCallbackQuery"
    [answer] = sent_messages(calls)
    top = expected.search(question, 5)[0]
    assert entity_texts(bot.last(OFFICER), "bold")[0] == top.citation
    assert f"Câu hỏi: {question}" in bot.last(OFFICER)["text"]


def test_question_gets_bold_citation_passage_and_buttons(
    bot: Harness, expected: SearchEngine
) -> None:
    top = expected.search(QUESTION, 5)
    message = _ask(bot, QUESTION)
    assert entity_texts(message, "bold")[0] == top[0].citation
    assert " ".join(top[0].text.split()[:8]) in " ".join(message["text"].split())
    assert "Kết quả 1/" in message["text"]
    found = buttons(message)
    unit = "Điều" if top[0].unit_kind == "dieu" else ""
    assert any(t.startswith(f"📖 Xem toàn văn {unit}") for t in found)
    assert {"➡️ Kết quả khác", "👍", "👎", "📤 Chia sẻ"} <= set(found)
    assert "⬅️ Kết quả trước" not in found
    _all_callback_data_fit(message)
    # The question's words are highlighted inside the passage (bold after the citation).
    assert any(
        w.lower()
        in {"tập thể", "lao động xuất sắc", "tiêu chuẩn", "danh hiệu", "tập thể lao động xuất sắc"}
        for w in entity_texts(message, "bold")
    )


def test_more_results_edit_the_same_message_and_back(bot: Harness, expected: SearchEngine) -> None:
    top = expected.search(QUESTION, 5)
    message = _ask(bot, QUESTION)
    calls = bot.press(message, buttons(message)["➡️ Kết quả khác"])
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["message_id"] == message["message_id"]
    edited = bot.message(OFFICER, message["message_id"])
    assert entity_texts(edited, "bold")[0] == top[1].citation
    assert "Kết quả 2/" in edited["text"]
    assert "⬅️ Kết quả trước" in buttons(edited)
    bot.press(edited, buttons(edited)["⬅️ Kết quả trước"])
    back = bot.message(OFFICER, message["message_id"])
    assert entity_texts(back, "bold")[0] == top[0].citation


def test_full_article_button_sends_the_article_as_written(
    bot: Harness, expected: SearchEngine
) -> None:
    top = expected.search(QUESTION, 5)[0]
    message = _ask(bot, QUESTION)
    full = next(data for text, data in buttons(message).items() if text.startswith("📖"))
    calls = bot.press(message, full)
    articles = sent_messages(calls)
    assert articles and calls[0].method == "answerCallbackQuery"
    text = "\n".join(m["text"] for m in bot.server.sent_messages(OFFICER)[-len(articles) :])
    assert f"Điều {top.unit_label}. {top.unit_title}" in text
    assert " ".join(top.text.split()) in " ".join(text.split())


def test_feedback_is_stored_and_changeable(bot: Harness) -> None:
    message = _ask(bot, QUESTION)
    answer_id = buttons(message)["👍"].split(":")[1]
    calls = bot.press(message, buttons(message)["👍"])
    assert calls[0].method == "answerCallbackQuery"
    assert calls[0].params["text"].startswith("Cảm ơn")
    assert bot.services.activity.feedback(answer_id) == [(0, 1)]
    calls = bot.press(message, buttons(message)["👎"])
    assert bot.services.activity.feedback(answer_id) == [(0, -1)]
    [prompt] = sent_messages(calls)  # an optional reason
    assert prompt.params["reply_parameters"]["message_id"] == message["message_id"]
    asked = bot.last(OFFICER)
    reasons = buttons(asked)
    assert set(reasons) == {"Sai điều", "Thiếu ý", "Khó hiểu", "Khác"}
    bot.press(asked, reasons["Thiếu ý"])
    assert "thiếu ý" in bot.message(OFFICER, asked["message_id"])["text"]
    stats = bot.services.activity.stats(7)
    assert stats.reasons.get("thieu-y", 0) >= 1
    assert any(fb.reason == "thieu-y" for fb in stats.negative)
    forged = bot.press(asked, f"r:{answer_id}:0:bia-dat", strict=False)
    assert forged[0].params.get("show_alert") is True  # unknown reason: nothing stored


def test_dossier_question_shows_a_checklist(bot: Harness, expected: SearchEngine) -> None:
    for question in (DOSSIER, "ho so de nghi xet tang danh hieu thi dua gom nhung gi"):
        top = expected.search(question, 5)[0]
        assert checklist(top.text), "precondition: the top passage lists points a), b)…"
        message = _ask(bot, question)
        assert "☐ a) " in message["text"] and "☐ b) " in message["text"]


def test_reference_buttons_open_the_referenced_article(
    bot: Harness, expected: SearchEngine
) -> None:
    results = expected.search(WITH_REFERENCES, 5)
    with_refs = [i for i, a in enumerate(results) if find_references(a.text)]
    assert with_refs, "precondition: a result quotes another article"
    message = _ask(bot, WITH_REFERENCES)
    answer_id = buttons(message)["👍"].split(":")[1]
    saved = bot.services.activity.answer(answer_id)
    index = next(i for i in with_refs if saved.items[i].references)
    if index:
        bot.press(message, f"p:{answer_id}:{index}", strict=False)
        message = bot.message(OFFICER, message["message_id"])
    refs = {text: data for text, data in buttons(message).items() if text.startswith("🔗")}
    assert refs
    text, data = next(iter(refs.items()))
    _, label, number = data.split(":", 2)
    calls = bot.press(message, data)
    [first, *_] = sent_messages(calls)
    assert f"Điều {label}" in first.text and number in first.text


def test_dieu_84_and_the_expired_version(bot: Harness) -> None:
    [article] = sent_messages(bot.command("dieu", "84"))
    message = bot.last(OFFICER)
    assert entity_texts(message, "bold")[0] == ("Điều 84 Luật Thi đua, khen thưởng số 06/2022/QH15")
    law = (CORPUS / "luat-06-2022-qh15.txt").read_text(encoding="utf-8")
    first_clause_line = law[law.index("\nĐiều 84.") :].split("\n\n")[1]
    assert first_clause_line.startswith("1. ") and first_clause_line in message["text"]
    found = buttons(message)
    assert found["🔗 Các khoản 2, 3 và 4 Điều 83"] == "a:83:06/2022/QH15"
    assert found["📄 Điều 84 · 16/VBHN-VPQH"] == "a:84:16/VBHN-VPQH"
    [old] = sent_messages(bot.press(message, "a:84:16/VBHN-VPQH"))
    assert (
        "⚠️ Văn bản hết hiệu lực, đã được thay thế bởi Luật Thi đua, khen thưởng số 06/2022/QH15."
    ) in old.text
    [usage] = sent_messages(bot.command("dieu"))
    assert usage.text.startswith("Cách dùng: /dieu")
    [missing] = sent_messages(bot.command("dieu", "999"))
    assert "Không tìm thấy Điều 999" in missing.text


def test_long_article_is_split_on_clause_boundaries(bot: Harness) -> None:
    parts = sent_messages(bot.command("dieu", "33 152/2025/NĐ-CP"))
    assert len(parts) >= 2
    texts = [m["text"] for m in bot.server.sent_messages(OFFICER)[-len(parts) :]]
    assert all(len(t) <= 4096 for t in texts)
    assert texts[0].startswith("📖 Điều 33 Nghị định số 152/2025/NĐ-CP")
    for n, text in enumerate(texts[1:], start=2):
        head, _, body = text.partition("\n\n")
        assert head == f"(tiếp theo, phần {n}/{len(parts)})"
        assert body.split(".", 1)[0].isdigit()  # starts with a clause number
    joined = "\n".join(texts)
    assert all(f"\n{k}. " in joined for k in range(1, 14))


def test_tailieu_lists_documents_with_status(bot: Harness) -> None:
    [listing] = sent_messages(bot.command("tailieu"))
    for number in ("06/2022/QH15", "152/2025/NĐ-CP", "16/VBHN-VPQH", "2346/HD-ĐHM"):
        assert number in listing.text
    assert "còn hiệu lực" in listing.text and "hết hiệu lực" in listing.text
    assert "thay thế bởi 06/2022/QH15" in listing.text


def test_nothing_relevant_says_so_without_misleading_suggestions(
    bot: Harness, expected: SearchEngine
) -> None:
    question = "giá vàng hôm nay bao nhiêu"
    assert expected.search(question, 5) == []
    assert not expected.read(question).in_domain  # off-topic: no heading is "close" to it
    assert expected.related(question, 3)  # ranking alone would suggest "Huân chương Sao vàng"
    message = _ask(bot, question)
    assert "chưa tìm thấy quy định phù hợp" in message["text"]
    assert "diễn đạt lại" in message["text"]
    assert "Có thể bạn quan tâm" not in message["text"] and not buttons(message)


def test_bad_input_never_crashes(bot: Harness, expected: SearchEngine) -> None:
    for empty in ("😀🎉", "???"):
        [reply] = sent_messages(bot.text(empty))
        assert reply.text.startswith("Bạn hãy gõ câu hỏi bằng chữ")
    long_question = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc " + "rất " * 2500
    message = _ask(bot, long_question)
    assert message["text"].startswith("✂️ Câu hỏi quá dài")
    assert len(message["text"]) <= 4096
    tricky = "<b>Giấy khen</b> & <script>alert(1)</script> *Bằng khen* _x_"
    message = _ask(bot, tricky)
    assert "Câu hỏi: <b>Giấy khen</b> & <script>alert(1)</script>" in message["text"]
    [unknown] = sent_messages(bot.command("khongco"))
    assert "/help" in unknown.text
    [help_text] = sent_messages(bot.command("help"))
    assert "/dieu" in help_text.text and "/capnhat" not in help_text.text
    assert [f for f in bot.server.failed_calls if f.method != "getUpdates"] == []


def test_errors_are_logged_without_token_and_the_user_gets_an_apology(
    bot: Harness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(query: object, k: int = 5) -> list:
        raise RuntimeError(f"index unavailable (token {TOKEN} must not leak)")

    monkeypatch.setattr(bot.services.engine.index, "ask", broken)
    from bot.logs import install_redactor

    redactor = install_redactor(TOKEN)
    caplog.handler.addFilter(redactor)
    with caplog.at_level(logging.ERROR, logger="tdkt.bot"):
        [apology] = sent_messages(bot.text("Giấy khen là gì?"))
    assert apology.text.startswith("Xin lỗi, hệ thống đang bận")
    assert any("Lỗi khi xử lý" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text and "<TOKEN>" in caplog.text
    monkeypatch.undo()
    message = _ask(bot, QUESTION)  # and the bot keeps working
    assert "Kết quả 1/" in message["text"]


def test_forged_or_stale_buttons_get_a_clear_answer(bot: Harness) -> None:
    message = _ask(bot, QUESTION)
    answer_id = buttons(message)["👍"].split(":")[1]
    for data, expected_text in (
        ("p:ZZZZZZZZZZ:1", "Không tìm thấy câu trả lời này nữa"),
        (f"v:{answer_id}:42:1", "Không tìm thấy câu trả lời này nữa"),
        ("old:button", "Nút này không còn dùng được"),
        ("a:999:06/2022/QH15", "Không tìm thấy điều này"),
    ):
        calls = bot.press(message, data, strict=False)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["text"].startswith(expected_text), data
    assert bot.services.activity.feedback(answer_id) == []


def test_other_user_can_use_the_bot_independently(bot: Harness) -> None:
    calls = bot.text("Ai có thẩm quyền quyết định tặng giấy khen?", user_id=OTHER)
    [reply] = sent_messages(calls)
    assert reply.params["chat_id"] == OTHER


def test_authority_question_shows_every_clause_naming_the_award(bot: Harness) -> None:
    [reply] = sent_messages(bot.text("Ai có thẩm quyền quyết định tặng giấy khen?"))
    message = bot.last(OFFICER)
    assert entity_texts(message, "bold")[0].startswith("Khoản 1, 2, 3 và 4 Điều 80 Luật")
    for authority in ("cấp huyện", "cấp xã", "Tổng giám đốc"):
        assert authority in message["text"]


def test_database_holds_no_raw_user_ids(bot: Harness) -> None:
    from sqlalchemy import text

    with bot.services.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT user_hash FROM bot_questions")).all()
    assert rows and all(str(OFFICER) not in r[0] for r in rows)


def test_database_file_is_a_copy(bot: Harness, corpus_db: str) -> None:
    path = bot.services.store.engine.url.database
    assert Path(path).name == "kb.db"
    assert path != corpus_db.removeprefix("sqlite:///")


@pytest.mark.parametrize("message", ["chào bot", "cảm ơn bot nhé", "bạn là ai?", "giúp với"])
def test_small_talk_gets_a_human_reply_with_examples(bot: Harness, message: str) -> None:
    [reply] = sent_messages(bot.text(message))
    assert "chưa tìm thấy" not in reply.text and "không tìm thấy" not in reply.text
    examples = [b for b in buttons(bot.last(OFFICER)) if b.startswith("❓")]
    assert 2 <= len(examples) <= 3
    calls = bot.press(bot.last(OFFICER), buttons(bot.last(OFFICER))[examples[0]])
    assert any(s.text.startswith("📌") for s in sent_messages(calls))  # the example is answered


def test_a_greeting_before_a_question_is_answered(bot: Harness) -> None:
    message = _ask(bot, "Chào bạn, cho hỏi " + QUESTION)
    assert message["text"].startswith("📌")


def _send_and_edit(
    bot: Harness, first: str, corrected: str, between: str | None = None
) -> tuple[dict, list]:
    """Ask ``first`` (optionally say ``between`` after), then edit it to ``corrected``."""
    sent: dict = {}

    def ask() -> dict:
        sent.update(bot.server.send_text(first))
        return sent

    bot.do(ask)
    reply = bot.last(OFFICER)
    if between is not None:
        bot.text(between)

    def edit() -> dict:
        message = {**sent["message"], "text": corrected, "edit_date": sent["message"]["date"] + 5}
        message.pop("entities", None)
        return bot.server.enqueue_update({"edited_message": message})

    return reply, bot.do(edit)


def test_an_edited_question_replaces_its_answer_while_it_is_the_last_message(
    bot: Harness, expected: SearchEngine
) -> None:
    reply, calls = _send_and_edit(bot, "tiêu chuẩn giấy khen", DOSSIER)
    assert sent_messages(calls) == []
    [edited] = sent_messages(calls, "editMessageText")
    assert edited.params["message_id"] == reply["message_id"]
    top = expected.search(DOSSIER, 1)[0]
    assert top.citation in edited.text
    assert buttons(bot.message(OFFICER, reply["message_id"]))  # the new answer's buttons


def test_an_edited_question_is_answered_anew_after_other_messages(
    bot: Harness, expected: SearchEngine
) -> None:
    reply, calls = _send_and_edit(bot, "tiêu chuẩn giấy khen", DOSSIER, between=QUESTION)
    assert sent_messages(calls, "editMessageText") == []
    [answer] = sent_messages(calls)
    assert expected.search(DOSSIER, 1)[0].citation in answer.text
    assert bot.message(OFFICER, reply["message_id"])["text"] != answer.text


def _article_text(bot: Harness, label: str, number: str) -> str:
    [unit] = [
        v
        for v in (bot.services.store.unit(u) for u in bot.services.store.find_units(label, number))
        if v
    ]
    return unit.text


@pytest.mark.parametrize(
    ("typed", "label", "number"),
    [
        ("điều 24 luật tđkt", "24", "06/2022/QH15"),
        ("dieu 24 luat thi dua khen thuong", "24", "06/2022/QH15"),
        ("Điều 50 nđ 152", "50", "152/2025/NĐ-CP"),
    ],
)
def test_an_article_typed_as_text_is_shown_whole(
    bot: Harness, typed: str, label: str, number: str
) -> None:
    calls = bot.text(typed)
    shown = "\n".join(s.text for s in sent_messages(calls))
    assert shown.startswith(f"📖 <b>Điều {label} ")
    assert number in shown.split("\n")[0]
    body = _article_text(bot, label, number)
    clauses = [line for line in body.split("\n") if line[:2] in ("1.", "2.")]
    assert clauses and all(c in shown for c in clauses)  # every clause, not only khoản 1


@pytest.mark.parametrize(
    ("args", "label", "number"),
    [
        ("24 luật tđkt", "24", "06/2022/QH15"),
        ("50 nd 152", "50", "152/2025/NĐ-CP"),
        ("22 luật cũ", "22", "16/VBHN-VPQH"),
    ],
)
def test_dieu_accepts_documents_named_as_officers_write_them(
    bot: Harness, args: str, label: str, number: str
) -> None:
    [first, *_rest] = sent_messages(bot.command("dieu", args))
    assert first.text.startswith(f"📖 <b>Điều {label} ") and number in first.text.split("\n")[0]


def test_a_question_about_an_article_is_still_answered_as_a_question(
    bot: Harness, expected: SearchEngine
) -> None:
    message = _ask(bot, "khoản 2 điều 84")
    assert message["text"].startswith("📌")
    assert expected.search("khoản 2 điều 84", 1)[0].citation in message["text"]


def test_dieu_shows_both_article_series_of_a_decision_with_its_regulation(bot: Harness) -> None:
    store = bot.services.store
    views = [v for v in (store.unit(u) for u in store.find_units("2")) if v]
    attached = [v for v in views if v.kind == "dieu" and v.attachment]
    if not attached:
        pytest.skip("no document with an attached regulation in the corpus")
    number = attached[0].document.number
    messages = sent_messages(bot.command("dieu", f"2 {number}"))
    heads = [m.text.split("\n")[0] for m in messages if m.text.startswith("📖")]
    assert heads[0] == f"📖 <b>{attached[0].citation}</b>"
    assert "ban hành kèm theo" in heads[0]
    assert heads[-1] == f"📖 <b>Điều 2 Quyết định số {number}</b>"


def test_an_answer_says_what_goes_with_it(bot: Harness, expected: SearchEngine) -> None:
    """Notes (a replaced document named), the corrected question, a local rule's scope:
    whatever the engine says goes with the answer is shown, and stays on the saved answer."""
    seen = {"notes": 0, "corrected": 0, "local": 0}
    for question in (
        "theo nghị định 98/2023 hồ sơ đề nghị bằng khen thủ tướng gồm gì",
        "khen thương cho tập thể lao đông xuất sắc cần điều kiện gì",
        "Cờ thi đua của Ủy ban nhân dân tỉnh Bắc Ninh tặng cho ai",
    ):
        found = expected.ask(question, 5)
        assert found.answers, question
        message = _ask(bot, question)
        for note in found.notes:
            assert f"ℹ️ {note}" in message["text"]
        if found.corrected:
            assert f"Có phải bạn hỏi: “{found.corrected}”?" in message["text"]
        scope = found.answers[0].document_scope
        local = scope is not None and scope != "toàn quốc"
        assert (f"📍 Áp dụng: {scope}" in message["text"]) == local
        answer_id = buttons(message)["👍"].split(":")[1]
        saved = bot.services.activity.answer(answer_id)
        assert saved.notes == found.notes and saved.corrected == found.corrected
        assert saved.items[0].document_scope == scope
        seen["notes"] += bool(found.notes)
        seen["corrected"] += bool(found.corrected)
        seen["local"] += local
    assert all(seen.values()), seen  # each kind was exercised


def test_a_follow_up_is_answered_from_the_previous_question(
    bot: Harness, expected: SearchEngine
) -> None:
    _ask(bot, "hồ sơ đề nghị tặng Huân chương Lao động hạng Ba gồm những gì")
    message = _ask(bot, "còn hạng Nhì thì sao?")
    assert "Tôi hiểu bạn hỏi tiếp" in message["text"] and "hạng Nhì" in message["text"]
    answer_id = buttons(message)["👍"].split(":")[1]
    asked = bot.services.activity.answer(answer_id).question
    reading = expected.read(asked)
    assert reading.intent == "ho_so" and reading.object.award == "huân chương lao động"
    assert reading.object.rank == "nhì"
    assert entity_texts(message, "bold")[0] == expected.search(asked, 1)[0].citation


def test_two_questions_in_one_message_get_two_cited_answers(
    bot: Harness, expected: SearchEngine
) -> None:
    calls = bot.text("Cờ thi đua của Chính phủ tặng cho ai, mức thưởng bao nhiêu?")
    answers = [s for s in sent_messages(calls) if "📌" in s.text]
    assert len(answers) == 2
    first, second = (
        expected.ask(q, 1)
        for q in (
            "Cờ thi đua của Chính phủ tặng cho ai",
            "mức thưởng bao nhiêu Cờ thi đua của Chính phủ",
        )
    )
    assert first.answers[0].citation in answers[0].text
    assert second.answers[0].citation in answers[1].text
    assert all(len(s.text) <= 4096 for s in answers)


def test_an_unclear_follow_up_offers_the_other_reading(bot: Harness) -> None:
    _ask(bot, "hồ sơ đề nghị tặng Huân chương Lao động hạng Ba gồm những gì")
    message = _ask(bot, "hồ sơ đề nghị khen thưởng gồm những giấy tờ gì?")
    offers = [t for t in buttons(message) if t.startswith("↪️")]
    assert len(offers) == 1
    calls = bot.press(message, buttons(message)[offers[0]])
    [answer] = [s for s in sent_messages(calls) if "📌" in s.text]
    saved = bot.services.activity.answer(buttons(bot.last(OFFICER))["👍"].split(":")[1])
    assert bot.services.engine.read(saved.question).object.award == "huân chương lao động"
    stale = bot.press(message, "fu:nope", strict=False)
    assert stale[0].params.get("show_alert") is True
