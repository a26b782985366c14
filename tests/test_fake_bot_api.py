"""Tests for ``tests/fake_bot_api.py`` driven by python-telegram-bot's real network stack.

Why: the fake server is only useful for end-to-end tests if an unmodified PTB
``Application`` (real httpx requests, real long polling, real de-json) works against it, and if
its validation and fault injection behave like Telegram.  Every test here talks HTTP to a real
socket; nothing in PTB is mocked.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from html import escape

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

try:  # works whether or not tests/ becomes a package later
    from tests.fake_bot_api import (
        DEFAULT_SUPERGROUP_CHAT_ID,
        DEFAULT_USER_ID,
        FakeBotApi,
        SentDocument,
    )
except ImportError:  # pragma: no cover - depends on pytest's rootdir/sys.path setup
    from fake_bot_api import (  # type: ignore[no-redef]
        DEFAULT_SUPERGROUP_CHAT_ID,
        DEFAULT_USER_ID,
        FakeBotApi,
        SentDocument,
    )

TOKEN = "123456789:AAE-fake-token_for_tests"
DETAIL_KEYBOARD = {"inline_keyboard": [[{"text": "Xem chi tiết", "callback_data": "detail:1"}]]}


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    """A started fake server, stopped after the test even if it fails."""
    with FakeBotApi() as fake:
        yield fake


def make_bot(server: FakeBotApi) -> Bot:
    """A plain ``Bot`` pointed at the fake, for calling API methods directly."""
    return Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


# ------------------------------------------------------------------ the tiny echo bot


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Xin chào! Hãy gửi câu hỏi về thi đua, khen thưởng.")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Xem chi tiết", callback_data="detail:1")]]
    )
    await message.reply_text(f"Bạn hỏi: {message.text}", reply_markup=keyboard)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Đang mở")
    await query.edit_message_text(f"Chi tiết cho {query.data}")


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    inline = update.inline_query
    assert inline is not None
    article = InlineQueryResultArticle(
        id="art-1",
        title=f"Kết quả: {inline.query}",
        input_message_content=InputTextMessageContent(
            f"<b>{escape(inline.query)}</b>", parse_mode=ParseMode.HTML
        ),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Mở", callback_data="open")]]),
    )
    await inline.answer([article], cache_time=0)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    telegram_file = await message.document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    context.bot_data.setdefault("downloads", []).append(data)
    await message.reply_document(
        document=io.BytesIO(data[::-1]),
        filename=f"reversed_{message.document.file_name}",
        caption="Đã xử lý",
    )


def build_app(server: FakeBotApi, rate_limiter: BaseRateLimiter | None = None) -> Application:
    """Build the echo bot exactly as production would, except for the API URLs."""
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{server.url}/bot")
        .base_file_url(f"{server.url}/file/bot")
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(InlineQueryHandler(on_inline))
    return app


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with real long polling (run_polling would own the event loop)."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ------------------------------------------------------------------ end-to-end


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
            server.press_inline_button(inline_id, "open")
            await server.wait_for_async(
                "editMessageText", lambda p: p.get("inline_message_id") == inline_id, since=mark
            )
            assert server.inline_messages[inline_id] == {"text": "Chi tiết cho open"}

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


# ------------------------------------------------------------------ faults


# PTB itself reads the deprecated int-valued RetryAfter.retry_after internally.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_once_then_success(server: FakeBotApi) -> None:
    """A queued 429 surfaces as PTB's RetryAfter exactly once; the retry goes through."""
    server.add_chat(DEFAULT_USER_ID)
    server.set_fault("sendMessage", "429", times=1, retry_after=1)

    async def scenario() -> None:
        async with make_bot(server) as bot:
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(DEFAULT_USER_ID, "Lần 1")
            assert "Retry in 1 second" in str(info.value)
            message = await bot.send_message(DEFAULT_USER_ID, "Lần 2")
            assert message.text == "Lần 2"

    asyncio.run(scenario())
    assert server.fault_counts == collections.Counter({"429": 1})
    assert [m["text"] for m in server.sent_messages()] == ["Lần 2"]
    [failed] = server.failed_calls
    assert (failed.method, failed.error_code, failed.params["text"]) == (
        "sendMessage",
        429,
        "Lần 1",
    )


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_aio_rate_limiter_retries_after_429(server: FakeBotApi) -> None:
    """With PTB's AIORateLimiter the reply still arrives, after waiting retry_after."""
    server.set_fault("sendMessage", "429", times=1, retry_after=1)

    async def scenario() -> tuple[dict[str, object], float]:
        app = build_app(server, rate_limiter=AIORateLimiter(max_retries=2))
        async with running(app):
            mark = server.mark()
            started = time.monotonic()
            server.send_command("start")
            params = await server.wait_for_async("sendMessage", since=mark, timeout=5)
            return params, time.monotonic() - started

    params, elapsed = asyncio.run(scenario())
    assert str(params["text"]).startswith("Xin chào!")
    assert elapsed >= 1.0
    assert server.fault_log == [("sendMessage", "429")]


def test_server_errors_and_slow_responses(server: FakeBotApi) -> None:
    """5xx faults map to NetworkError; "slow" delays but succeeds."""
    server.add_chat(DEFAULT_USER_ID)
    server.set_fault("sendMessage", "502")
    server.set_fault("sendMessage", "500")
    server.set_fault("editMessageText", "slow", delay=0.3)

    async def scenario() -> float:
        async with make_bot(server) as bot:
            for _ in range(2):
                with pytest.raises(NetworkError) as info:
                    await bot.send_message(DEFAULT_USER_ID, "lỗi")
                assert type(info.value) is NetworkError
            message = await bot.send_message(DEFAULT_USER_ID, "ổn")
            started = time.monotonic()
            await message.edit_text("ổn định")
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.3
    assert server.fault_counts == collections.Counter({"502": 1, "500": 1, "slow": 1})
    assert [f.error_code for f in server.failed_calls] == [502, 500]
    assert [m["text"] for m in server.sent_messages()] == ["ổn định"]


def test_random_faults_are_seeded_and_only_hit_send_edit_methods() -> None:
    """Same seed, same fault sequence; getMe is never faulted."""

    def run(seed: int) -> tuple[list[int], list[int], collections.Counter[str]]:
        with FakeBotApi() as fake:
            fake.add_chat(DEFAULT_USER_ID)
            fake.set_random_faults(
                rate_429=0.2, rate_5xx=0.1, rate_slow=0.1, seed=seed, delay=0.001
            )
            with httpx.Client(base_url=f"{fake.url}/bot{TOKEN}") as client:
                sends = [
                    client.post("/sendMessage", data={"chat_id": DEFAULT_USER_ID, "text": f"m{i}"})
                    for i in range(60)
                ]
                me = [client.post("/getMe").status_code for _ in range(20)]
            return [r.status_code for r in sends], me, fake.fault_counts

    first, second = run(7), run(7)
    assert first == second
    statuses, me_statuses, counts = first
    assert set(me_statuses) == {200}
    assert counts["429"] == statuses.count(429) > 0
    assert counts["500"] + counts["502"] == statuses.count(500) + statuses.count(502) > 0
    assert counts["slow"] > 0
    assert statuses.count(200) == 60 - counts["429"] - counts["500"] - counts["502"]


# ------------------------------------------------------------------ wire protocol


def test_wire_encodings_files_and_unknown_method(server: FakeBotApi) -> None:
    """urlencoded, JSON and multipart bodies decode alike; files round-trip byte-exact."""
    server.add_chat(DEFAULT_USER_ID)
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    blob = b"\r\n--not-the-boundary\r\n\x00\xff" * 100
    with httpx.Client(base_url=f"{server.url}/bot{TOKEN}") as client:
        form = client.post(
            "/sendMessage",
            data={
                "chat_id": str(DEFAULT_USER_ID),
                "text": "123",
                "reply_markup": json.dumps(markup),
                "disable_notification": "true",
            },
        )
        assert form.status_code == 200
        assert form.json()["result"]["reply_markup"] == markup
        params = server.calls_to("sendMessage")[-1]
        assert params["chat_id"] == DEFAULT_USER_ID
        assert params["text"] == "123"  # string-typed params are never JSON-decoded
        assert params["disable_notification"] is True

        as_json = client.post(
            "/SENDMESSAGE",  # method names are case-insensitive, as on Telegram
            json={"chat_id": DEFAULT_USER_ID, "text": "json", "reply_markup": json.dumps(markup)},
        )
        assert as_json.json()["ok"] is True
        assert server.calls_to("sendMessage")[-1]["reply_markup"] == markup

        upload = client.post(
            "/sendDocument",
            data={
                "chat_id": str(DEFAULT_USER_ID),
                "caption": "Tệp",
                "reply_markup": json.dumps(markup),
            },
            files={"document": ("tệp tin.pdf", blob, "application/pdf")},
        )
        document = upload.json()["result"]["document"]
        assert (document["file_name"], document["mime_type"]) == ("tệp tin.pdf", "application/pdf")
        assert server.documents[-1] == SentDocument("tệp tin.pdf", blob)

        resend = client.post(
            "/sendDocument", data={"chat_id": DEFAULT_USER_ID, "document": document["file_id"]}
        )
        assert resend.json()["result"]["document"]["file_id"] == document["file_id"]

        file_path = client.get("/getFile", params={"file_id": document["file_id"]}).json()[
            "result"
        ]["file_path"]
        download = httpx.get(f"{server.url}/file/bot{TOKEN}/{file_path}")
        assert download.status_code == 200 and download.content == blob
        assert httpx.get(f"{server.url}/file/bot{TOKEN}/documents/nope").status_code == 404

        unknown = client.post("/doSomethingWeird", json={})
        assert unknown.status_code == 404
        assert unknown.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        missing_chat = client.post("/sendMessage", data={"chat_id": "999", "text": "x"})
        assert missing_chat.status_code == 400
        assert missing_chat.json()["description"] == "Bad Request: chat not found"

    assert server.wait_for("sendMessage", lambda p: p["text"] == "json", timeout=0.1)
    with pytest.raises(TimeoutError):
        server.wait_for("sendMessage", since=server.mark(), timeout=0.1)


def test_get_updates_long_polling_offsets_and_conflicts(server: FakeBotApi) -> None:
    """getUpdates blocks until an update arrives, honours offset/limit and 409 rules."""
    with httpx.Client(base_url=f"{server.url}/bot{TOKEN}", timeout=10) as client:
        assert client.post("/getUpdates", json={"timeout": 0}).json()["result"] == []

        timer = threading.Timer(0.3, server.send_text, args=("Xin chào",))
        timer.start()
        started = time.monotonic()
        updates = client.post("/getUpdates", json={"timeout": 5}).json()["result"]
        elapsed = time.monotonic() - started
        timer.join()
        assert 0.2 <= elapsed < 3
        [update] = updates
        assert update["message"]["text"] == "Xin chào"
        update_id = update["update_id"]

        again = client.post("/getUpdates", json={"offset": update_id, "timeout": 0}).json()
        assert [u["update_id"] for u in again["result"]] == [update_id]  # not yet confirmed
        started = time.monotonic()
        confirmed = client.post("/getUpdates", json={"offset": update_id + 1, "timeout": 0.2})
        assert confirmed.json()["result"] == []
        assert time.monotonic() - started >= 0.15
        assert server.pending_updates == 0

        for i in range(3):
            server.send_text(f"tin {i}")
        limited = client.post("/getUpdates", json={"limit": 2}).json()["result"]
        assert [u["message"]["text"] for u in limited] == ["tin 0", "tin 1"]

        # A newer getUpdates terminates an older, still-blocked one with 409.
        with httpx.Client(base_url=f"{server.url}/bot{TOKEN}", timeout=10) as other:
            last = limited[-1]["update_id"] + 2
            results: list[httpx.Response] = []
            poller = threading.Thread(
                target=lambda: results.append(
                    other.post("/getUpdates", json={"offset": last, "timeout": 5})
                )
            )
            poller.start()
            server.wait_for_poll(timeout=3)
            client.post("/getUpdates", json={"offset": last, "timeout": 0})
            poller.join(timeout=3)
            assert results and results[0].status_code == 409
            assert "terminated by other getUpdates request" in results[0].json()["description"]

        assert client.post("/setWebhook", json={"url": "https://example.com/hook"}).json()["ok"]
        assert client.post("/getUpdates").status_code == 409
        info = client.post("/getWebhookInfo").json()["result"]
        assert info["url"] == "https://example.com/hook"
        client.post("/deleteWebhook", json={"drop_pending_updates": True})
        assert server.pending_updates == 0


# ------------------------------------------------------------------ Telegram-like validation


def test_formatting_and_validation_match_telegram(server: FakeBotApi) -> None:
    """Parse modes, limits and state errors produce Telegram's errors through PTB."""
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
            with pytest.raises(BadRequest, match="(?i)reserved"):
                await bot.send_message(DEFAULT_USER_ID, "Điều 5.", parse_mode=ParseMode.MARKDOWN_V2)
            escaped = await bot.send_message(
                DEFAULT_USER_ID, "*Điều 5*\\.", parse_mode=ParseMode.MARKDOWN_V2
            )
            assert escaped.text == "Điều 5."

            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="đ" * 33)]])
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(DEFAULT_USER_ID, "nút", reply_markup=too_long)

            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await message.edit_text(html, parse_mode=ParseMode.HTML)
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
            await message.edit_reply_markup(reply_markup=keyboard)
            assert server.message(DEFAULT_USER_ID, message.message_id)["reply_markup"] == {
                "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]
            }

            assert await message.delete() is True
            with pytest.raises(BadRequest, match="(?i)message to delete not found"):
                await message.delete()
            with pytest.raises(Forbidden, match="(?i)blocked"):
                await bot.send_message(blocked_user, "xin chào")
            with pytest.raises(BadRequest, match="(?i)query is too old"):
                await bot.answer_callback_query("12345")

            assert await bot.send_chat_action(DEFAULT_USER_ID, "typing") is True
            assert await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")])
            assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
            assert await bot.delete_my_commands()
            assert await bot.get_my_commands() == ()

    asyncio.run(scenario())
    assert [m["text"] for m in server.sent_messages()] == ["Điều 5."]
    assert server.commands() == []
