"""Admins keep the knowledge base: uploads with preview, /capnhat, /xoa, /thongke.

Only ids in TDKT_ADMIN_IDS may change anything; the id is checked again in every callback,
because callback data can be forged by a modified client. Parsing and publishing run in a
worker thread, so officers keep getting answers meanwhile, and the live index switches to the
new version only after the update has committed.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import uploads
from bot.render import esc, render_stats
from bot.services import Services, services
from handlers.common import NO_PREVIEW, button, reply, rows_of, typing
from handlers.groups import command_argument
from knowledge.activity import (
    UPLOAD_CANCELLED,
    UPLOAD_FAILED,
    UPLOAD_PENDING,
    UPLOAD_PROCESSING,
    UPLOAD_PUBLISHED,
)
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)

REFUSED = ("Xin lỗi, chỉ quản trị viên mới được thay đổi cơ sở tri thức. Bạn vẫn có thể đặt "
           "câu hỏi như bình thường.")
REFUSED_STATS = "Xin lỗi, chỉ quản trị viên mới xem được thống kê."
REFUSED_SHORT = "Xin lỗi, chỉ quản trị viên mới được làm việc này."
MAX_REPORT_LINES = 30


def _report_text(report: uploads.SyncReport) -> str:
    lines = report.lines()
    shown = lines[:MAX_REPORT_LINES]
    if len(lines) > len(shown):
        shown.append(f"… và {len(lines) - len(shown)} dòng khác")
    return "\n".join(esc(line) for line in shown)


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str,
                  target: str = "", *, text: str = REFUSED) -> None:
    svc = services(context)
    user = update.effective_user
    await svc.run(svc.activity.log_admin, user.id if user else None, action, target, ok=False,
                  detail="không có quyền")
    query = update.callback_query
    if query is not None:
        await query.answer(REFUSED_SHORT, show_alert=True)
    else:
        await reply(update, esc(text))


def _admin(update: Update, svc: Services) -> bool:
    user = update.effective_user
    return svc.is_admin(user.id if user else None)


# -- uploads -------------------------------------------------------------------------------------


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.document is None:
        return
    svc = services(context)
    document = message.document
    filename = document.file_name or "tai-lieu"
    if not _admin(update, svc):
        await _refuse(update, context, "tai-len", filename)
        return
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
    caption = message.caption or ""
    try:
        parsed, caption_meta = await svc.run(uploads.parse_upload, data, filename, caption)
    except KnowledgeError as exc:
        await svc.run(svc.activity.log_admin, user_id, "tai-len", filename, ok=False,
                      detail=str(exc))
        await reply(update, "❌ " + esc(str(exc)) + "\nCơ sở tri thức không thay đổi.")
        return
    existing = await svc.run(svc.store.find_active, parsed.meta.number)
    upload_id = await svc.run(svc.activity.save_upload, user_id, filename, data,
                              caption=caption, number=parsed.meta.number)
    await svc.run(svc.activity.log_admin, user_id, "tai-len", filename, ok=True,
                  detail=f"chờ duyệt {upload_id}: {parsed.meta.number}")
    preview = uploads.render_preview(parsed, caption_meta, filename, existing)
    markup = InlineKeyboardMarkup(rows_of([
        button("✅ Đăng", "u", upload_id, "ok"), button("❌ Hủy", "u", upload_id, "no"),
    ]))
    await reply(update, preview, reply_markup=markup)


async def on_upload_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, upload_id, decision = query.data.split(":")
    svc = services(context)
    if not _admin(update, svc):
        await _refuse(update, context, "dang", upload_id)
        return
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
        if await svc.run(svc.activity.claim_upload, upload_id, to=UPLOAD_CANCELLED):
            await svc.run(svc.activity.log_admin, user_id, "huy", upload.filename, ok=True)
        await query.answer("Đã hủy.")
        await query.edit_message_text(f"{preview}\n\n❌ Đã hủy. Cơ sở tri thức không thay đổi.",
                                      parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
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
                parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup)
            return
    if not await svc.run(svc.activity.claim_upload, upload_id, to=UPLOAD_PROCESSING):
        await query.answer("Tài liệu này đang hoặc đã được xử lý.", show_alert=True)
        return
    await query.answer("Đang đăng…")
    await query.edit_message_text(f"{preview}\n\n⏳ Đang đăng; tôi vẫn trả lời câu hỏi trong lúc "
                                  "này.", parse_mode=ParseMode.HTML,
                                  link_preview_options=NO_PREVIEW)
    try:
        async with svc.kb_lock:
            report = await svc.run(uploads.publish, svc.store, svc.engine, upload.data,
                                   upload.filename, upload.caption)
    except KnowledgeError as exc:
        await svc.run(svc.activity.finish_upload, upload_id, UPLOAD_FAILED, str(exc))
        await svc.run(svc.activity.log_admin, user_id, "dang", upload.filename, ok=False,
                      detail=str(exc))
        await query.edit_message_text(f"{preview}\n\n❌ {esc(str(exc))}\nCơ sở tri thức không "
                                      "thay đổi.", parse_mode=ParseMode.HTML)
        return
    except Exception:
        # Put it back so the admin can try again; the error handler apologises and logs.
        await svc.run(svc.activity.claim_upload, upload_id, to=UPLOAD_PENDING,
                      from_state=UPLOAD_PROCESSING)
        await svc.run(svc.activity.log_admin, user_id, "dang", upload.filename, ok=False,
                      detail="lỗi hệ thống")
        raise
    summary = "; ".join(report.lines())
    await svc.run(svc.activity.finish_upload, upload_id, UPLOAD_PUBLISHED, summary)
    await svc.run(svc.activity.log_admin, user_id, "thay" if decision == "rep" else "dang",
                  upload.number, ok=True, detail=summary)
    await query.edit_message_text(
        f"{preview}\n\n✅ Đã đăng. {_report_text(report)}\nCơ sở tri thức: phiên bản "
        f"{report.version}. Câu hỏi mới sẽ được trả lời theo phiên bản này.",
        parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


# -- folder sync, removal, statistics -------------------------------------------------------


async def on_capnhat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if not _admin(update, svc):
        await _refuse(update, context, "capnhat")
        return
    folder = svc.settings.sources_dir
    await reply(update, esc(f"⏳ Đang đồng bộ thư mục “{folder}”; tôi vẫn trả lời câu hỏi trong "
                            "lúc này."))
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    async with svc.kb_lock:
        report = await svc.run(uploads.resync, svc.store, svc.engine, folder)
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


async def on_xoa(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message = update.effective_message
    if message is None:
        return
    number = " ".join(command_argument(message.text or "").split())
    if not _admin(update, svc):
        await _refuse(update, context, "xoa", number)
        return
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


async def on_remove_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, raw_id, decision = query.data.split(":")
    svc = services(context)
    if not _admin(update, svc):
        await _refuse(update, context, "xoa", raw_id)
        return
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
    async with svc.kb_lock:
        report = await svc.run(uploads.retire, svc.store, svc.engine, doc.meta.number)
    await svc.run(svc.activity.log_admin, query.from_user.id, "xoa", doc.meta.number,
                  ok=not report.errors, detail="; ".join(report.lines()))
    if report.errors:
        await query.edit_message_text("❌ " + _report_text(report), parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(
        f"✅ Đã gỡ {esc(doc.meta.number)}. Cơ sở tri thức: phiên bản {report.version}.",
        parse_mode=ParseMode.HTML)


async def on_thongke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if not _admin(update, svc):
        await _refuse(update, context, "thongke", text=REFUSED_STATS)
        return
    stats = await svc.run(svc.activity.stats, 7)
    await reply(update, render_stats(stats))


def handlers() -> list:
    return [
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document),
        CallbackQueryHandler(on_upload_decision, pattern=r"^u:[A-Za-z0-9]+:(ok|rep|no)$"),
        CommandHandler("capnhat", on_capnhat),
        CommandHandler("xoa", on_xoa),
        CallbackQueryHandler(on_remove_decision, pattern=r"^x:\d+:(ok|no)$"),
        CommandHandler("thongke", on_thongke),
    ]
