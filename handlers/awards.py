"""Award cards in Telegram: ``/khenthuong <tên>`` opens a card; the facet buttons (📋 Tiêu
chuẩn · 🖊 Thẩm quyền · 📂 Hồ sơ · ⏱ Thời hạn · 💰 Tiền thưởng · 🎖 Trao tặng) show one facet
by editing the message, as the paging buttons do. Works in private chats and groups alike.

What a card holds comes from :mod:`retrieval.awards`; this module only turns it into messages
and buttons (rendering in :mod:`handlers.render`).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from handlers.commands import Command
from handlers.common import already_shown, button, command_argument, reply, rows_of
from handlers.context import BotContext
from handlers.render import (
    esc,
    render_answer,
    render_card_choices,
    render_facet_view,
)
from knowledge.activity import SavedAnswer
from retrieval import card_answers

COMMANDS = (
    Command(
        "khenthuong",
        "Thẻ khen thưởng: tiêu chuẩn, thẩm quyền, hồ sơ, thời hạn, tiền thưởng",
        usage="khenthuong tên danh hiệu",
    ),
)

FACET_BUTTONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tc", "📋 Tiêu chuẩn", ("tieu_chuan",)),
    ("tq", "🖊 Thẩm quyền", ("tham_quyen_quyet_dinh", "tham_quyen_de_nghi")),
    ("hs", "📂 Hồ sơ", ("ho_so",)),
    ("th", "⏱ Thời hạn", ("thoi_han",)),
    ("tt", "💰 Tiền thưởng", ("tien_thuong",)),
    ("tr", "🎖 Trao tặng", ("trao_tang",)),
)
"""Button code (callback data), label, the card facets it shows."""
WHOLE_CARD = "all"
NO_ANSWER = "-"
USAGE = (
    "Gõ tên danh hiệu hoặc hình thức khen thưởng sau lệnh, ví dụ: /khenthuong Huân chương "
    "Lao động hạng Ba (hoặc viết tắt: /khenthuong bk ttg, /khenthuong cstđcs)."
)
CARD_GONE = "Danh hiệu này không còn trong cơ sở tri thức. Bạn hãy tra cứu lại nhé."


def facet_buttons(
    card_id: str, filled: Sequence[str], answer_id: str = "", current: str | None = None
) -> list[list[InlineKeyboardButton]]:
    """The card's facet buttons (``k:<card>:<code>:<answer>``), those with provisions only;
    the one shown is marked."""
    shown = []
    for code, label, facets in FACET_BUTTONS:
        if not set(facets) & set(filled):
            continue
        text = f"• {label}" if code == current else label
        shown.append(button(text, "k", card_id, code, answer_id or NO_ANSWER))
    return rows_of(shown, width=3)


def with_card_buttons(
    answer: SavedAnswer | None, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """An answer's keyboard with the facet buttons of the award card it was read as (a card's
    overview: the card's own keyboard)."""
    if answer is None or not answer.award:
        return markup
    if answer.facet == card_answers.OVERVIEW:
        return card_keyboard(answer)
    rows = facet_buttons(answer.award, answer.award_facets or [], answer.id)
    if not rows:
        return markup
    existing = [list(row) for row in markup.inline_keyboard] if markup else []
    return InlineKeyboardMarkup(rows + existing)


def _choices_keyboard(choices: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    rows = rows_of([button(f"🎖 {name[:60]}", "kc", card_id) for card_id, name in choices], width=1)
    return InlineKeyboardMarkup(rows) if rows else None


async def open_card(update: Update, context: BotContext, name: str) -> None:
    """Send the card ``name`` names, or the closest names as buttons."""
    svc = context.services
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    result = await svc.run(
        card_answers.open_card,
        svc.engine,
        svc.activity,
        name,
        user_id=user.id if user else None,
        chat_type=chat.type,
        chat_id=chat.id,
        base_salary=svc.base_salary,
    )
    if result.answer is None:
        await reply(
            update,
            render_card_choices(name, [n for _, n in result.choices], result.ranks),
            reply_markup=_choices_keyboard(result.choices),
        )
        return
    await reply(update, render_answer(result.answer, 0), reply_markup=card_keyboard(result.answer))


def card_keyboard(answer: SavedAnswer) -> InlineKeyboardMarkup | None:
    rows = facet_buttons(answer.award or "", answer.award_facets or [], answer.id)
    if answer.id:
        rows += rows_of([button("📤 Chia sẻ", "s", answer.id, 0)])
    return InlineKeyboardMarkup(rows) if rows else None


async def khenthuong_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    name = " ".join(command_argument(message.text or "").split())[:200]
    if not name:
        await reply(update, esc(USAGE))
        return
    await open_card(update, context, name)


async def show_facet(update: Update, context: BotContext) -> None:
    """A facet button: edit the message to that facet of the card (or the whole card)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    codes = {code: facets for code, _label, facets in FACET_BUTTONS}
    if len(parts) != 4 or (parts[2] not in codes and parts[2] != WHOLE_CARD):
        await query.answer(CARD_GONE, show_alert=True)
        return
    _, card_id, code, answer_id = parts
    answer_id = "" if answer_id == NO_ANSWER else answer_id
    svc = context.services
    if code == WHOLE_CARD:
        view = await svc.run(card_answers.overview_of, svc.engine, card_id, svc.base_salary)
        if view is None:
            await query.answer(CARD_GONE, show_alert=True)
            return
        text = render_answer(view, 0)
        filled = view.award_facets or []
    else:
        facet_view = await svc.run(
            card_answers.facet_view, svc.engine, card_id, codes[code], base_salary=svc.base_salary
        )
        if facet_view is None:
            await query.answer(CARD_GONE, show_alert=True)
            return
        text = render_facet_view(facet_view)
        filled = facet_view.card.filled
    await query.answer()
    rows = facet_buttons(card_id, filled, answer_id, current=code)
    extra = (
        [button("🗂 Cả thẻ", "k", card_id, WHOLE_CARD, answer_id or NO_ANSWER)]
        if code != WHOLE_CARD
        else []
    )
    if answer_id:
        extra.append(button("↩️ Về câu trả lời", "p", answer_id, 0))
    rows += rows_of(extra)
    with already_shown():  # the same facet again
        await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows))


async def choose_card(update: Update, context: BotContext) -> None:
    """A closest-name button (``kc:<card>``): open that card."""
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = context.services
    name = await svc.run(card_answers.card_name, svc.engine, query.data.split(":")[-1])
    if name is None:
        await query.answer(CARD_GONE, show_alert=True)
        return
    await query.answer()
    await open_card(update, context, name)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("khenthuong", khenthuong_command),
        CallbackQueryHandler(show_facet, pattern=r"^k:[0-9a-f]+:[a-z]+:[A-Za-z0-9-]+$"),
        CallbackQueryHandler(choose_card, pattern=r"^kc:[0-9a-f]+$"),
    ]
