"""👍 / 👎 under an answer: stored per answer, result and user (a later vote replaces it)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from handlers.commands import Command
from handlers.context import BotContext

COMMANDS: tuple[Command, ...] = ()

THANKS_UP = "Cảm ơn bạn đã đánh giá! 👍"
THANKS_DOWN = "Cảm ơn bạn đã góp ý! Chúng tôi sẽ xem lại câu trả lời này. 👎"


async def record_vote(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, answer_id, raw_index, raw_value = query.data.split(":")
    value = 1 if raw_value == "1" else -1
    svc = context.services
    stored = await svc.run(svc.activity.set_feedback, answer_id, int(raw_index),
                           query.from_user.id, value)
    if not stored:
        await query.answer("Không tìm thấy câu trả lời này nữa.", show_alert=True)
        return
    await query.answer(THANKS_UP if value > 0 else THANKS_DOWN)


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(record_vote, pattern=r"^v:[A-Za-z0-9]+:\d+:[01]$")]
