"""Faults around the database and the process, end to end against the fake Bot API server.

* The database refuses writes (SQLite: another connection holds the write lock): questions
  are still answered from the in-memory index, without the buttons that need the stored
  answer, and the failed log write is logged. Why: the question must not be lost.
* The database is unavailable (SQLite: an exclusive lock nobody can read through; PostgreSQL:
  the server refuses connections and drops the open ones): a short Vietnamese apology, never
  silence and never a traceback; once it is back, the next question is answered normally.
* The process is killed (SIGKILL, no shutdown) and started again on the same database: it
  answers, including the question sent while it was down, and old buttons still work.
* The token: a recognisable token run through failing paths never shows in the output or in
  anything sent.

(The knowledge-level crash in the middle of an update is tests/test_update_crash.py.)
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from handlers.ask import UNSAVED
from handlers.errors import DB_APOLOGY
from tests.bot_harness import (
    OFFICER,
    TOKEN,
    Harness,
    buttons,
    copy_database,
    load_corpus,
    postgres_database,
    running_bot,
    sent_messages,
    start_bot,
    stop_bot,
)
from tests.conftest import CORPUS, POSTGRES_URL
from tests.fake_bot_api import ApiError, FakeBotApi

QUESTION = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?"
OTHER_QUESTION = "Ai có thẩm quyền quyết định tặng giấy khen?"
BUSY_TIMEOUT = 0.3


def short_busy_timeout(engine: Engine, seconds: float = BUSY_TIMEOUT) -> None:
    """Make SQLite give up on a lock after ``seconds`` instead of the production 30 s, so a
    locked database shows within the test's time; existing connections are replaced."""

    @event.listens_for(engine, "do_connect")
    def _timeout(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["timeout"] = seconds

    @event.listens_for(engine, "connect")
    def _busy(dbapi_connection: Any, record: Any) -> None:  # runs after make_engine's pragmas
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    engine.dispose()


def ask(bot: Harness, question: str, user: int = OFFICER) -> dict:
    """Send a question; return the one reply as the user sees it."""
    calls = bot.text(question, user_id=user)
    [reply] = sent_messages(calls)
    assert reply.params["chat_id"] == user
    assert [f for f in bot.server.failed_calls if f.method != "getUpdates"] == []
    return bot.last(user)


def assert_normal_answer(message: dict) -> None:
    assert "Kết quả 1/" in message["text"]
    assert UNSAVED not in message["text"]
    assert {"👍", "👎", "📤 Chia sẻ"} <= set(buttons(message))


@pytest.fixture
def sqlite_bot(corpus_db: str, tmp_path: Path) -> Iterator[tuple[Harness, Path]]:
    url = copy_database(corpus_db, tmp_path)
    with running_bot(url) as bot:
        short_busy_timeout(bot.services.store.engine)
        yield bot, Path(url.removeprefix("sqlite:///"))


# -- the database refuses writes ------------------------------------------------------------


def test_write_lock_still_answers_from_memory(
    sqlite_bot: tuple[Harness, Path], caplog: pytest.LogCaptureFixture
) -> None:
    bot, path = sqlite_bot
    assert_normal_answer(ask(bot, QUESTION))
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # WAL: readers go on, every writer waits, then fails
    try:
        with caplog.at_level(logging.WARNING, logger="retrieval.answers"):
            message = ask(bot, OTHER_QUESTION)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    text = message["text"]
    assert "Kết quả 1/" in text and text.rstrip().endswith(UNSAVED)
    assert not {"👍", "👎", "📤 Chia sẻ", "➡️ Kết quả khác"} & set(buttons(message))
    assert "answer not saved" in caplog.text and "question log skipped" in caplog.text
    assert "database is locked" in caplog.text and "INSERT" not in caplog.text

    message = ask(bot, OTHER_QUESTION)  # the lock is gone: stored, logged, all buttons
    assert_normal_answer(message)
    logged = [q.text for q in bot.services.activity.question_log()]
    assert logged.count(OTHER_QUESTION) == 1 and logged.count(QUESTION) == 1
    bot.press(message, buttons(message)["➡️ Kết quả khác"])
    assert "Kết quả 2/" in bot.message(OFFICER, message["message_id"])["text"]


def test_failed_question_log_write_loses_only_the_statistics(
    sqlite_bot: tuple[Harness, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot, _path = sqlite_bot

    def refused(*args: object, **kwargs: object) -> int:
        raise OperationalError(
            "INSERT INTO bot_questions …", {}, sqlite3.OperationalError("disk I/O error")
        )

    monkeypatch.setattr(bot.services.activity, "record_question", refused)
    with caplog.at_level(logging.WARNING, logger="retrieval.answers"):
        message = ask(bot, QUESTION)
    assert_normal_answer(message)  # stored, so every button works
    assert "question log not written: disk I/O error" in caplog.text
    assert bot.services.activity.answer(buttons(message)["👍"].split(":")[1]) is not None


# -- the database is unavailable ------------------------------------------------------------


@contextlib.contextmanager
def sqlite_unavailable(bot: Harness, path: Path) -> Iterator[None]:
    """Another process takes SQLite's exclusive lock (locking_mode=EXCLUSIVE): nobody can even
    read until it lets go. The bot's pool is emptied first: the lock needs no other reader."""
    bot.services.store.engine.dispose()
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("PRAGMA locking_mode=EXCLUSIVE")
        locker.execute("BEGIN EXCLUSIVE")
        locker.execute("CREATE TABLE outage_marker (x INTEGER)")
        locker.execute("COMMIT")  # the exclusive lock stays until the connection closes
        yield
    finally:
        locker.close()


@contextlib.contextmanager
def postgres_altered(url: str, change: str, back: str) -> Iterator[None]:
    """``ALTER DATABASE <name> <change>`` and drop the open sessions (the bot reconnects);
    ``ALTER DATABASE <name> <back>`` afterwards."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sql(f'ALTER DATABASE "{name}" {change}'))
            connection.execute(
                sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(sql(f'ALTER DATABASE "{name}" {back}'))
    finally:
        admin.dispose()


def postgres_unavailable(url: str) -> contextlib.AbstractContextManager[None]:
    """The server refuses new connections to the database and drops the open ones, as during
    a restart or a failover."""
    return postgres_altered(url, "WITH ALLOW_CONNECTIONS false", "WITH ALLOW_CONNECTIONS true")


@contextlib.contextmanager
def sqlite_read_only(engine: Engine) -> Iterator[None]:
    """Connections opened meanwhile cannot write, as when the file (or its folder) is not
    writable: SQLite decides at open time, so such a connection keeps refusing writes after
    write access returns. (``query_only`` gives the same SQLITE_READONLY error as a
    read-only file; the tests run as root, whom file modes do not stop.) The pool is emptied
    first; after the block, nothing is done to it: recovering is the bot's job."""
    state = {"read_only": True}

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, record: Any) -> None:
        if state["read_only"]:
            dbapi_connection.execute("PRAGMA query_only=ON")

    engine.dispose()
    try:
        yield
    finally:
        state["read_only"] = False


def postgres_read_only(url: str) -> contextlib.AbstractContextManager[None]:
    """New sessions are read-only and the open ones are dropped, as after a failover to a
    standby; then the database accepts writes again, but sessions opened meanwhile stay
    read-only (PostgreSQL applies the setting when a session starts)."""
    return postgres_altered(
        url, "SET default_transaction_read_only = on", "RESET default_transaction_read_only"
    )


@dataclass
class Faults:
    """How to make a running bot's database unavailable, or read-only."""

    unavailable: Callable[[], contextlib.AbstractContextManager[None]]
    read_only: Callable[[], contextlib.AbstractContextManager[None]]


@contextlib.contextmanager
def bot_on(kind: str, corpus_db: str, folder: Path) -> Iterator[tuple[Harness, Faults]]:
    """A running bot on a copy of the corpus, and the faults its database can be given."""
    if kind == "sqlite":
        url = copy_database(corpus_db, folder)
        with running_bot(url) as bot:
            engine = bot.services.store.engine
            short_busy_timeout(engine)
            path = Path(url.removeprefix("sqlite:///"))
            yield (
                bot,
                Faults(lambda: sqlite_unavailable(bot, path), lambda: sqlite_read_only(engine)),
            )
        return
    if not POSTGRES_URL:
        pytest.skip("TDKT_TEST_POSTGRES_URL not set (scripts/postgres-test-server)")
    with postgres_database(POSTGRES_URL) as url:
        load_corpus(url, CORPUS)
        with running_bot(url) as bot:
            yield bot, Faults(lambda: postgres_unavailable(url), lambda: postgres_read_only(url))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_unavailable_database_apologises_then_recovers(
    kind: str,
    corpus_db: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with bot_on(kind, corpus_db, tmp_path) as (bot, faults):
        before = ask(bot, QUESTION)
        assert_normal_answer(before)
        # Check the stored version on every question, as the first question after the
        # 2-second interval does in production: the outage is then seen deterministically.
        bot.services.engine.check_interval = 0
        with faults.unavailable(), caplog.at_level(logging.ERROR, logger="tdkt.bot"):
            apology = ask(bot, OTHER_QUESTION)
            assert apology["text"] == DB_APOLOGY
            calls = bot.press(before, buttons(before)["➡️ Kết quả khác"])
            [alert] = [c for c in calls if c.method == "answerCallbackQuery"]
            assert alert.params["text"] == DB_APOLOGY and alert.params["show_alert"] is True
        assert "cơ sở dữ liệu không truy cập được" in caplog.text
        assert "Traceback" not in caplog.text  # one line per failure, not a traceback each

        assert_normal_answer(ask(bot, OTHER_QUESTION))  # back: answered as usual
        bot.press(before, buttons(before)["➡️ Kết quả khác"])
        assert "Kết quả 2/" in bot.message(OFFICER, before["message_id"])["text"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_saving_resumes_by_itself_when_write_access_returns(
    kind: str,
    corpus_db: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with bot_on(kind, corpus_db, tmp_path) as (bot, faults):
        assert_normal_answer(ask(bot, QUESTION))
        with faults.read_only(), caplog.at_level(logging.WARNING, logger="retrieval.answers"):
            for _ in range(2):
                text = ask(bot, OTHER_QUESTION)["text"]
                assert "Kết quả 1/" in text and text.rstrip().endswith(UNSAVED)
            # Reading still works: a new connection (read-only) is in the pool now.
            assert bot.services.store.current_version() > 0
        assert "answer not saved" in caplog.text
        assert "read" in caplog.text.lower() and "only" in caplog.text.lower()
        # Write access is back: the very next question is saved, no restart.
        message = ask(bot, QUESTION)
        assert_normal_answer(message)
        bot.press(message, buttons(message)["➡️ Kết quả khác"])
        assert "Kết quả 2/" in bot.message(OFFICER, message["message_id"])["text"]
        logged = [q.text for q in bot.services.activity.question_log()]
        assert logged.count(QUESTION) == 2 and OTHER_QUESTION not in logged


# -- the process is killed -------------------------------------------------------------------


def test_bot_answers_again_after_being_killed(corpus_db: str, tmp_path: Path) -> None:
    database = copy_database(corpus_db, tmp_path)
    with FakeBotApi() as server:
        first = start_bot(server, database)
        try:
            server.wait_for("setMyCommands", timeout=30)
            mark = server.mark()
            server.send_text(QUESTION)
            server.wait_for("sendMessage", since=mark, timeout=20)
            answered = server.last_sent(OFFICER)
            assert answered is not None and "Kết quả 1/" in answered["text"]
            server.wait_updates_delivered()
        finally:
            output = stop_bot(first, kill=True)
        assert first.returncode == -signal.SIGKILL

        mark = server.mark()
        server.send_text(OTHER_QUESTION)  # asked while the bot is down
        second = start_bot(server, database)
        try:
            reply = server.wait_for("sendMessage", since=mark, timeout=30)
            assert reply["chat_id"] == OFFICER and "Kết quả 1/" in server.last_sent(OFFICER)["text"]
            # The answer saved before the crash still pages.
            mark = server.mark()
            server.press_button(answered, buttons(answered)["➡️ Kết quả khác"])
            edited = server.wait_for("editMessageText", since=mark, timeout=20)
            assert edited["message_id"] == answered["message_id"]
            server.wait_for_poll()
        finally:
            output += stop_bot(second)
        replies = [m for m in server.sent_messages(OFFICER) if "Kết quả" in m.get("text", "")]
        assert len(replies) == 2  # each question once: none lost, none answered twice
    with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite:///"))) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = [row[0] for row in db.execute("SELECT text FROM bot_questions")]
    assert sorted(logged) == sorted([QUESTION, OTHER_QUESTION])
    assert TOKEN not in output


# -- the token never leaks ---------------------------------------------------------------------

SECRET_TOKEN = "5550001234:AAF-this_token_must_never_leak-Zq9"


def test_token_never_appears_in_output_or_messages(corpus_db: str, tmp_path: Path) -> None:
    database = copy_database(corpus_db, tmp_path)
    with FakeBotApi() as server:
        server.faults.queue("getUpdates", "502", times=1)  # the updater logs its failure
        process = start_bot(server, database, SECRET_TOKEN)
        try:
            server.wait_for("setMyCommands", timeout=30)
            # Every attempt at the reply fails (1 + 4 retries): the error handler logs it and
            # apologises (the apology gets through).
            server.faults.queue("sendMessage", "500", times=5)
            mark = server.mark()
            server.send_text(QUESTION)
            apology = server.wait_for("sendMessage", since=mark, timeout=30)
            assert apology["text"].startswith("Xin lỗi, hệ thống đang bận")
        finally:
            output = stop_bot(process)
        sent = [str(c.params) for c in server.calls] + [str(f.params) for f in server.failed_calls]

        def rejected(params: dict[str, Any]) -> Any:
            raise ApiError(401, "Unauthorized")

        server.register_method("getMe", rejected)  # a revoked token: PTB quotes it
        revoked = start_bot(server, database, SECRET_TOKEN)
        revoked.wait(30)
        revoked_output = stop_bot(revoked)
    assert server.faults.counts["500"] == 5 and server.faults.counts["502"] == 1
    assert "gửi lại lần 4" in output  # the failing paths really ran and were logged
    assert "Lỗi khi xử lý cập nhật" in output and "NetworkError" in output
    assert "Telegram từ chối TELEGRAM_BOT_TOKEN" in revoked_output
    assert "The token `<TOKEN>` was rejected" in revoked_output  # PTB's log line, redacted
    secret = SECRET_TOKEN.split(":")[1]
    for text in (output, revoked_output, *sent):
        assert SECRET_TOKEN not in text and secret not in text
