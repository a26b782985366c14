"""``tdkt bot``: run the Telegram bot with long polling, or ``--webhook URL``."""

from __future__ import annotations

import argparse
import os
import secrets
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
            raise ConfigError("--webhook phải là một địa chỉ https://…, ví dụ "
                              "https://bot.example.vn/tdkt")
    setup_logging(token)
    application = build_application(settings)
    if args.webhook:
        secret = args.secret_token or secrets.token_urlsafe(32)
        application.run_webhook(
            listen=args.listen, port=args.port, url_path=parts.path.lstrip("/"),
            webhook_url=args.webhook, secret_token=secret, allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bot", help="chạy bot Telegram (long polling, hoặc --webhook URL)")
    p.add_argument("--webhook", metavar="URL", help="địa chỉ https công khai nhận cập nhật")
    p.add_argument("--listen", default="0.0.0.0", help="địa chỉ lắng nghe (mặc định 0.0.0.0)")
    p.add_argument("--port", type=int, default=8443, help="cổng lắng nghe (mặc định 8443)")
    p.add_argument("--secret-token", default=os.environ.get("TDKT_WEBHOOK_SECRET"),
                   help="mã bí mật Telegram gửi kèm mỗi cập nhật (mặc định: ngẫu nhiên)")
    p.set_defaults(func=cmd_bot)
