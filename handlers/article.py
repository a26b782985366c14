"""Articles as written: /dieu 84 [số hiệu], "📖 Xem toàn văn", and reference buttons."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from handlers.commands import Command
from handlers.common import (
    button,
    command_argument,
    reference_buttons,
    reply,
    rows_of,
    saved_answer_of,
    send_html,
)
from handlers.context import BotContext
from handlers.render import esc, render_article
from knowledge.citation import unit_name
from knowledge.store import UnitView
from retrieval import answers as asking
from retrieval.engine import SearchEngine
from retrieval.loaded import loaded
from retrieval.question import clean_question
from retrieval.references import find_reference

COMMANDS = (
    Command(
        "dieu", "Xem nguyên văn một điều, ví dụ: /dieu 84 06/2022/QH15", usage="dieu 84 [số hiệu]"
    ),
)

USAGE = (
    "Cách dùng: /dieu &lt;số điều&gt; [số hiệu văn bản], ví dụ: /dieu 84 hoặc "
    "/dieu 7 152/2025/NĐ-CP"
)
GONE = (
    "Không tìm thấy điều này trong cơ sở tri thức hiện tại (văn bản có thể đã được thay "
    "thế hoặc gỡ)."
)


def parse_article_args(engine: SearchEngine, text: str) -> tuple[str, str | None] | None:
    """ "84" / "84 06/2022/QH15" / "24 luật tđkt" / "50 nd 152" / "khoản 2 điều 84 luật
    06/2022" → (label, document number or a loose one).

    Read like a question (``clean_question``): a number pasted with a zero-width space or a
    direction mark in it is still the number."""
    text, _ = clean_question(text)
    if not text:
        return None
    head, _, rest = text.partition(" ")
    cited = text if not head[:1].isdigit() else f"điều {text}"
    if (request := asking.article_request(engine, cited)) is not None:
        return request.label, request.number
    if re.fullmatch(r"\d{1,3}[a-z]?|\d+(?:\.\d+)+", head, re.IGNORECASE):
        return head, rest.strip() or None
    ref = find_reference(text)
    if ref is not None:
        return ref.article, ref.document
    return head, rest.strip() or None


async def send_article(update: Update, context: BotContext, views: list[UnitView]) -> None:
    """The first document's article in full (split on clause boundaries) — every part of it
    that has this label, the attached regulation first ("Điều 2 Quy định ban hành kèm theo
    Quyết định …" then "Điều 2 Quyết định …") — with buttons for its references and for the
    same article in other documents."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services
    first = [v for v in views if v.document_id == views[0].document_id]
    others = [v for v in views if v.document_id != views[0].document_id]
    for n, view in enumerate(first):
        refs = await svc.run(asking.article_references, svc.engine, view)
        replaced_by = loaded(svc.engine.index).display_name(view.document.replaced_by)
        texts = render_article(view, replaced_by_name=replaced_by)
        rows = reference_buttons(refs)
        if n == len(first) - 1:
            rows += rows_of(
                [
                    button(
                        f"📄 {unit_name(other.kind, other.label)} · {other.document.number}"[:60],
                        "a",
                        other.label,
                        other.document.number,
                    )
                    for other in others[:3]
                ]
            )
        await send_html(
            context.bot, chat.id, texts, reply_markup=InlineKeyboardMarkup(rows) if rows else None
        )


async def show_article(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    svc = context.services
    parsed = await svc.run(parse_article_args, svc.engine, command_argument(message.text))
    if parsed is None:
        await reply(update, USAGE)
        return
    label, number = parsed
    views = await svc.run(asking.article_views, svc.store, label, number)
    if not views:
        where = f" trong văn bản {number}" if number else ""
        await reply(
            update,
            esc(f"Không tìm thấy Điều {label}{where} trong cơ sở tri thức. ")
            + "Gõ /tailieu để xem các văn bản đang có.",
        )
        return
    await send_article(update, context, views)


async def show_full_article(update: Update, context: BotContext) -> None:
    """ "📖 Xem toàn văn Điều N" under an answer."""
    found = await saved_answer_of(update, context)
    if found is None:
        return
    query, saved, index = found
    item = saved.items[index]
    svc = context.services

    def lookup() -> list[UnitView]:
        view = svc.store.unit(item.unit_id)
        if (
            view is not None
            and view.document.number == item.document_number
            and view.label == item.unit_label
        ):
            return [view]
        return asking.article_views(svc.store, item.unit_label, item.document_number)

    views = await svc.run(lookup)
    if not views:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer()
    await send_article(update, context, views)


async def show_referenced_article(update: Update, context: BotContext) -> None:
    """A reference button ("🔗 khoản 2 Điều 83") or another document's same article."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, label, number = query.data.split(":", 2)
    svc = context.services
    views = await svc.run(asking.article_views, svc.store, label, number or None)
    if not views:
        await query.answer(GONE, show_alert=True)
        return
    await query.answer()
    await send_article(update, context, views[:1])


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("dieu", show_article),
        CallbackQueryHandler(show_full_article, pattern=r"^f:[A-Za-z0-9]+:\d+$"),
        CallbackQueryHandler(show_referenced_article, pattern=r"^a:[^:]+:"),
    ]
