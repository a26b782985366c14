"""👍 / 👎 under an answer: stored per answer, result and user (a later vote replaces it); a 👎
asks for an optional reason (sai điều, thiếu ý, khó hiểu, khác), shown in /thongke."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from handlers.commands import Command
from handlers.common import button, rows_of, send_html
from handlers.context import BotContext
from handlers.render import esc
from knowledge.activity import FEEDBACK_REASONS

COMMANDS: tuple[Command, ...] = ()

THANKS_UP = "Cảm ơn bạn đã đánh giá! 👍"
THANKS_DOWN = "Cảm ơn bạn đã góp ý! Chúng tôi sẽ xem lại câu trả lời này. 👎"
ASK_REASON = "👎 Câu trả lời chưa tốt ở điểm nào? (không bắt buộc, bấm một lý do)"
GONE = "Không tìm thấy câu trả lời này nữa."


async def record_vote(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, answer_id, raw_index, raw_value = query.data.split(":")
    value = 1 if raw_value == "1" else -1
    svc = context.services
    stored = await svc.run(
        svc.activity.set_feedback, answer_id, int(raw_index), query.from_user.id, value
    )
    if not stored:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer(THANKS_UP if value > 0 else THANKS_DOWN)
    if value > 0 or not isinstance(query.message, Message):
        return  # an inline-mode message: nowhere to ask
    reasons = InlineKeyboardMarkup(
        rows_of(
            [
                button(label.capitalize(), "r", answer_id, raw_index, code)
                for code, label in FEEDBACK_REASONS.items()
            ],
            width=4,
        )
    )
    await send_html(
        context.bot,
        query.message.chat.id,
        [esc(ASK_REASON)],
        reply_markup=reasons,
        reply_to=query.message,
    )


async def record_reason(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, answer_id, raw_index, reason = query.data.split(":")
    svc = context.services
    stored = await svc.run(
        svc.activity.set_feedback_reason, answer_id, int(raw_index), query.from_user.id, reason
    )
    if not stored:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer("Đã ghi nhận, cảm ơn bạn!")
    await query.edit_message_text(
        esc(f"👎 Đã ghi nhận góp ý: {FEEDBACK_REASONS[reason]}. Cảm ơn bạn!")
    )


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(record_vote, pattern=r"^v:[A-Za-z0-9]+:\d+:[01]$"),
        CallbackQueryHandler(record_reason, pattern=r"^r:[A-Za-z0-9]+:\d+:[a-z-]+$"),
    ]
