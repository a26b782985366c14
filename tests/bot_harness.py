"""Run the real bot (bot.app.build_application) against the fake Bot API server.

The Application runs with real long polling in its own event-loop thread, so tests stay plain
synchronous functions and one Application serves a whole test module. A last-group
``TypeHandler`` (test-only) marks each update as fully processed: ``harness.do(...)`` returns
exactly the Bot API calls that update caused, with no sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import build_application
from bot.config import Settings
from knowledge.activity import SavedItem
from retrieval.answers import inline_items
from retrieval.engine import SearchEngine
from tests.fake_bot_api import DEFAULT_USER_ID, FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAE-fake-token_for_bot_tests"
ID_SECRET = "test-secret-for-user-id-hashes"
ID_KEY = ID_SECRET.encode()
OFFICER = DEFAULT_USER_ID
ADMIN = 900001
OTHER = 100777
DONE_GROUP = 99


def copy_database(url: str, folder: Path, name: str = "kb.db") -> str:
    """A private copy of an SQLite knowledge base (the backup API also copies the WAL)."""
    source = url.removeprefix("sqlite:///")
    target = folder / name
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    return f"sqlite:///{target}"


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url``, dropped afterwards.

    Why a database per use and not one shared: bot tests change the knowledge base and the
    activity tables, and several processes (tests/test_instances.py) must share exactly one.
    """
    name = f"tdkt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sql(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def load_corpus(url: str, folder: Path) -> None:
    """Load a corpus folder into the (empty) database at ``url``, the way ``tdkt kb sync``
    does: the bot then serves it exactly as it would in production."""
    from knowledge.store import KnowledgeStore
    from knowledge.sync import sync_folder
    from retrieval.text import tokenize

    store = KnowledgeStore(url)
    try:
        report = sync_folder(store, folder, tokenize)
        assert not report.errors and report.changed, report.lines()
    finally:
        store.close()


@dataclass
class Sent:
    """One Bot API call the bot made: method and parameters."""

    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


@dataclass
class Harness:
    server: FakeBotApi
    app: Application
    loop: asyncio.AbstractEventLoop
    done: set[int] = field(default_factory=set)
    cond: threading.Condition = field(default_factory=threading.Condition)

    @property
    def services(self):  # noqa: ANN201 - bot.services.Services
        return self.app.bot_data["services"]

    def run(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def wait_done(self, update_id: int, timeout: float = 30) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: update_id in self.done, timeout):
                raise TimeoutError(f"update {update_id} not processed within {timeout}s")

    def do(self, make: Callable[[], dict[str, Any]], timeout: float = 30) -> list[Sent]:
        """Send one update and return the calls it caused once fully processed."""
        mark = self.server.mark()
        update = make()
        self.wait_done(update["update_id"], timeout)
        return [
            Sent(c.method, c.params)
            for c in self.server.calls[mark:]
            if c.method not in ("getUpdates", "getMe")
        ]

    # conveniences --------------------------------------------------------------------------
    def text(self, text: str, **kwargs: Any) -> list[Sent]:
        return self.do(lambda: self.server.send_text(text, **kwargs))

    def command(self, command: str, args: str = "", **kwargs: Any) -> list[Sent]:
        return self.do(lambda: self.server.send_command(command, args, **kwargs))

    def press(self, message: dict[str, Any], data: str, **kwargs: Any) -> list[Sent]:
        return self.do(lambda: self.server.press_button(message, data, **kwargs))

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        found = self.server.message(chat_id, message_id)
        assert found is not None
        return found

    def last(self, chat_id: int) -> dict[str, Any]:
        found = self.server.last_sent(chat_id)
        assert found is not None
        return found


def shown(engine: SearchEngine, question: str, k: int = 5) -> list[SavedItem]:
    """The results as the bot's messages show them (citation and text of
    ``retrieval.answers.shown_item``: several clauses of one article may share a citation),
    to compare what the bot sent with what the answering use case computes."""
    return inline_items(engine, question, k).items


def sent_messages(calls: list[Sent], method: str = "sendMessage") -> list[Sent]:
    return [c for c in calls if c.method == method]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Button text → callback data (or url / switch query) of a message's inline keyboard."""
    found = {}
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for b in row:
            found[b["text"]] = (
                b.get("callback_data") or b.get("url") or b.get("switch_inline_query") or ""
            )
    return found


def entity_texts(message: dict[str, Any], kind: str, key: str = "text") -> list[str]:
    """Substrings of a message covered by entities of ``kind`` (offsets are UTF-16)."""
    text = message.get(key) or ""
    encoded = text.encode("utf-16-le")
    entities = message.get("entities" if key == "text" else "caption_entities") or []
    return [
        encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in entities
        if e["type"] == kind
    ]


@contextlib.contextmanager
def running_bot(
    database_url: str,
    *,
    admin_ids: frozenset[int] = frozenset({ADMIN}),
    sources_dir: Path | None = None,
) -> Iterator[Harness]:
    """Start the fake server and the real bot; stop both afterwards."""
    with FakeBotApi() as server:
        settings = Settings(
            database_url=database_url,
            sources_dir=sources_dir or Path("."),
            token=TOKEN,
            api_base_url=server.url,
            admin_ids=admin_ids,
            id_secret=ID_SECRET,
        )
        app = build_application(settings, rate_limiter=False)
        harness: Harness | None = None

        async def mark_done(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            # Updates are only sent once the harness exists (after polling_in_thread yields).
            assert isinstance(update, Update) and harness is not None
            with harness.cond:
                harness.done.add(update.update_id)
                harness.cond.notify_all()

        app.add_handler(TypeHandler(Update, mark_done), group=DONE_GROUP)
        with polling_in_thread(app) as loop:
            harness = Harness(server, app, loop)
            yield harness


@contextlib.contextmanager
def polling_in_thread(app: Application) -> Iterator[asyncio.AbstractEventLoop]:
    """Run ``app`` with real long polling on an event loop in its own thread (so callers
    stay synchronous); yields the loop and stops everything on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bot-loop", daemon=True)
    thread.start()

    def run(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(60)

    async def start() -> None:
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:  # as run_polling does: the upload worker stops
            await app.post_shutdown(app)

    try:
        run(start())
        try:
            yield loop
        finally:
            run(stop())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# -- the bot as a real process (crashes, restarts, what it prints) ----------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post_webhook(url: str, update: dict[str, Any], secret: str) -> int:
    """POST one update to the bot's webhook as Telegram does; the HTTP status. Waits for the
    webhook server, which starts right after setWebhook."""
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("webhook server did not start")


def start_bot(
    server: FakeBotApi, database: str, token: str = TOKEN, *args: str, **env: str
) -> subprocess.Popen[str]:
    """``python -m bot bot [args]`` against ``server``, as deployed (stdout and stderr
    together); ``env`` adds or overrides environment variables."""
    variables = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=server.url,
        TDKT_DATABASE_URL=database,
        TDKT_ADMIN_IDS=str(ADMIN),
        TDKT_ID_SECRET=ID_SECRET,
        PYTHONUNBUFFERED="1",
    )
    variables.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "bot", *args],
        cwd=ROOT,
        env=variables,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


WEBHOOK_URL = "https://bot.example.vn/tdkt"


def start_webhook_bot(
    server: FakeBotApi, database: str, port: int, secret: str
) -> subprocess.Popen[str]:
    """:func:`start_bot` in webhook mode: Telegram is told ``WEBHOOK_URL``; the bot listens
    on 127.0.0.1:``port`` at ``/tdkt`` and checks ``secret``."""
    return start_bot(
        server,
        database,
        TOKEN,
        "--webhook",
        WEBHOOK_URL,
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--secret-token",
        secret,
    )


def stop_bot(process: subprocess.Popen[str], *, kill: bool = False) -> str:
    """Stop the process (SIGKILL: a crash; else SIGINT: a normal stop) and return its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    assert process.stdout is not None
    return process.stdout.read()
