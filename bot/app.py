"""Wiring: the Telegram ``Application`` with its handlers and the shared services.

Only wiring lives here; each flow's logic is in its own ``handlers`` module (as in
python-telegram-bot's examples), and handlers reach the knowledge base and the index only
through ``context.services`` (``handlers.context``). The command menus come from the commands
each flow declares.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot import reliability
from bot.config import Settings
from bot.updates import TolerantUpdatesRequest
from handlers import (
    admin,
    article,
    ask,
    awards,
    documents,
    errors,
    feedback,
    groups,
    inline,
    sessions,
    start,
)
from handlers.commands import GROUP, PRIVATE, Command, menu
from handlers.common import NO_PREVIEW
from handlers.context import CONTEXT_TYPES, SERVICES_KEY, Services, install
from knowledge.activity import ActivityStore
from knowledge.store import KnowledgeStore
from retrieval.engine import SearchEngine

logger = logging.getLogger(__name__)
SWEEP_KEY = "expire-uploads"
SWEEP_SECONDS = 3600.0

FLOWS = (start, ask, groups, article, awards, documents, feedback, inline, sessions, admin)
COMMANDS: tuple[Command, ...] = tuple(c for flow in FLOWS for c in flow.COMMANDS)


def api_urls(base: str) -> tuple[str, str]:
    """(base_url, base_file_url) for a self-hosted Bot API server given as its root URL."""
    root = base.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def _bot_commands(commands: list[Command]) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in commands]


async def _expire_uploads_hourly(svc: Services) -> None:
    """Pending uploads older than a day expire (their bytes are dropped) even when nobody
    uploads or restarts the bot. Not PTB's ``create_task``: ``stop`` would wait for it."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await svc.run(svc.activity.expire_uploads)
        except Exception as exc:  # the database may be briefly away: next hour
            logger.warning("pending uploads not expired this time: %s", exc)


async def post_init(application: Application) -> None:
    """Recover interrupted uploads, then register the command menus (per scope)."""
    bot = application.bot
    svc: Services = application.bot_data[SERVICES_KEY]
    # Uploads a dead process left "processing" can be published again; day-old ones expire.
    # On SQLite no other instance can hold a claim (several instances need PostgreSQL).
    released = await svc.run(
        svc.activity.recover_uploads, all_claims=svc.store.engine.dialect.name == "sqlite"
    )
    if released:
        logger.info("%d tài liệu đang đăng dở được trả về hàng chờ duyệt", released)
    application.bot_data[SWEEP_KEY] = asyncio.get_running_loop().create_task(
        _expire_uploads_hourly(svc), name="expire-uploads"
    )
    private = _bot_commands(menu(COMMANDS, PRIVATE))
    await bot.set_my_commands(private)
    await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(
        _bot_commands(menu(COMMANDS, GROUP)), scope=BotCommandScopeAllGroupChats()
    )
    admins = _bot_commands(menu(COMMANDS, PRIVATE, admin=True))
    for admin_id in sorted(svc.admin_ids):
        # Fails for admins who never opened the bot; they still see the default menu.
        with contextlib.suppress(TelegramError):
            await bot.set_my_commands(admins, scope=BotCommandScopeChat(admin_id))
    logger.info("Bot @%s sẵn sàng", bot.username)


async def post_shutdown(application: Application) -> None:
    """Stop the upload sweep and worker, close the database connections once stopped."""
    sweep: asyncio.Task[None] | None = application.bot_data.pop(SWEEP_KEY, None)
    if sweep is not None:
        sweep.cancel()
    svc: Services | None = application.bot_data.get(SERVICES_KEY)
    if svc is not None:
        svc.upload_worker.close()
        svc.store.close()


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
    engine = engine or SearchEngine(store, **settings.engine_options())
    activity = activity or ActivityStore(store, id_key=settings.id_key())
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(True)
        .context_types(CONTEXT_TYPES)
        # Every message is HTML (escaped in handlers.render) and quotes laws, not web pages.
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # A slow answer that times out cannot be retried safely (it may have been delivered):
        # wait long enough for Telegram under load rather than give up after PTB's 5 s.
        .read_timeout(reliability.READ_TIMEOUT)
        .write_timeout(reliability.WRITE_TIMEOUT)
        .connect_timeout(reliability.CONNECT_TIMEOUT)
        .pool_timeout(reliability.POOL_TIMEOUT)
        # An update PTB cannot parse is skipped (logged once), not refetched forever.
        .get_updates_request(TolerantUpdatesRequest())
    )
    if settings.api_base_url:
        base_url, base_file_url = api_urls(settings.api_base_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    if rate_limiter:
        # Waits out 429s, retries 5xx and unsent requests, drops "typing…" when congested.
        builder = builder.rate_limiter(reliability.ReliableRateLimiter())
    application = builder.build()
    install(
        application,
        Services(
            store=store,
            engine=engine,
            activity=activity,
            admin_ids=settings.admin_ids,
            sources_dir=settings.sources_dir,
            commands=COMMANDS,
            base_salary=settings.base_salary,
        ),
    )
    application.add_handler(ask.tracking_handler(), group=-1)
    for flow in FLOWS:
        application.add_handlers(flow.handlers())
    application.add_handlers(start.fallback_handlers())
    application.add_error_handler(errors.apologise_and_log)
    return application
