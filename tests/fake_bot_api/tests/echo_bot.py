"""A tiny PTB echo bot for the fake server's own tests: commands, keyboards, callbacks, inline
mode and a file round trip, built exactly as production builds an application."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from html import escape

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
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

from tests.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAE-fake-token_for_tests"
DETAIL_KEYBOARD = {"inline_keyboard": [[{"text": "Xem chi tiết", "callback_data": "detail:1"}]]}


def make_bot(server: FakeBotApi) -> Bot:
    """A plain ``Bot`` pointed at the fake, for calling API methods directly."""
    return Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


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
