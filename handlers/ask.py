"""Officers ask: any text in a private chat is a question; results can be paged and shared."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.article import send_article
from handlers.awards import with_card_buttons
from handlers.commands import Command
from handlers.common import (
    already_shown,
    answer_id_of,
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
    render_alternative,
    render_answer,
    render_followup,
    render_no_answer,
    render_small_talk,
    truncated_notice,
)
from retrieval import answers as asking
from retrieval import conversation
from retrieval.conversation import Planned, Turn
from retrieval.question import cut_message

REPLIES = "replies"
"""chat_data: question message id → (reply message id, chat activity when it was sent)."""
ACTIVITY = "activity"
"""chat_data: how many messages and button presses the chat has had."""
MAX_REMEMBERED_REPLIES = 50

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


@dataclass
class Composed:
    """A reply before it is sent (or put in place of an earlier one)."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def conversation_key(update: Update) -> tuple[int, ...] | None:
    """Whose conversation a message continues: a private chat's, or one user's in a group
    (trainers and officers in one group ask about different awards)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    return (chat.id,) if chat.type == "private" or user is None else (chat.id, user.id)


async def replied_turn(update: Update, context: BotContext) -> Turn | None:
    """A reply to one of the bot's answers continues that answer's question, whatever was
    asked since."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    answer_id = answer_id_of(replied)
    if answer_id is None:
        return None
    svc = context.services
    saved = await svc.run(svc.activity.answer, answer_id)
    if saved is None:
        return None
    return Turn(saved.question, await svc.run(svc.engine.read, saved.question))


async def compose_replies(update: Update, context: BotContext, text: str) -> list[Composed]:
    """The replies to a message: small talk, or one cited answer per question it asks, in
    order, follow-ups completed from the conversation (``retrieval.conversation``)."""
    svc = context.services
    chat = update.effective_chat
    user = update.effective_user
    key = conversation_key(update)
    if chat is None or key is None:
        return []
    previous = await replied_turn(update, context)
    text, truncated = cut_message(text)
    planned = await svc.run(
        conversation.converse, svc.engine.index, svc.conversations, key, text, previous
    )
    if planned.small_talk:
        return [
            Composed(
                render_small_talk(planned.small_talk, user.first_name if user else None),
                examples_keyboard(),
            )
        ]
    await typing(context.bot, chat.id)
    replies = [await compose_answer(update, context, part) for part in planned.parts]
    if truncated and replies:
        replies[0].text = esc(truncated_notice()) + "\n\n" + replies[0].text
    return replies


async def compose_answer(update: Update, context: BotContext, part: Planned) -> Composed:
    """Search, save and log the answer to one question of a message."""
    svc = context.services
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    result = await svc.run(
        asking.ask,
        svc.engine,
        svc.activity,
        part.question,
        user_id=user.id if user else None,
        chat_type=chat.type,
        chat_id=chat.id,
        base_salary=svc.base_salary,
    )
    composed = _composed(result)
    if part.followup:
        composed.text = render_followup(result.question) + composed.text
    if part.alternative:
        offer = button(
            f"↪️ {part.alternative[:60]}", "fu", svc.conversations.offer(part.alternative)
        )
        rows = list(composed.markup.inline_keyboard) if composed.markup else []
        composed.markup = InlineKeyboardMarkup([*rows, [offer]] if offer else rows)
        composed.text += "\n" + render_alternative(part.alternative)
    return composed


def _composed(result: asking.AskResult) -> Composed:
    if result.empty:
        return Composed(esc(ASK_FOR_TEXT))
    notice = esc(truncated_notice()) + "\n\n" if result.truncated else ""
    if result.answer is None:
        headings = asking.related_headings(result.related or [])
        markup = InlineKeyboardMarkup(
            rows_of(
                [
                    button(f"📖 {citation[:50]}", "a", label, number)
                    for citation, _title, label, number in headings
                ],
                width=1,
            )
        )
        return Composed(
            notice
            + render_no_answer(
                result.question, [(c, t) for c, t, _l, _n in headings], result.notes
            ),
            markup if headings else None,
        )
    unsaved = "" if result.answer.id else "\n\n" + esc(UNSAVED)
    return Composed(
        notice + render_answer(result.answer, 0) + unsaved,
        with_card_buttons(result.answer, answer_keyboard(result.answer, 0)),
    )


async def answer_question(update: Update, context: BotContext, text: str) -> None:
    """Answer ``text`` in the update's chat, remembering which reply answers which message
    (an edited question can then replace its answer). A message that only cites an article
    ("điều 24 luật tđkt") gets the whole article, as /dieu would show it."""
    if await show_requested_article(update, context, text):
        return
    sent = [
        await reply(update, c.text, reply_markup=c.markup)
        for c in await compose_replies(update, context, text)
    ]
    asked = update.effective_message
    if (
        len(sent) == 1
        and sent[0] is not None
        and asked is not None
        and context.chat_data is not None
    ):
        replies: dict[int, tuple[int, int]] = context.chat_data.setdefault(REPLIES, {})
        replies[asked.message_id] = (sent[0].message_id, context.chat_data.get(ACTIVITY, 0))
        while len(replies) > MAX_REMEMBERED_REPLIES:
            replies.pop(next(iter(replies)))


async def show_requested_article(update: Update, context: BotContext, text: str) -> bool:
    svc = context.services
    request = await svc.run(asking.article_request, svc.engine, text)
    if request is None or request.clause is not None:
        return False  # a clause cited ("khoản 2 điều 84") is answered as a passage
    views = await svc.run(asking.article_views, svc.store, request.label, request.number)
    if not views:
        return False
    await send_article(update, context, views)
    return True


async def ask_offered_question(update: Update, context: BotContext) -> None:
    """ "↪️ …" under an answer: the other reading of an unclear follow-up."""
    query = update.callback_query
    assert query is not None and query.data is not None
    question = context.services.conversations.offered(query.data.split(":", 1)[1])
    if question is None:
        await query.answer("Nút này đã hết hạn. Bạn hãy gõ lại câu hỏi nhé.", show_alert=True)
        return
    await query.answer()
    await answer_question(update, context, question)


async def answer_private_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await answer_question(update, context, message.text)


async def count_chat_activity(update: Update, context: BotContext) -> None:
    """Count new messages and button presses per chat (edits do not count): an edited question
    may replace its answer only while nothing happened in the chat since."""
    if update.edited_message is None and context.chat_data is not None:
        context.chat_data[ACTIVITY] = context.chat_data.get(ACTIVITY, 0) + 1


async def answer_edited_question(update: Update, context: BotContext) -> None:
    """An officer corrected a question: put the new answer in place of the old one when that
    is still the chat's last message (private chats), otherwise answer anew."""
    message = update.edited_message
    chat = update.effective_chat
    if message is None or message.text is None or chat is None:
        return
    data = context.chat_data if context.chat_data is not None else {}
    earlier = data.get(REPLIES, {}).get(message.message_id)
    if earlier is None or earlier[1] != data.get(ACTIVITY, 0):
        await answer_question(update, context, message.text)
        return
    replies = await compose_replies(update, context, message.text)
    if len(replies) != 1:
        for composed in replies:  # now several questions: answered anew, in order
            await reply(update, composed.text, reply_markup=composed.markup)
        return
    composed = replies[0]
    with already_shown():  # the same answer again
        await context.bot.edit_message_text(
            composed.text, chat.id, earlier[0], reply_markup=composed.markup
        )


async def show_other_result(update: Update, context: BotContext) -> None:
    """ "➡️ Kết quả khác" / "⬅️ Kết quả trước": edit the same message to another result."""
    found = await saved_answer_of(update, context)
    if found is None:
        return
    query, saved, index = found
    await query.answer()
    with already_shown():  # a double click
        await query.edit_message_text(
            render_answer(saved, index),
            reply_markup=with_card_buttons(saved, answer_keyboard(saved, index)),
        )


async def share_answer(update: Update, context: BotContext) -> None:
    """ "📤 Chia sẻ": a deep link anyone can open, and inline mode to post it in another chat."""
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
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "↗️ Gửi vào cuộc trò chuyện khác", switch_inline_query=saved.question[:200]
                )
            ],
            [InlineKeyboardButton("🔗 Mở đường dẫn", url=link)],
        ]
    )
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def send_saved_answer(
    update: Update, context: BotContext, answer_id: str, index: int = 0
) -> None:
    """Open a saved answer (deep link ``a_<id>``) as a new message with its buttons."""
    svc = context.services
    saved = await svc.run(svc.activity.answer, answer_id)
    if saved is None or not saved.items:
        await reply(
            update,
            esc(
                f"Không tìm thấy câu trả lời được chia sẻ (mã “{answer_id[:20]}”). Có thể đường "
                "dẫn bị sai hoặc đã cũ. Bạn cứ gửi câu hỏi, tôi sẽ tra cứu lại."
            ),
        )
        return
    index = max(0, min(index, len(saved.items) - 1))
    await reply(
        update,
        "🔗 Câu trả lời được chia sẻ:\n\n" + render_answer(saved, index),
        reply_markup=with_card_buttons(saved, answer_keyboard(saved, index)),
    )


def tracking_handler() -> BaseHandler:
    """Runs before every flow (group -1) and lets them all run."""
    return TypeHandler(Update, count_chat_activity)


def handlers() -> list[BaseHandler]:
    private_text = (
        filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    )
    private_edit = (
        filters.TEXT
        & ~filters.COMMAND
        & filters.ChatType.PRIVATE
        & filters.UpdateType.EDITED_MESSAGE
    )
    return [
        MessageHandler(private_text, answer_private_text),
        MessageHandler(private_edit, answer_edited_question),
        CallbackQueryHandler(show_other_result, pattern=r"^p:[A-Za-z0-9]+:\d+$"),
        CallbackQueryHandler(share_answer, pattern=r"^s:[A-Za-z0-9]+:\d+$"),
        CallbackQueryHandler(ask_offered_question, pattern=r"^fu:[A-Za-z0-9_-]+$"),
    ]
