"""The fake server driven by python-telegram-bot's real network stack.

Why: the fake server is only useful for end-to-end tests if an unmodified PTB
``Application`` (real httpx requests, real long polling, real de-json) works against it, and if
its validation behaves like Telegram.  Every test here talks HTTP to a real socket; nothing in
PTB is mocked.
"""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application

from tests.fake_bot_api import (
    DEFAULT_SUPERGROUP_CHAT_ID,
    DEFAULT_USER_ID,
    FakeBotApi,
    SentDocument,
)

from .echo_bot import DETAIL_KEYBOARD, TOKEN, build_app, make_bot, running


def test_echo_bot_end_to_end(server: FakeBotApi) -> None:
    """Commands, keyboards, callbacks, inline mode and file round trips through PTB."""
    # Binary payload with CR/LF and a fake multipart delimiter to stress the body parser.
    payload = bytes(range(256)) * 20 + b"\r\n--boundary\r\n" + "Điều 1".encode()

    async def scenario() -> Application:
        app = build_app(server)
        async with running(app):
            mark = server.mark()
            server.send_command("start")
            greeting = await server.wait_for_async("sendMessage", since=mark)
            assert greeting["chat_id"] == DEFAULT_USER_ID
            assert greeting["text"].startswith("Xin chào!")

            mark = server.mark()
            server.send_text("Khen thưởng đột xuất là gì?")
            echo = await server.wait_for_async("sendMessage", since=mark)
            assert echo["text"] == "Bạn hỏi: Khen thưởng đột xuất là gì?"
            assert echo["reply_markup"] == DETAIL_KEYBOARD
            sent = server.last_sent(DEFAULT_USER_ID)
            assert sent is not None and sent["reply_markup"] == DETAIL_KEYBOARD

            mark = server.mark()
            pressed = server.press_button(sent, "detail:1")
            answer = await server.wait_for_async("answerCallbackQuery", since=mark)
            edit = await server.wait_for_async("editMessageText", since=mark)
            assert answer["callback_query_id"] == pressed["callback_query"]["id"]
            assert answer["text"] == "Đang mở"
            assert (edit["chat_id"], edit["message_id"]) == (DEFAULT_USER_ID, sent["message_id"])
            edited = server.message(DEFAULT_USER_ID, sent["message_id"])
            assert edited is not None and edited["text"] == "Chi tiết cho detail:1"
            assert "reply_markup" not in edited  # edit without markup drops the keyboard
            assert "edit_date" in edited
            with pytest.raises(ValueError, match="no button"):
                server.press_button(edited, "detail:1")  # the keyboard is gone

            mark = server.mark()
            server.inline_query("Điều 5 <Luật>")
            inline_answer = await server.wait_for_async("answerInlineQuery", since=mark)
            [result] = inline_answer["results"]
            assert (result["type"], result["id"]) == ("article", "art-1")
            assert result["input_message_content"]["message_text"] == "<b>Điều 5 &lt;Luật&gt;</b>"
            assert inline_answer["cache_time"] == 0

            chosen = server.choose_inline_result("art-1", "Điều 5 <Luật>")
            inline_id = chosen["chosen_inline_result"]["inline_message_id"]
            assert server.inline_messages[inline_id]["text"] == "Điều 5 <Luật>"

            mark = server.mark()
            server.send_document("quyet_dinh.bin", payload, caption="Xem giúp")
            sent_doc = await server.wait_for_async("sendDocument", since=mark)
            assert sent_doc["caption"] == "Đã xử lý"
            assert app.bot_data["downloads"] == [payload]
            assert server.documents == [SentDocument("reversed_quyet_dinh.bin", payload[::-1])]
            doc_message = server.last_sent(DEFAULT_USER_ID)
            assert doc_message is not None
            assert doc_message["document"]["file_name"] == "reversed_quyet_dinh.bin"
            assert doc_message["document"]["file_size"] == len(payload)

            mark = server.mark()
            server.send_text("Hỏi trong nhóm", chat_type="supergroup", user_id=555)
            group_reply = await server.wait_for_async("sendMessage", since=mark)
            assert group_reply["chat_id"] == DEFAULT_SUPERGROUP_CHAT_ID
        return app

    asyncio.run(scenario())
    assert server.token == TOKEN
    assert {"getMe", "deleteWebhook", "getUpdates", "getFile"} <= {c.method for c in server.calls}
    assert server.pending_updates == 0
    # Only the abandoned long poll may fail (PTB's final getUpdates supersedes it on stop).
    assert [f for f in server.failed_calls if f.method != "getUpdates"] == []


def test_formatting_and_validation_match_telegram(server: FakeBotApi) -> None:
    """Parse errors, limits and state errors produce Telegram's errors through PTB."""
    server.add_chat(DEFAULT_USER_ID)
    blocked_user = 4242
    server.add_chat(blocked_user)
    server.block_bot(blocked_user)

    async def scenario() -> None:
        async with make_bot(server) as bot:
            html = "<b>Điều 5</b>. Khoản 1 &lt;a&gt; 👍 <i>x</i>"
            message = await bot.send_message(DEFAULT_USER_ID, html, parse_mode=ParseMode.HTML)
            assert message.text == "Điều 5. Khoản 1 <a> 👍 x"
            assert [(e.type, e.offset, e.length) for e in message.entities] == [
                ("bold", 0, 6),
                ("italic", 23, 1),  # offsets count UTF-16 units: 👍 is two
            ]
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(DEFAULT_USER_ID, "a < b", parse_mode=ParseMode.HTML)
            # Only HTML is implemented (the bot sends HTML): other modes are refused, not
            # silently sent as plain text.
            with pytest.raises(BadRequest, match="(?i)unsupported parse_mode"):
                await bot.send_message(DEFAULT_USER_ID, "*x*", parse_mode=ParseMode.MARKDOWN_V2)

            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="đ" * 33)]])
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(DEFAULT_USER_ID, "nút", reply_markup=too_long)

            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await message.edit_text(html, parse_mode=ParseMode.HTML)
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
            await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            assert server.message(DEFAULT_USER_ID, message.message_id)["reply_markup"] == {
                "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]
            }

            with pytest.raises(Forbidden, match="(?i)blocked"):
                await bot.send_message(blocked_user, "xin chào")
            with pytest.raises(BadRequest, match="(?i)query is too old"):
                await bot.answer_callback_query("12345")
            with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
                await bot.send_chat_action(DEFAULT_USER_ID, "dancing")

            assert await bot.send_chat_action(DEFAULT_USER_ID, "typing") is True
            assert await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")])
            with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
                await bot.set_my_commands([("Bắt-đầu", "sai tên lệnh")])

    asyncio.run(scenario())
    assert [m["text"] for m in server.sent_messages()] == ["Điều 5. Khoản 1 <a> 👍 x"]
    assert [c["command"] for c in server.commands()] == ["start", "help"]
