"""Logging for the bot: readable, and never showing the bot token.

The token is part of every Bot API URL, so any library that logs a URL or an exception that
quotes one (httpx logs each request at INFO) would leak it; the filter below replaces it in
every record's message, arguments and traceback. Errors that are not logged but printed by
Python itself (an uncaught exception ends the process) go through the same replacement: PTB's
``InvalidToken`` for a revoked token quotes the token in its message.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from bot.updates import install_webhook_redactor

REDACTED = "<TOKEN>"


class TokenRedactor(logging.Filter):
    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self.clean(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        return True


def install_redactor(token: str | None) -> TokenRedactor:
    """Attach a redactor to every handler of the root logger (and future basicConfig ones)."""
    redactor = TokenRedactor(token)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor


REJECTED = (
    "Lỗi: Telegram từ chối TELEGRAM_BOT_TOKEN (token sai hoặc đã bị thu hồi). Hãy lấy "
    "token đúng từ @BotFather rồi chạy lại."
)


def install_excepthook(token: str | None) -> None:
    """Print uncaught exceptions (main and other threads) with the token replaced; a token
    Telegram rejects gets one clear line instead of a traceback."""
    redactor = TokenRedactor(token)

    def report(
        kind: type[BaseException], value: BaseException | None, tb: TracebackType | None
    ) -> None:
        from telegram.error import InvalidToken

        if isinstance(value, InvalidToken):
            print(REJECTED, file=sys.stderr)
            return
        if value is None:
            text = f"{kind.__name__}\n"
        else:
            text = "".join(traceback.format_exception(kind, value, tb))
        print(redactor.clean(text), end="", file=sys.stderr)

    def report_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        print(f"Exception in thread {args.thread.name if args.thread else '?'}:", file=sys.stderr)
        report(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = report
    threading.excepthook = report_thread


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL (which contains the token) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_redactor(token)
    install_excepthook(token)
    install_webhook_redactor()
