"""/start (welcome, example questions, deep links to shared answers) and /help."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.ask import answer_question, send_saved_answer
from handlers.commands import GROUP, PRIVATE, Command
from handlers.common import EXAMPLES, examples_keyboard, reply
from handlers.context import BotContext
from handlers.render import esc

COMMANDS = (
    Command("start", "Bắt đầu, câu hỏi mẫu", chats=frozenset({PRIVATE})),
    Command("help", "Hướng dẫn sử dụng"),
)

_SHARED = re.compile(r"^a_([A-Za-z0-9]{1,32})(?:_(\d{1,2}))?$")


def welcome_text(first_name: str | None) -> str:
    name = f" {esc(first_name)}" if first_name else ""
    return (
        f"Xin chào{name}! 👋\n"
        "Tôi là trợ lý tra cứu <b>thi đua, khen thưởng</b>. Bạn cứ gửi câu hỏi bằng tiếng Việt "
        "(có dấu hay không dấu đều được); tôi trả lời bằng đúng đoạn quy định, kèm trích dẫn "
        "điều, khoản của văn bản — không tự soạn nội dung.\n\n"
        "Bấm thử một câu hỏi mẫu bên dưới, hoặc gõ /help để xem hướng dẫn."
    )


def help_text(commands: Sequence[Command], is_admin: bool, bot_username: str) -> str:
    """/help, built from the commands the flows declare (``handlers.commands``)."""

    def lines_for(chat: str, *, admin: bool) -> list[str]:
        return [
            f"• {esc(c.help_line)}"
            for c in commands
            if chat in c.chats and c.admin == admin and c.name not in ("start", "help")
        ]

    private = lines_for(PRIVATE, admin=False)
    group_only = [line for line in lines_for(GROUP, admin=False) if line not in private]
    lines = [
        "📘 <b>Hướng dẫn sử dụng</b>",
        "",
        "• Gửi câu hỏi bất kỳ, ví dụ: “Hồ sơ đề nghị tặng Bằng khen gồm những gì?”. Dưới câu "
        "trả lời có nút xem toàn văn điều, xem kết quả khác, đánh giá 👍/👎 và chia sẻ.",
        "• Hỏi tiếp ngắn gọn được: “còn hạng Nhì thì sao?”, “mức thưởng bao nhiêu?” — tôi hiểu "
        "theo câu hỏi trước. Nhiều câu hỏi trong một tin nhắn được trả lời lần lượt.",
        "• Gõ “điều 24 luật tđkt” để xem nguyên văn một điều.",
        *private,
        "",
        "<b>Trong nhóm</b>: nhắc "
        f"@{esc(bot_username)} kèm câu hỏi, hoặc trả lời một tin nhắn của tôi.",
        *group_only,
        "",
        f"<b>Ở mọi cuộc trò chuyện</b>: gõ @{esc(bot_username)} rồi câu hỏi để chọn và gửi đoạn "
        "quy định có trích dẫn.",
    ]
    if is_admin:
        lines += [
            "",
            "<b>Quản trị</b>:",
            "• Gửi tệp .docx, .pdf, .txt, .html, .md, .pptx (tối đa 20 MB) để xem trước rồi "
            "bấm “✅ Đăng”. Chú thích có thể ghi: số: 15/2025/TT-BNV; hiệu lực: còn; loại: "
            "thông tư",
            *lines_for(PRIVATE, admin=True),
        ]
    return "\n".join(lines)


async def welcome(update: Update, context: BotContext) -> None:
    payload = context.args[0] if context.args else ""
    if m := _SHARED.match(payload):
        await send_saved_answer(update, context, m.group(1), int(m.group(2) or 0))
        return
    if payload.startswith("a_"):
        await send_saved_answer(update, context, payload[2:34])
        return
    if payload == "help":
        await show_help(update, context)
        return
    user = update.effective_user
    await reply(
        update, welcome_text(user.first_name if user else None), reply_markup=examples_keyboard()
    )


async def show_help(update: Update, context: BotContext) -> None:
    user = update.effective_user
    svc = context.services
    await reply(
        update,
        help_text(svc.commands, svc.is_admin(user.id if user else None), context.bot.username),
    )


async def ask_example(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    index = int(query.data.split(":")[1])
    if not 0 <= index < len(EXAMPLES):
        await query.answer("Câu hỏi mẫu không còn nữa.")
        return
    await query.answer()
    await answer_question(update, context, EXAMPLES[index])


async def explain_unknown_command(update: Update, context: BotContext) -> None:
    await reply(
        update, "Tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh, hoặc gửi thẳng câu hỏi của bạn."
    )


async def answer_stale_button(update: Update, context: BotContext) -> None:
    """A button from an older version of the bot (or forged data): answer, never spin."""
    query = update.callback_query
    assert query is not None
    await query.answer("Nút này không còn dùng được. Bạn hãy gửi lại câu hỏi nhé.", show_alert=True)


def fallback_handlers() -> list[BaseHandler]:
    """Registered after every other flow: unknown commands in private chats, old buttons."""
    return [
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, explain_unknown_command),
        CallbackQueryHandler(answer_stale_button),
    ]


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", welcome),
        CommandHandler("help", show_help),
        CallbackQueryHandler(ask_example, pattern=r"^ex:\d+$"),
    ]
