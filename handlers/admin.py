"""Admins keep the knowledge base: uploads with preview, /capnhat, /xoa, /thongke.

Only ids in TDKT_ADMIN_IDS may change anything (``admin_only``, checked on every update:
callback data can be forged by a modified client). The upload workflow itself is
Telegram-free (``knowledge.uploads``); parsing runs in the upload worker process
(``knowledge.worker``) and publishing in a thread, so officers keep getting answers
meanwhile, and the live index switches to the new version only after the update has
committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.commands import PRIVATE, Command
from handlers.common import admin_only, button, reply, rows_of, typing
from handlers.context import BotContext, Services
from handlers.groups import command_argument
from handlers.render import esc, preview_decided, render_preview, render_stats
from knowledge import uploads
from knowledge.activity import CLAIM_RENEW_SECONDS, UPLOAD_PENDING, UPLOAD_PROCESSING
from knowledge.errors import KnowledgeError
from knowledge.sync import SyncReport, remove_document, sync_folder
from retrieval.text import tokenize

logger = logging.getLogger(__name__)

COMMANDS = (
    Command("capnhat", "Đồng bộ lại thư mục văn bản nguồn", chats=frozenset({PRIVATE}), admin=True),
    Command("xoa", "Gỡ một văn bản", usage="xoa số hiệu", chats=frozenset({PRIVATE}), admin=True),
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
        await svc.run(svc.activity.log_admin, user_id, "tai-len", filename, ok=False, detail=reason)
        await reply(update, esc(reason))
        return
    await typing(context.bot, message.chat_id)
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        logger.warning("download of %s failed: %s", filename, exc)
        await reply(
            update,
            esc(f"Không tải được tệp “{filename}” từ Telegram. Bạn vui lòng gửi lại sau ít phút."),
        )
        return
    caption = message.caption or ""
    try:
        parsed = await svc.parse(filename, uploads.parse_upload, data, filename, caption)
    except KnowledgeError as exc:
        await svc.run(uploads.refuse, svc.activity, user_id, filename, exc)
        await reply(update, "❌ " + esc(str(exc)) + "\nCơ sở tri thức không thay đổi.")
        return
    received = await svc.run(
        uploads.keep, svc.store, svc.activity, user_id, filename, data, caption, parsed
    )
    markup = InlineKeyboardMarkup(
        rows_of(
            [
                button("✅ Đăng", "u", received.upload_id, "ok"),
                button("❌ Hủy", "u", received.upload_id, "no"),
            ]
        )
    )
    try:
        await reply(update, render_preview(received, filename), reply_markup=markup)
    except TelegramError:
        # The admin never got the buttons: nothing may wait for a decision that cannot come.
        await svc.run(svc.activity.discard_upload, received.upload_id)
        raise


UPLOAD_EXPIRED = (
    "Tài liệu này đã chờ duyệt quá một ngày nên đã bị xóa khỏi hàng chờ. Bạn hãy gửi lại tệp."
)
UPLOAD_BUSY = "Tài liệu này đang được đăng; bạn chờ một lát nhé."
UPLOAD_DONE = "Tài liệu này đã được xử lý trước đó."


async def _ask_to_replace(query: CallbackQuery, preview: str, upload_id: str, number: str) -> None:
    await query.edit_message_text(
        f"{preview}\n\n⚠️ <b>Văn bản số {esc(number)} đã có trong cơ sở tri thức.</b> Bấm “Thay "
        "thế văn bản cũ” để đăng bản mới thay cho bản cũ.",
        reply_markup=InlineKeyboardMarkup(
            rows_of(
                [
                    button("♻️ Thay thế văn bản cũ", "u", upload_id, "rep"),
                    button("❌ Hủy", "u", upload_id, "no"),
                ]
            )
        ),
    )


@admin_only("dang")
async def decide_upload(update: Update, context: BotContext) -> None:
    """✅ Đăng / ♻️ Thay thế văn bản cũ / ❌ Hủy under a preview."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, upload_id, decision = query.data.split(":")
    svc = context.services
    user_id = query.from_user.id
    upload = await svc.run(svc.activity.upload, upload_id, with_data=False)
    if upload is None:
        await query.answer("Không tìm thấy tài liệu chờ duyệt này.", show_alert=True)
        return
    if upload.expired:
        await svc.run(svc.activity.expire_uploads)
        await query.answer(UPLOAD_EXPIRED, show_alert=True)
        return
    if upload.state == UPLOAD_PROCESSING and not upload.abandoned:
        await query.answer(UPLOAD_BUSY, show_alert=True)
        return
    if upload.state not in (UPLOAD_PENDING, UPLOAD_PROCESSING):
        await query.answer(UPLOAD_DONE, show_alert=True)
        return
    preview = preview_decided(
        query.message.text_html if isinstance(query.message, Message) and query.message.text else ""
    )
    if decision == "no":
        if upload.abandoned:  # left "processing" by a publisher that is gone
            await svc.run(svc.activity.release_upload, upload_id)
        await svc.run(uploads.cancel, svc.activity, upload, user_id)
        await query.answer("Đã hủy.")
        await query.edit_message_text(f"{preview}\n\n❌ Đã hủy. Cơ sở tri thức không thay đổi.")
        return
    if decision == "ok":
        existing = await svc.run(svc.store.find_active, upload.number)
        if existing is not None:
            await query.answer("Cần xác nhận thay thế văn bản cũ.")
            await _ask_to_replace(query, preview, upload_id, existing.meta.number)
            return
    if not await svc.run(svc.activity.claim_upload, upload_id, to=UPLOAD_PROCESSING):
        await query.answer("Tài liệu này đang hoặc đã được xử lý.", show_alert=True)
        return
    try:
        published = await _publish(
            query, svc, upload_id, preview, user_id, replacing=decision == "rep"
        )
    finally:
        # Whatever stopped publishing before an outcome was recorded (a failed message, the
        # bot stopping), the upload goes back to pending: pressing ✅ again works.
        with contextlib.suppress(Exception):
            await svc.run(svc.activity.release_upload, upload_id)
    if published.needs_confirmation:
        await _ask_to_replace(query, preview, upload_id, published.needs_confirmation)
        return
    if published.report is None:
        await query.edit_message_text(
            f"{preview}\n\n❌ {esc(published.error or '')}\nCơ sở tri thức không thay đổi."
        )
        return
    report = published.report
    await query.edit_message_text(
        f"{preview}\n\n✅ Đã đăng. {_report_text(report)}\nCơ sở tri thức: phiên bản "
        f"{report.version}. Câu hỏi mới sẽ được trả lời theo phiên bản này."
    )


async def _publish(
    query: CallbackQuery,
    svc: Services,
    upload_id: str,
    preview: str,
    user_id: int,
    *,
    replacing: bool,
) -> uploads.Published:
    """Publish a claimed upload: parse and tokenize in the upload worker, then one
    transaction under the knowledge-base lock; the claim is renewed meanwhile."""
    # The "⏳" note is a courtesy: publishing goes on if Telegram refuses it.
    with contextlib.suppress(TelegramError):
        await query.answer("Đang đăng…")
    try:
        await query.edit_message_text(
            f"{preview}\n\n⏳ Đang đăng; tôi vẫn trả lời câu hỏi trong lúc này."
        )
    except TelegramError as exc:
        logger.warning(
            "upload %s: the ⏳ note was not shown (%s); publishing anyway", upload_id, exc
        )
    async with _claim_kept(svc, upload_id):
        upload = await svc.run(svc.activity.upload, upload_id)
        assert upload is not None  # claimed by us: nobody deletes a claimed upload
        try:
            prepared = await svc.parse(
                upload.filename,
                uploads.prepare_upload,
                upload.data,
                upload.filename,
                upload.caption,
                tokenize,
            )
        except KnowledgeError as exc:
            return await svc.run(uploads.fail, svc.activity, upload, user_id, exc)
        async with svc.kb_lock:
            return await svc.run(
                uploads.publish_claimed,
                svc.store,
                svc.activity,
                upload,
                user_id,
                prepared,
                replacing=replacing,
                on_change=svc.engine.refresh,
            )


@contextlib.asynccontextmanager
async def _claim_kept(svc: Services, upload_id: str) -> AsyncIterator[None]:
    """Renew the upload's "processing" claim while publishing runs: a claim that is no longer
    renewed (the process died) can be taken over (``ActivityStore.claim_upload``)."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(CLAIM_RENEW_SECONDS)
            with contextlib.suppress(Exception):  # a missed renewal is caught up next time
                await svc.run(svc.activity.renew_claim, upload_id)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()


# -- folder sync, removal, statistics -------------------------------------------------------


@admin_only("capnhat")
async def resync_sources(update: Update, context: BotContext) -> None:
    svc = context.services
    folder = svc.sources_dir
    await reply(
        update, esc(f"⏳ Đang đồng bộ thư mục “{folder}”; tôi vẫn trả lời câu hỏi trong lúc này.")
    )
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
    await svc.run(
        svc.activity.log_admin,
        user.id if user else None,
        "capnhat",
        str(folder),
        ok=not report.errors,
        detail="; ".join(report.lines())[:4000],
    )
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
        await reply(
            update,
            esc(
                f"Không có văn bản số hiệu “{number}” trong cơ sở tri thức. Gõ "
                "/tailieu để xem danh sách."
            ),
        )
        return
    markup = InlineKeyboardMarkup(
        rows_of(
            [
                button("🗑 Gỡ văn bản", "x", doc.id, "ok"),
                button("❌ Hủy", "x", doc.id, "no"),
            ]
        )
    )
    await reply(
        update,
        f"Gỡ văn bản <b>{esc(doc.meta.number)}</b> — {esc(doc.meta.title)} khỏi "
        f"cơ sở tri thức? ({doc.units} điều/mục, {doc.passages} đoạn)",
        reply_markup=markup,
    )


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
    await svc.run(
        svc.activity.log_admin,
        query.from_user.id,
        "xoa",
        doc.meta.number,
        ok=not report.errors,
        detail="; ".join(report.lines()),
    )
    if report.errors:
        await query.edit_message_text("❌ " + _report_text(report))
        return
    await query.edit_message_text(
        f"✅ Đã gỡ {esc(doc.meta.number)}. Cơ sở tri thức: phiên bản {report.version}."
    )


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
