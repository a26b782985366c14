"""Application error handler: log the exception, apologise to the user instead of silence.

A database that is locked or unreachable gets its own apology (and a one-line log entry, not
a traceback per question: during an outage every officer's question fails the same way).
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from telegram import Update
from telegram.error import Forbidden, TelegramError

from handlers.context import BotContext
from handlers.render import esc
from knowledge.db import db_reason

logger = logging.getLogger("tdkt.bot")

APOLOGY = "Xin lỗi, hệ thống đang bận hoặc gặp sự cố. Bạn vui lòng thử lại sau ít phút."
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
"""The database is locked, unreachable or dropped the connection (not a bug in a query:
an IntegrityError or ProgrammingError keeps its traceback and the general apology)."""
DB_APOLOGY = (
    "Xin lỗi, cơ sở dữ liệu đang tạm thời gián đoạn nên tôi chưa trả lời được. Bạn "
    "vui lòng gửi lại câu hỏi sau ít phút."
)


async def apologise_and_log(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):  # the user blocked the bot or it left the group
        logger.info("Telegram từ chối gửi tin: %s", error)
        return
    kind = type(update).__name__ if update is not None else "không có cập nhật"
    if isinstance(error, UNAVAILABLE):
        logger.error(
            "Lỗi khi xử lý cập nhật (%s): cơ sở dữ liệu không truy cập được: %s",
            kind,
            db_reason(error),
        )
        text = DB_APOLOGY
    else:
        logger.error("Lỗi khi xử lý cập nhật (%s)", kind, exc_info=error)
        text = APOLOGY
    if not isinstance(update, Update):
        return
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.answer(text, show_alert=True)
            return
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, esc(text))
