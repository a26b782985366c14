"""``tdkt bot``: run the Telegram bot with long polling, or ``--webhook URL``.

Several webhook instances may serve one bot behind a load balancer when they share a
PostgreSQL database: each answers from its own index snapshot and, every
``TDKT_REFRESH_SECONDS``, checks the stored knowledge-base version, so an update made
through any of them (or with ``tdkt kb``) reaches all of them without a restart.
"""

from __future__ import annotations

import argparse
import secrets
import threading
from urllib.parse import urlsplit

from bot.config import ConfigError, Settings


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    token = settings.require_token()
    # Imported here: the other `tdkt` subcommands need no Telegram library.
    from telegram import Update

    from bot.app import build_application
    from bot.logs import setup_logging

    if args.webhook:
        parts = urlsplit(args.webhook)
        if parts.scheme != "https" or not parts.netloc:
            raise ConfigError(
                "--webhook phải là một địa chỉ https://…, ví dụ https://bot.example.vn/tdkt"
            )
    from knowledge.store import KnowledgeStore
    from retrieval.engine import SearchEngine

    setup_logging(token)
    store = KnowledgeStore(settings.database_url)
    engine = SearchEngine(store, **settings.engine_options())
    application = build_application(settings, store=store, engine=engine)
    engine.refresh()  # the first question is not the one that waits for the index
    stop = threading.Event()
    threading.Thread(
        target=engine.watch, args=(stop,), name="kb-version-watch", daemon=True
    ).start()
    if args.webhook:
        secret = args.secret_token or settings.webhook_secret or secrets.token_urlsafe(32)
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            url_path=parts.path.lstrip("/"),
            webhook_url=args.webhook,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    stop.set()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bot", help="chạy bot Telegram (long polling, hoặc --webhook URL)")
    p.add_argument("--webhook", metavar="URL", help="địa chỉ https công khai nhận cập nhật")
    p.add_argument("--listen", default="0.0.0.0", help="địa chỉ lắng nghe (mặc định 0.0.0.0)")
    p.add_argument("--port", type=int, default=8443, help="cổng lắng nghe (mặc định 8443)")
    p.add_argument(
        "--secret-token",
        help="mã bí mật Telegram gửi kèm mỗi cập nhật (mặc định: TDKT_WEBHOOK_SECRET, "
        "nếu không có thì ngẫu nhiên)",
    )
    p.set_defaults(func=cmd_bot)
