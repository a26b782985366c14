"""Pieces several flows share: callback data, answer keyboards, sending long texts, and the
one guard for admin-only actions.

Callback data is limited to 64 bytes, so buttons carry only short ids; the state behind them
(saved answers, pending uploads) lives in the database:

=====================  =========================================================
``ex:<n>``             ask example question n (/start)
``p:<answer>:<i>``     show result i of a saved answer (edits the message)
``f:<answer>:<i>``     full text of the article of result i
``a:<label>:<number>`` an article by label and document number (references)
``v:<answer>:<i>:<1|0>``  👍 / 👎 on result i
``s:<answer>:<i>``     share result i (deep link + inline mode)
``k:<card>:<f>:<answer|->``  award card ``card`` (10 hex): facet f (tc, tq, hs, th, tt, tr)
                       or ``all`` (the whole card); ``answer``: the answer to go back to
``kc:<card>``          open award card ``card`` (a closest-name button of /khenthuong)
``u:<upload>:<ok|rep|no>``  admin: publish / replace / cancel an upload
``x:<document>:<ok|no>``    admin: retire a document
``r:<answer>:<i>:<reason>``  the reason for a 👎
``fu:<token>``              ask the other reading of an unclear follow-up
=====================  =========================================================
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.helpers import create_deep_linked_url

from handlers.context import BotContext
from handlers.render import esc
from knowledge.activity import SavedAnswer
from knowledge.citation import unit_name

logger = logging.getLogger(__name__)

EXAMPLES = (
    "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?",
    "Ai có thẩm quyền quyết định tặng giấy khen?",
    "Hồ sơ đề nghị xét tặng danh hiệu thi đua gồm những gì?",
)
"""Shown as buttons under the welcome and small-talk replies (``ex:<n>`` asks one)."""
MAX_CALLBACK_BYTES = 64
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
"""The application's default (``Defaults``): answers quote laws, not web pages."""
ANSWER_GONE = "Không tìm thấy câu trả lời này nữa. Bạn hãy đặt lại câu hỏi nhé."


async def saved_answer_of(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, SavedAnswer, int] | None:
    """The saved answer and result index behind a ``<kind>:<answer>:<i>`` button.

    Answers the callback with an alert and returns None when the answer is gone or the data
    is malformed (an old message, forged callback data), so handlers only see valid state.
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    saved = None
    if len(parts) >= 3 and parts[2].isdigit():
        svc = context.services
        saved = await svc.run(svc.activity.answer, parts[1])
    if saved is None or not saved.items:
        await query.answer(ANSWER_GONE, show_alert=True)
        return None
    return query, saved, min(int(parts[2]), len(saved.items) - 1)


_ANSWER_BUTTON = re.compile(r"^[pfvs]:([A-Za-z0-9]+):\d+")


def answer_id_of(message: Message) -> str | None:
    """The saved answer a bot message shows, read from its buttons (None: not an answer)."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for b in row:
            if isinstance(b.callback_data, str) and (m := _ANSWER_BUTTON.match(b.callback_data)):
                return m.group(1)
    return None


def callback(*parts: object) -> str | None:
    """``a:b:c`` callback data, or None if it would exceed Telegram's 64 bytes."""
    data = ":".join(str(p) for p in parts)
    return data if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES else None


def command_argument(text: str) -> str:
    """Everything after "/hoi" or "/hoi@bot" (newlines kept)."""
    return re.sub(r"^/\S+\s*", "", text or "", count=1)


def button(text: str, *parts: object) -> InlineKeyboardButton | None:
    data = callback(*parts)
    return InlineKeyboardButton(text, callback_data=data) if data else None


def rows_of(
    buttons: Sequence[InlineKeyboardButton | None],
    width: int = 2,
) -> list[list[InlineKeyboardButton]]:
    real = [b for b in buttons if b is not None]
    return [real[i : i + width] for i in range(0, len(real), width)]


def _clip(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reference_buttons(refs: Sequence[Sequence[str]]) -> list[list[InlineKeyboardButton]]:
    """Buttons that open referenced articles (``[label, number, text]`` triples)."""
    return rows_of(
        [button(f"🔗 {_clip(text)}", "a", label, number) for label, number, text in refs]
    )


def answer_keyboard(answer: SavedAnswer, index: int) -> InlineKeyboardMarkup | None:
    item = answer.items[index]
    if not answer.id:  # not stored (database busy): only buttons that need no saved answer
        refs = reference_buttons(item.references)
        return InlineKeyboardMarkup(refs) if refs else None
    rows: list[list[InlineKeyboardButton]] = []
    full = button(
        f"📖 Xem toàn văn {unit_name(item.unit_kind, item.unit_label)}", "f", answer.id, index
    )
    if full:
        rows.append([full])
    rows.extend(reference_buttons(item.references))
    paging = []
    if index > 0:
        paging.append(button("⬅️ Kết quả trước", "p", answer.id, index - 1))
    if index + 1 < len(answer.items):
        paging.append(button("➡️ Kết quả khác", "p", answer.id, index + 1))
    rows.extend(rows_of(paging))
    rows.extend(
        rows_of(
            [
                button("👍", "v", answer.id, index, 1),
                button("👎", "v", answer.id, index, 0),
                button("📤 Chia sẻ", "s", answer.id, index),
            ],
            width=3,
        )
    )
    return InlineKeyboardMarkup(rows)


def examples_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(f"❓ {q}", "ex", n)] for n, q in enumerate(EXAMPLES)])


def share_link(bot_username: str, answer_id: str, index: int = 0) -> str:
    payload = f"a_{answer_id}" if index == 0 else f"a_{answer_id}_{index}"
    return create_deep_linked_url(bot_username, payload)


async def typing(bot: Bot, chat_id: int) -> None:
    """Show "typing…" while working; never fail the request because of it."""
    with contextlib.suppress(TelegramError):
        await bot.send_chat_action(chat_id, ChatAction.TYPING)


@contextlib.contextmanager
def already_shown() -> Iterator[None]:
    """Around an edit that may change nothing (a double click, the same facet or answer
    again): Telegram's "message is not modified" means the message already shows it."""
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def send_html(
    bot: Bot,
    chat_id: int,
    texts: Sequence[str],
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> list[Message]:
    """Send one or more HTML messages (the application's default parse mode); the keyboard
    goes on the last one."""
    sent = []
    for n, text in enumerate(texts):
        last = n == len(texts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                text,
                reply_markup=reply_markup if last else None,
                reply_parameters=ReplyParameters(
                    reply_to.message_id, allow_sending_without_reply=True
                )
                if reply_to is not None and n == 0
                else None,
            )
        )
    return sent


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


async def reply(
    update: Update,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """An HTML reply in the update's chat (quoting the user's message in groups)."""
    chat = update.effective_chat
    if chat is None:
        return None
    bot = update.get_bot()
    quote = update.effective_message if is_group(update) else None
    [message] = await send_html(bot, chat.id, [text], reply_markup=reply_markup, reply_to=quote)
    return message


# -- admins --------------------------------------------------------------------------------------

REFUSED = (
    "Xin lỗi, chỉ quản trị viên mới được thay đổi cơ sở tri thức. Bạn vẫn có thể đặt "
    "câu hỏi như bình thường."
)
REFUSED_SHORT = "Xin lỗi, chỉ quản trị viên mới được làm việc này."
PRIVATE_ONLY = (
    "Lệnh quản trị chỉ dùng trong tin nhắn riêng với tôi, để thống kê và thông tin "
    "quản trị không hiện cho cả nhóm. Bạn hãy mở cuộc trò chuyện riêng với bot."
)

Handler = Callable[[Update, BotContext], Awaitable[None]]


def _target(update: Update) -> str:
    """What a refused action was aimed at, for the audit log: a file name, button data, or
    a command's argument."""
    if update.callback_query is not None:
        return update.callback_query.data or ""
    message = update.effective_message
    if message is None:
        return ""
    if message.document is not None:
        return message.document.file_name or "tai-lieu"
    return " ".join(command_argument(message.text or "").split())


def admin_only(action: str, *, refused: str = REFUSED) -> Callable[[Handler], Handler]:
    """Run the handler for admins (``TDKT_ADMIN_IDS``) only, in a private chat; refuse everyone
    else politely and log the attempt. Checked on every update, buttons included: callback
    data can be forged by a modified client. A command sent in a group is not run, even by
    an admin: its answer (statistics, document lists, sync reports) would go to every member.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            svc = context.services
            chat = update.effective_chat
            if update.callback_query is None and chat is not None and chat.type != "private":
                await reply(update, esc(PRIVATE_ONLY))
                return
            user = update.effective_user
            if svc.is_admin(user.id if user else None):
                await handler(update, context)
                return
            await svc.run(
                svc.activity.log_admin,
                user.id if user else None,
                action,
                _target(update),
                ok=False,
                detail="không có quyền",
            )
            query = update.callback_query
            if query is not None:
                await query.answer(REFUSED_SHORT, show_alert=True)
            else:
                await reply(update, esc(refused))

        return guarded

    return decorate
