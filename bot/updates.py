"""Receiving updates: one update the library cannot read must not stop the bot.

Why: python-telegram-bot parses a whole ``getUpdates`` batch at once (``Update.de_list``).
When one update lacks a field the library requires (a Bot API change, an older self-hosted
Bot API server), parsing raises, the Updater never confirms the batch and fetches the same
updates again, about 150 times a second, each time logging the whole batch — other users'
ids, names and texts — at CRITICAL. No question is answered while Telegram keeps the update
(up to 24 hours).

This transport is installed as the bot's ``get_updates_request`` (``bot/app.py``): before PTB
sees a batch, every update it cannot parse is replaced by an empty update with the same id,
so the batch parses, the Updater confirms it and the other updates are served. The skipped
update is logged once, in one line, with its id and kind only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

_MIN_LEAK = 3
"""Values of the update at least this long must not appear in the logged reason."""


def _leaves(value: Any) -> Iterator[str]:
    """Every scalar value of a JSON document, as text (the keys are not data)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _reason(error: Exception, update: dict[str, Any]) -> str:
    """The library's reason, unless it quotes anything the user sent (a name, a text, an id)."""
    message = " ".join(str(error).split())[:200]
    if any(len(leaf) >= _MIN_LEAK and leaf in message for leaf in _leaves(update)):
        return type(error).__name__
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


SKIPPED = "Bỏ qua cập nhật %d (%s) mà python-telegram-bot không đọc được: %s"
"""The one log line of an update the library cannot read: its id and kind, no content."""


def _skipped_args(update: dict[str, Any], error: BaseException) -> tuple[int, str, str]:
    kind = next((k for k in update if k != "update_id"), "?")
    update_id = update.get("update_id")
    return (update_id if isinstance(update_id, int) else -1, kind, _reason(error, update))


def skip_unparseable(updates: list[Any]) -> list[Any]:
    """``updates`` with each one PTB cannot parse replaced by ``{"update_id": id}``."""
    readable = []
    for update in updates:
        try:
            Update.de_json(update, None)
        except Exception as error:  # PTB raises TypeError, KeyError, ValueError...
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                raise  # not even an update id: nothing to confirm, let PTB report it
            logger.warning(SKIPPED, *_skipped_args(update, error))
            update = {"update_id": update["update_id"]}
        readable.append(update)
    return readable


_WEBHOOK_FAILURE = "Something went wrong processing the data received from Telegram"
"""How PTB's webhook handler (``telegram.ext.Updater`` logger) reports an update it cannot
parse, at CRITICAL, with the whole update and a traceback."""


class WebhookFailureRedactor(logging.Filter):
    """Webhook mode: each POST carries one update, so an unreadable one does not stop the
    others (PTB answers it 400), but PTB logs it at CRITICAL with the user's id, name and
    text and a traceback. This rewrites that record into the polling mode's one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A lone mapping argument becomes ``record.args`` itself (logging's own rule).
        update = record.args
        if isinstance(update, tuple) and len(update) == 1:
            update = update[0]
        if str(record.msg).startswith(_WEBHOOK_FAILURE) and isinstance(update, dict):
            error = record.exc_info[1] if record.exc_info else None
            record.msg = SKIPPED
            record.args = _skipped_args(update, error or ValueError())
            record.levelno, record.levelname = (
                logging.WARNING,
                logging.getLevelName(logging.WARNING),
            )
            record.exc_info, record.exc_text = None, None
        return True


def install_webhook_redactor() -> None:
    logging.getLogger("telegram.ext.Updater").addFilter(WebhookFailureRedactor())


class TolerantUpdatesRequest(HTTPXRequest):
    """``getUpdates`` over HTTPX, with unreadable updates replaced before PTB parses them."""

    def __init__(self, **kwargs: Any) -> None:
        # As PTB's own getUpdates request: one connection is enough for one long poll.
        kwargs.setdefault("connection_pool_size", 1)
        super().__init__(**kwargs)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        try:
            body = json.loads(payload)
        except ValueError:
            return code, payload  # PTB reports an invalid answer itself
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return code, payload
        cleaned = skip_unparseable(result)
        if all(new is old for new, old in zip(cleaned, result, strict=True)):
            return code, payload
        body["result"] = cleaned
        return code, json.dumps(body).encode("utf-8")
