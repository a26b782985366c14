"""Training sessions: /phien_bat_dau [tên] collects a chat's Q&A, /phien_ket_thuc sends it as a
.docx document with every citation."""

from __future__ import annotations

import io
from datetime import datetime

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from handlers.commands import Command
from handlers.common import reply
from handlers.context import BotContext
from handlers.export import export_filename, session_docx
from handlers.groups import command_argument
from handlers.render import esc, format_when

COMMANDS = (
    Command("phien_bat_dau", "Bắt đầu ghi phiên tập huấn", usage="phien_bat_dau [tên]"),
    Command("phien_ket_thuc", "Kết thúc phiên, nhận tài liệu hỏi đáp (.docx) kèm trích dẫn"),
)


async def start_session(update: Update, context: BotContext) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or message is None:
        return
    name = " ".join(command_argument(message.text or "").split())[:200]
    name = name or f"Phiên tập huấn {datetime.now():%d/%m/%Y}"
    svc = context.services
    session, created = await svc.run(
        svc.activity.start_session, chat.id, name, user.id if user else None
    )
    if not created:
        await reply(
            update,
            f"📝 Cuộc trò chuyện này đang có phiên “{esc(session.name)}” (bắt "
            f"đầu {format_when(session.started_at)}). Kết thúc bằng "
            "/phien_ket_thuc.",
        )
        return
    how = (
        (
            "/hoi câu hỏi, nhắc @" + esc(context.bot.username) + " kèm câu hỏi, hoặc trả lời tin "
            "nhắn của tôi"
        )
        if chat.type != "private"
        else "gửi câu hỏi cho tôi"
    )
    await reply(
        update,
        f"🎓 Bắt đầu phiên “<b>{esc(session.name)}</b>”.\nTừ giờ, các câu hỏi "
        f"({how}) và câu trả lời sẽ được ghi lại. Gõ /phien_ket_thuc để kết thúc "
        "và nhận tài liệu hỏi đáp kèm trích dẫn.",
    )


async def end_session(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services
    export = await svc.run(svc.activity.end_session, chat.id)
    if export is None:
        await reply(update, "Chưa có phiên nào đang mở. Bắt đầu bằng /phien_bat_dau [tên phiên].")
        return
    if not export.entries:
        await reply(
            update,
            f"Đã kết thúc phiên “{esc(export.session.name)}”. Phiên chưa có câu "
            "hỏi nào nên không có tài liệu để gửi.",
        )
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    data = await svc.run(session_docx, export)
    answered = sum(1 for e in export.entries if e.answer is not None)
    caption = (
        f"📎 Phiên “<b>{esc(export.session.name[:300])}</b>” đã kết thúc: "
        f"{len(export.entries)} câu hỏi ({answered} có trích dẫn). Tài liệu ghi đủ câu "
        "hỏi, trích dẫn và nguyên văn quy định để học viên lưu lại."
    )
    await context.bot.send_document(
        chat.id,
        InputFile(io.BytesIO(data), filename=export_filename(export)),
        caption=caption,
    )


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("phien_bat_dau", start_session),
        CommandHandler("phien_ket_thuc", end_session),
    ]
