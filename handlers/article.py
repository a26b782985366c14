"""Articles as written: /dieu 84 [số hiệu], "📖 Xem toàn văn", and reference buttons."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import answers as logic
from bot.render import esc, render_article, replaced_by_name, unit_name
from bot.services import Services, services
from handlers.common import (
    button,
    reference_buttons,
    reply,
    rows_of,
    saved_answer_of,
    send_html,
)
from knowledge.store import UnitView
from retrieval.references import find_reference

USAGE = ("Cách dùng: /dieu &lt;số điều&gt; [số hiệu văn bản], ví dụ: /dieu 84 hoặc "
         "/dieu 7 152/2025/NĐ-CP")
GONE = ("Không tìm thấy điều này trong cơ sở tri thức hiện tại (văn bản có thể đã được thay "
        "thế hoặc gỡ).")


def parse_article_args(text: str) -> tuple[str, str | None] | None:
    """"84" / "84 06/2022/QH15" / "khoản 2 điều 84 luật 06/2022" → (label, number)."""
    text = " ".join(text.split())
    if not text:
        return None
    head, _, rest = text.partition(" ")
    if re.fullmatch(r"\d{1,3}[a-z]?|\d+(?:\.\d+)+", head, re.IGNORECASE):
        return head, rest.strip() or None
    ref = find_reference(text)
    if ref is not None:
        return ref.article, ref.document
    return head, rest.strip() or None


async def send_article(update: Update, context: ContextTypes.DEFAULT_TYPE,
                       views: list[UnitView]) -> None:
    """The first view in full (split on clause boundaries), buttons for its references and
    for the same article in other documents."""
    chat = update.effective_chat
    if chat is None:
        return
    svc: Services = services(context)
    view = views[0]
    docs = await svc.run(svc.catalog.documents)
    refs = await svc.run(logic.article_references, svc.store, svc.catalog, view)
    texts = render_article(view, replaced_by_name=replaced_by_name(view.document.replaced_by,
                                                                     docs))
    rows = reference_buttons(refs)
    rows += rows_of([
        button(f"📄 {unit_name(other.kind, other.label)} · {other.document.number}"[:60], "a",
               other.label, other.document.number)
        for other in views[1:4]
    ])
    await send_html(context.bot, chat.id, texts,
                    reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def on_dieu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    parsed = parse_article_args(re.sub(r"^/\S+", "", message.text, count=1))
    if parsed is None:
        await reply(update, USAGE)
        return
    label, number = parsed
    svc = services(context)
    views = await svc.run(logic.article_views, svc.store, label, number)
    if not views:
        where = f" trong văn bản {number}" if number else ""
        await reply(update, esc(f"Không tìm thấy Điều {label}{where} trong cơ sở tri thức. ")
                    + "Gõ /tailieu để xem các văn bản đang có.")
        return
    await send_article(update, context, views)


async def on_full(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"📖 Xem toàn văn Điều N" under an answer."""
    found = await saved_answer_of(update, context)
    if found is None:
        return
    query, saved, index = found
    item = saved.items[index]
    svc = services(context)

    def lookup() -> list[UnitView]:
        view = svc.store.unit(item.unit_id)
        if view is not None and view.document.number == item.document_number \
                and view.label == item.unit_label:
            return [view]
        return logic.article_views(svc.store, item.unit_label, item.document_number)

    views = await svc.run(lookup)
    if not views:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer()
    await send_article(update, context, views)


async def on_reference(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reference button ("🔗 khoản 2 Điều 83") or another document's same article."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, label, number = query.data.split(":", 2)
    svc = services(context)
    views = await svc.run(logic.article_views, svc.store, label, number or None)
    if not views:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer()
    await send_article(update, context, views[:1])


def handlers() -> list:
    return [
        CommandHandler("dieu", on_dieu),
        CallbackQueryHandler(on_full, pattern=r"^f:[A-Za-z0-9]+:\d+$"),
        CallbackQueryHandler(on_reference, pattern=r"^a:[^:]+:"),
    ]
