"""Logging for the bot: readable, and never showing the bot token.

The token is part of every Bot API URL, so any library that logs a URL or an exception that
quotes one (httpx logs each request at INFO) would leak it; the filter below replaces it in
every record's message, arguments and traceback.
"""

from __future__ import annotations

import logging

REDACTED = "<TOKEN>"


class TokenRedactor(logging.Filter):
    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self._clean(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def install_redactor(token: str | None) -> TokenRedactor:
    """Attach a redactor to every handler of the root logger (and future basicConfig ones)."""
    redactor = TokenRedactor(token)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL (which contains the token) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_redactor(token)
