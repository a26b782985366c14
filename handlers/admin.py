"""Admins keep the knowledge base: uploads with preview, /capnhat, /xoa, /thongke.

Only ids in TDKT_ADMIN_IDS may change anything (``admin_only``, checked on every update:
callback data can be forged by a modified client). The upload workflow itself is
Telegram-free (``knowledge.uploads``); parsing and publishing run in a worker thread, so
officers keep getting answers meanwhile, and the live index switches to the new version only
after the update has committed.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.commands import PRIVATE, Command
from handlers.common import admin_only, button, reply, rows_of, typing
from handlers.context import BotContext
from handlers.groups import command_argument
from handlers.render import esc, render_preview, render_stats
from knowledge import uploads
from knowledge.activity import UPLOAD_PENDING, UPLOAD_PROCESSING
from knowledge.errors import KnowledgeError
from knowledge.sync import SyncReport, remove_document, sync_folder
from retrieval.text import tokenize

logger = logging.getLogger(__name__)

COMMANDS = (
    Command("capnhat", "Đồng bộ lại thư mục văn bản nguồn", chats=frozenset({PRIVATE}),
            admin=True),
    Command("xoa", "Gỡ một văn bản", usage="xoa số hiệu", chats=frozenset({PRIVATE}),
            admin=True),
    Command("thongke", "Thống kê câu hỏi 7 ngày qua", chats=frozenset({PRIVATE}), admin=True),
)
REFUSED_STATS = "Xin lỗi, chỉ quản trị viên mới xem được thống kê."
MAX_REPORT_LINES = 30


def _report_text(report: SyncReport) -> str:
    lines = report.lines()
    shown = lines[:MAX_REPORT_LINES]
    if len(lines) > len(shown):
        shown.append(f"… và {len(lines) - len(shown)} dòng khác")
    return "\n".join(esc(line) for line in shown)


# -- uploads -------------------------------------------------------------------------------------


@admin_only("tai-len")
async def preview_upload(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.document is None:
        return
    svc = context.services
    document = message.document
    filename = document.file_name or "tai-lieu"
    user_id = update.effective_user.id if update.effective_user else None
    reason = uploads.unsupported_reason(filename, document.file_size)
    if reason:
        await svc.run(svc.activity.log_admin, user_id, "tai-len", filename, ok=False,
                      detail=reason)
        await reply(update, esc(reason))
        return
    await typing(context.bot, message.chat_id)
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        logger.warning("download of %s failed: %s", filename, exc)
        await reply(update, esc(f"Không tải được tệp “{filename}” từ Telegram. Bạn vui lòng "
                                "gửi lại sau ít phút."))
        return
    try:
        received = await svc.run(uploads.receive, svc.store, svc.activity, user_id, filename,
                                 data, message.caption or "")
    except KnowledgeError as exc:
        await reply(update, "❌ " + esc(str(exc)) + "\nCơ sở tri thức không thay đổi.")
        return
    markup = InlineKeyboardMarkup(rows_of([
        button("✅ Đăng", "u", received.upload_id, "ok"),
        button("❌ Hủy", "u", received.upload_id, "no"),
    ]))
    await reply(update, render_preview(received, filename), reply_markup=markup)


@admin_only("dang")
async def decide_upload(update: Update, context: BotContext) -> None:
    """✅ Đăng / ♻️ Thay thế văn bản cũ / ❌ Hủy under a preview."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, upload_id, decision = query.data.split(":")
    svc = context.services
    user_id = query.from_user.id
    upload = await svc.run(svc.activity.upload, upload_id)
    if upload is None:
        await query.answer("Không tìm thấy tài liệu chờ duyệt này.", show_alert=True)
        return
    if upload.state != UPLOAD_PENDING:
        await query.answer("Tài liệu này đã được xử lý trước đó.", show_alert=True)
        return
    preview = query.message.text_html if isinstance(query.message, Message) \
        and query.message.text else ""
    if decision == "no":
        await svc.run(uploads.cancel, svc.activity, upload, user_id)
        await query.answer("Đã hủy.")
        await query.edit_message_text(f"{preview}\n\n❌ Đã hủy. Cơ sở tri thức không thay đổi.")
        return
    if decision == "ok":
        existing = await svc.run(svc.store.find_active, upload.number)
        if existing is not None:
            await query.answer("Cần xác nhận thay thế văn bản cũ.")
            markup = InlineKeyboardMarkup(rows_of([
                button("♻️ Thay thế văn bản cũ", "u", upload_id, "rep"),
                button("❌ Hủy", "u", upload_id, "no"),
            ]))
            await query.edit_message_text(
                f"{preview}\n\n⚠️ <b>Văn bản số {esc(existing.meta.number)} đã có trong cơ sở "
                "tri thức.</b> Bấm “Thay thế văn bản cũ” để đăng bản mới thay cho bản cũ.",
                reply_markup=markup)
            return
    if not await svc.run(svc.activity.claim_upload, upload_id, to=UPLOAD_PROCESSING):
        await query.answer("Tài liệu này đang hoặc đã được xử lý.", show_alert=True)
        return
    await query.answer("Đang đăng…")
    await query.edit_message_text(f"{preview}\n\n⏳ Đang đăng; tôi vẫn trả lời câu hỏi trong lúc "
                                  "này.")
    async with svc.kb_lock:
        published = await svc.run(
            uploads.publish_claimed, svc.store, svc.activity, upload, user_id,
            replacing=decision == "rep", tokenize=tokenize, on_change=svc.engine.refresh,
        )
    if published.report is None:
        await query.edit_message_text(f"{preview}\n\n❌ {esc(published.error or '')}\nCơ sở tri "
                                      "thức không thay đổi.")
        return
    report = published.report
    await query.edit_message_text(
        f"{preview}\n\n✅ Đã đăng. {_report_text(report)}\nCơ sở tri thức: phiên bản "
        f"{report.version}. Câu hỏi mới sẽ được trả lời theo phiên bản này.")


# -- folder sync, removal, statistics -------------------------------------------------------


@admin_only("capnhat")
async def resync_sources(update: Update, context: BotContext) -> None:
    svc = context.services
    folder = svc.sources_dir
    await reply(update, esc(f"⏳ Đang đồng bộ thư mục “{folder}”; tôi vẫn trả lời câu hỏi trong "
                            "lúc này."))
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)

    def resync() -> SyncReport:
        report = sync_folder(svc.store, folder, tokenize)
        if report.changed:
            svc.engine.refresh()
        return report

    async with svc.kb_lock:
        report = await svc.run(resync)
    user = update.effective_user
    await svc.run(svc.activity.log_admin, user.id if user else None, "capnhat", str(folder),
                  ok=not report.errors, detail="; ".join(report.lines())[:4000])
    if report.changed:
        tail = f"\nCơ sở tri thức: phiên bản {report.version}."
    elif report.errors:
        tail = "\nCơ sở tri thức không thay đổi."
    else:
        tail = "\nKhông có thay đổi."
    head = "✅ Đồng bộ xong." if not report.errors else "⚠️ Đồng bộ xong, có lỗi:"
    await reply(update, f"{head}\n{_report_text(report)}{tail}")


@admin_only("xoa")
async def confirm_retire(update: Update, context: BotContext) -> None:
    svc = context.services
    message = update.effective_message
    if message is None:
        return
    number = " ".join(command_argument(message.text or "").split())
    if not number:
        await reply(update, "Cách dùng: /xoa &lt;số hiệu&gt;, ví dụ: /xoa 16/VBHN-VPQH")
        return
    doc = await svc.run(svc.store.find_active, number)
    if doc is None:
        await reply(update, esc(f"Không có văn bản số hiệu “{number}” trong cơ sở tri thức. Gõ "
                                "/tailieu để xem danh sách."))
        return
    markup = InlineKeyboardMarkup(rows_of([
        button("🗑 Gỡ văn bản", "x", doc.id, "ok"), button("❌ Hủy", "x", doc.id, "no"),
    ]))
    await reply(update, f"Gỡ văn bản <b>{esc(doc.meta.number)}</b> — {esc(doc.meta.title)} khỏi "
                        f"cơ sở tri thức? ({doc.units} điều/mục, {doc.passages} đoạn)",
                reply_markup=markup)


@admin_only("xoa")
async def retire_document(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, raw_id, decision = query.data.split(":")
    svc = context.services
    if decision == "no":
        await query.answer("Đã hủy.")
        await query.edit_message_text("Đã hủy, không gỡ văn bản nào.")
        return
    docs = await svc.run(svc.store.documents)
    doc = next((d for d in docs if d.id == int(raw_id)), None)
    if doc is None:
        await query.answer("Văn bản này đã được gỡ hoặc thay thế.", show_alert=True)
        return
    await query.answer("Đang gỡ…")

    def retire() -> SyncReport:
        report = remove_document(svc.store, doc.meta.number)
        if report.changed:
            svc.engine.refresh()
        return report

    async with svc.kb_lock:
        report = await svc.run(retire)
    await svc.run(svc.activity.log_admin, query.from_user.id, "xoa", doc.meta.number,
                  ok=not report.errors, detail="; ".join(report.lines()))
    if report.errors:
        await query.edit_message_text("❌ " + _report_text(report))
        return
    await query.edit_message_text(
        f"✅ Đã gỡ {esc(doc.meta.number)}. Cơ sở tri thức: phiên bản {report.version}.")


@admin_only("thongke", refused=REFUSED_STATS)
async def show_statistics(update: Update, context: BotContext) -> None:
    svc = context.services
    stats = await svc.run(svc.activity.stats, 7)
    await reply(update, render_stats(stats))


def handlers() -> list[BaseHandler]:
    return [
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, preview_upload),
        CallbackQueryHandler(decide_upload, pattern=r"^u:[A-Za-z0-9]+:(ok|rep|no)$"),
        CommandHandler("capnhat", resync_sources),
        CommandHandler("xoa", confirm_retire),
        CallbackQueryHandler(retire_document, pattern=r"^x:\d+:(ok|no)$"),
        CommandHandler("thongke", show_statistics),
    ]
