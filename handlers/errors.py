"""Application error handler: log the exception, apologise to the user instead of silence."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

logger = logging.getLogger("tdkt.bot")

APOLOGY = "Xin lỗi, hệ thống đang bận hoặc gặp sự cố. Bạn vui lòng thử lại sau ít phút."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Forbidden):  # the user blocked the bot or it left the group
        logger.info("Telegram từ chối gửi tin: %s", error)
        return
    kind = type(update).__name__ if update is not None else "không có cập nhật"
    logger.error("Lỗi khi xử lý cập nhật (%s)", kind, exc_info=error)
    if not isinstance(update, Update):
        return
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.answer(APOLOGY, show_alert=True)
            return
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, APOLOGY)
