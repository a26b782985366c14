"""Officers ask: any text in a private chat is a question; results can be paged and shared."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from handlers.commands import Command
from handlers.common import (
    answer_keyboard,
    button,
    examples_keyboard,
    reply,
    rows_of,
    saved_answer_of,
    share_link,
    typing,
)
from handlers.context import BotContext
from handlers.render import (
    esc,
    render_answer,
    render_no_answer,
    render_small_talk,
    truncated_notice,
)
from retrieval import answers as asking
from retrieval.conversation import small_talk

COMMANDS: tuple[Command, ...] = ()
"""Officers need no command: any text in a private chat is a question."""

ASK_FOR_TEXT = (
    "Bạn hãy gõ câu hỏi bằng chữ về thi đua, khen thưởng, ví dụ: “Tiêu chuẩn danh hiệu Chiến sĩ "
    "thi đua cơ sở là gì?”"
)
UNSAVED = (
    "ℹ️ Hệ thống đang bận nên chưa lưu được câu trả lời này: tạm thời chưa xem được kết quả "
    "khác, đánh giá hay chia sẻ. Bạn có thể hỏi lại sau ít phút."
)


async def answer_question(update: Update, context: BotContext, text: str) -> None:
    """Search, save and send the answer to ``text`` in the update's chat."""
    svc = context.services
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return
    if kind := small_talk(text):
        await reply(update, render_small_talk(kind, user.first_name if user else None),
                    reply_markup=examples_keyboard())
        return
    await typing(context.bot, chat.id)
    result = await svc.run(
        asking.ask, svc.engine, svc.activity, text,
        user_id=user.id if user else None, chat_type=chat.type, chat_id=chat.id,
    )
    if result.empty:
        await reply(update, esc(ASK_FOR_TEXT))
        return
    notice = esc(truncated_notice()) + "\n\n" if result.truncated else ""
    if result.answer is None:
        headings = asking.related_headings(result.related or [])
        markup = InlineKeyboardMarkup(rows_of(
            [button(f"📖 {citation[:50]}", "a", label, number)
             for citation, _title, label, number in headings], width=1))
        await reply(update, notice + render_no_answer(
            result.question, [(c, t) for c, t, _l, _n in headings]),
            reply_markup=markup if headings else None)
        return
    unsaved = "" if result.answer.id else "\n\n" + esc(UNSAVED)
    await reply(update, notice + render_answer(result.answer, 0) + unsaved,
                reply_markup=answer_keyboard(result.answer, 0))


async def answer_private_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await answer_question(update, context, message.text)


async def show_other_result(update: Update, context: BotContext) -> None:
    """"➡️ Kết quả khác" / "⬅️ Kết quả trước": edit the same message to another result."""
    found = await saved_answer_of(update, context)
    if found is None:
        return
    query, saved, index = found
    await query.answer()
    try:
        await query.edit_message_text(render_answer(saved, index),
                                      reply_markup=answer_keyboard(saved, index))
    except BadRequest as exc:  # a double click: the message already shows this result
        if "not modified" not in str(exc).lower():
            raise


async def share_answer(update: Update, context: BotContext) -> None:
    """"📤 Chia sẻ": a deep link anyone can open, and inline mode to post it in another chat."""
    found = await saved_answer_of(update, context)
    if found is None:
        return
    query, saved, index = found
    await query.answer()
    link = share_link(context.bot.username, saved.id, index)
    item = saved.items[index]
    text = (
        f"📤 <b>Chia sẻ câu trả lời</b>\n{esc(item.citation)}\n\n"
        f"Gửi đường dẫn này cho đồng nghiệp, ai bấm vào cũng xem được câu trả lời:\n{esc(link)}"
        "\n\nHoặc bấm nút bên dưới để chọn cuộc trò chuyện và gửi ngay kết quả tra cứu."
    )
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton("↗️ Gửi vào cuộc trò chuyện khác",
                              switch_inline_query=saved.question[:200])],
        [InlineKeyboardButton("🔗 Mở đường dẫn", url=link)],
    ])
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def send_saved_answer(update: Update, context: BotContext, answer_id: str,
                            index: int = 0) -> None:
    """Open a saved answer (deep link ``a_<id>``) as a new message with its buttons."""
    svc = context.services
    saved = await svc.run(svc.activity.answer, answer_id)
    if saved is None or not saved.items:
        await reply(update, esc(
            f"Không tìm thấy câu trả lời được chia sẻ (mã “{answer_id[:20]}”). Có thể đường "
            "dẫn bị sai hoặc đã cũ. Bạn cứ gửi câu hỏi, tôi sẽ tra cứu lại."))
        return
    index = max(0, min(index, len(saved.items) - 1))
    await reply(update, "🔗 Câu trả lời được chia sẻ:\n\n" + render_answer(saved, index),
                reply_markup=answer_keyboard(saved, index))


def handlers() -> list[BaseHandler]:
    private_text = (filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
                    & filters.UpdateType.MESSAGE)
    return [
        MessageHandler(private_text, answer_private_text),
        CallbackQueryHandler(show_other_result, pattern=r"^p:[A-Za-z0-9]+:\d+$"),
        CallbackQueryHandler(share_answer, pattern=r"^s:[A-Za-z0-9]+:\d+$"),
    ]
