"""Wiring: the Telegram ``Application`` with its handlers and the shared services.

Only wiring lives here; each flow's logic is in its own ``handlers`` module (as in
python-telegram-bot's examples), and handlers reach the knowledge base and the index only
through the objects put in ``application.bot_data["services"]``.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot import reliability
from bot.answers import Catalog
from bot.config import Settings
from bot.services import SERVICES_KEY, Services
from handlers import (
    admin,
    article,
    ask,
    documents,
    errors,
    feedback,
    groups,
    inline,
    sessions,
    start,
)
from knowledge.activity import ActivityStore
from knowledge.store import KnowledgeStore
from retrieval.engine import SearchEngine

logger = logging.getLogger(__name__)

PRIVATE_COMMANDS = [
    BotCommand("start", "Bắt đầu, câu hỏi mẫu"),
    BotCommand("help", "Hướng dẫn sử dụng"),
    BotCommand("dieu", "Xem nguyên văn một điều: /dieu 84 [số hiệu]"),
    BotCommand("tailieu", "Các văn bản trong cơ sở tri thức"),
    BotCommand("phien_bat_dau", "Bắt đầu ghi phiên tập huấn"),
    BotCommand("phien_ket_thuc", "Kết thúc phiên, nhận tài liệu hỏi đáp"),
]
GROUP_COMMANDS = [
    BotCommand("hoi", "Hỏi về thi đua, khen thưởng: /hoi câu hỏi"),
    BotCommand("dieu", "Xem nguyên văn một điều: /dieu 84 [số hiệu]"),
    BotCommand("tailieu", "Các văn bản trong cơ sở tri thức"),
    BotCommand("phien_bat_dau", "Bắt đầu ghi phiên tập huấn"),
    BotCommand("phien_ket_thuc", "Kết thúc phiên, nhận tài liệu hỏi đáp"),
    BotCommand("help", "Hướng dẫn sử dụng"),
]
ADMIN_COMMANDS = [
    BotCommand("capnhat", "Đồng bộ lại thư mục văn bản nguồn"),
    BotCommand("xoa", "Gỡ một văn bản: /xoa số hiệu"),
    BotCommand("thongke", "Thống kê câu hỏi 7 ngày qua"),
]
FLOWS = (start, ask, groups, article, documents, feedback, inline, sessions, admin)


def api_urls(base: str) -> tuple[str, str]:
    """(base_url, base_file_url) for a self-hosted Bot API server given as its root URL."""
    root = base.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


async def post_init(application: Application) -> None:
    """Register the command menu (per scope) once the bot is initialised."""
    bot = application.bot
    await bot.set_my_commands(PRIVATE_COMMANDS)
    await bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    svc: Services = application.bot_data[SERVICES_KEY]
    for admin_id in sorted(svc.settings.admin_ids):
        # Fails for admins who never opened the bot; they still see the default menu.
        with contextlib.suppress(TelegramError):
            await bot.set_my_commands(PRIVATE_COMMANDS + ADMIN_COMMANDS,
                                      scope=BotCommandScopeChat(admin_id))
    logger.info("Bot @%s sẵn sàng", bot.username)


def build_application(
    settings: Settings,
    *,
    store: KnowledgeStore | None = None,
    engine: SearchEngine | None = None,
    activity: ActivityStore | None = None,
    rate_limiter: bool = True,
) -> Application:
    """The bot, ready for ``run_polling``/``run_webhook`` (or manual start in tests)."""
    token = settings.require_token()
    store = store or KnowledgeStore(settings.database_url)
    engine = engine or SearchEngine(store)
    activity = activity or ActivityStore(store)
    builder = (
        ApplicationBuilder().token(token).concurrent_updates(True).post_init(post_init)
        # A slow answer that times out cannot be retried safely (it may have been delivered):
        # wait long enough for Telegram under load rather than give up after PTB's 5 s.
        .read_timeout(reliability.READ_TIMEOUT).write_timeout(reliability.WRITE_TIMEOUT)
        .connect_timeout(reliability.CONNECT_TIMEOUT).pool_timeout(reliability.POOL_TIMEOUT)
    )
    if settings.api_base_url:
        base_url, base_file_url = api_urls(settings.api_base_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    if rate_limiter:
        # Waits out 429s, retries 5xx and unsent requests, drops "typing…" when congested.
        builder = builder.rate_limiter(reliability.ReliableRateLimiter())
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings, store=store, engine=engine, activity=activity,
        catalog=Catalog(store),
    )
    for flow in FLOWS:
        application.add_handlers(flow.handlers())
    application.add_handlers(start.fallback_handlers())
    application.add_error_handler(errors.on_error)
    return application
