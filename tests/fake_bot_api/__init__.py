"""Fake Telegram Bot API server for end-to-end tests.

Why this exists: mocking ``telegram.Bot`` methods only proves that our handlers call the
methods we expect; it skips python-telegram-bot's (PTB) real request encoding, JSON
de-serialisation, long polling, file download and error mapping, which is exactly where
integration bugs hide (a 65-byte ``callback_data``, an unescaped ``<`` in HTML mode, a
keyboard that silently disappears on edit, a 429 that is never retried...).  This package
speaks the real Bot API HTTP protocol on ``127.0.0.1`` so a completely unmodified
``telegram.ext.Application`` can be pointed at it::

    with FakeBotApi() as server:
        app = (
            ApplicationBuilder()
            .token("123:TEST")
            .base_url(f"{server.url}/bot")
            .base_file_url(f"{server.url}/file/bot")
            .build()
        )
        ...
        mark = server.mark()
        server.send_command("start")
        params = await server.wait_for_async("sendMessage", since=mark)

Where things are:

* ``server``: :class:`FakeBotApi`, recording calls, waiting for them, reading state;
* ``methods``: the Bot API methods the bot calls, validated as Telegram does;
* ``users``: what a test makes users do (messages, commands, buttons, inline queries, files);
* ``state``: the users, chats, messages, files and updates they share;
* ``markup``: Telegram's HTML parse mode (strict) and UTF-16 entity offsets;
* ``wire`` and ``transport``: request decoding (JSON, form, multipart) and the HTTP server;
* ``faults``: injected 429, 5xx and slow answers;
* ``tests/``: the package's own tests, through PTB's real network stack.

Design notes: stdlib only, so the test suite needs no extra dependency; all state lives behind
one ``threading.Condition`` and every public method returns deep copies, so tests never observe
half-applied state; a call is recorded in the same critical section that applies its effect, so
once :meth:`FakeBotApi.wait_for` returns, :meth:`FakeBotApi.sent_messages` reflects it.

Not emulated (documented so nobody relies on it): parse modes other than HTML, editing inline
messages, webhook delivery (``setWebhook`` is recorded and makes ``getUpdates`` fail with 409
like the real API, but updates are never POSTed), group privacy mode, flood limits other than
injected faults, media other than documents.
"""

from .errors import ApiError
from .markup import parse_html
from .server import Call, FailedCall, FakeBotApi
from .state import (
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USERNAME,
    DEFAULT_FIRST_NAME,
    DEFAULT_GROUP_CHAT_ID,
    DEFAULT_SUPERGROUP_CHAT_ID,
    DEFAULT_USER_ID,
    DEFAULT_USERNAME,
    SentDocument,
)
from .wire import UploadedFile

_parse_html = parse_html  # the name tests/test_bot_render.py imports

__all__ = [
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_FIRST_NAME",
    "DEFAULT_GROUP_CHAT_ID",
    "DEFAULT_SUPERGROUP_CHAT_ID",
    "DEFAULT_USER_ID",
    "DEFAULT_USERNAME",
    "ApiError",
    "Call",
    "FailedCall",
    "FakeBotApi",
    "SentDocument",
    "UploadedFile",
    "parse_html",
]
