"""/start (welcome, example questions, deep links to shared answers) and /help."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.render import esc
from bot.services import services
from handlers.ask import answer_question, send_saved_answer
from handlers.common import button, reply

EXAMPLES = (
    "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?",
    "Ai có thẩm quyền quyết định tặng giấy khen?",
    "Hồ sơ đề nghị xét tặng danh hiệu thi đua gồm những gì?",
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


def help_text(is_admin: bool, bot_username: str) -> str:
    lines = [
        "📘 <b>Hướng dẫn sử dụng</b>",
        "",
        "• Gửi câu hỏi bất kỳ, ví dụ: “Hồ sơ đề nghị tặng Bằng khen gồm những gì?”. Dưới câu "
        "trả lời có nút xem toàn văn điều, xem kết quả khác, đánh giá 👍/👎 và chia sẻ.",
        "• /dieu 84 [số hiệu] — xem nguyên văn một điều, ví dụ: /dieu 84 06/2022/QH15",
        "• /tailieu — các văn bản đang có trong cơ sở tri thức và hiệu lực",
        "",
        "<b>Trong nhóm</b>: /hoi câu hỏi, hoặc nhắc "
        f"@{esc(bot_username)} kèm câu hỏi, hoặc trả lời một tin nhắn của tôi.",
        "/phien_bat_dau [tên] — bắt đầu ghi lại phiên tập huấn; /phien_ket_thuc — kết thúc và "
        "nhận tài liệu hỏi đáp (.docx) kèm trích dẫn.",
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
            "• /capnhat — đồng bộ lại thư mục văn bản nguồn",
            "• /xoa &lt;số hiệu&gt; — gỡ một văn bản",
            "• /thongke — thống kê câu hỏi 7 ngày qua",
        ]
    return "\n".join(lines)


def examples_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(f"❓ {q}", "ex", n)] for n, q in enumerate(EXAMPLES)])


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = context.args[0] if context.args else ""
    if m := _SHARED.match(payload):
        await send_saved_answer(update, context, m.group(1), int(m.group(2) or 0))
        return
    if payload.startswith("a_"):
        await send_saved_answer(update, context, payload[2:34])
        return
    if payload == "help":
        await on_help(update, context)
        return
    user = update.effective_user
    await reply(update, welcome_text(user.first_name if user else None),
                reply_markup=examples_keyboard())


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    admin = services(context).is_admin(user.id if user else None)
    await reply(update, help_text(admin, context.bot.username))


async def on_example(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    index = int(query.data.split(":")[1])
    if not 0 <= index < len(EXAMPLES):
        await query.answer("Câu hỏi mẫu không còn nữa.")
        return
    await query.answer()
    await answer_question(update, context, EXAMPLES[index])


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, "Tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh, hoặc gửi thẳng câu "
                        "hỏi của bạn.")


async def on_stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from an older version of the bot (or forged data): answer, never spin."""
    query = update.callback_query
    assert query is not None
    await query.answer("Nút này không còn dùng được. Bạn hãy gửi lại câu hỏi nhé.",
                       show_alert=True)


def fallback_handlers() -> list:
    """Registered after every other flow: unknown commands in private chats, old buttons."""
    return [
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command),
        CallbackQueryHandler(on_stale_button),
    ]


def handlers() -> list:
    return [
        CommandHandler("start", on_start),
        CommandHandler("help", on_help),
        CallbackQueryHandler(on_example, pattern=r"^ex:\d+$"),
    ]
