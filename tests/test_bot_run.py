"""``tdkt bot``: configuration errors, the production builder, and the real entry point run as
a process (long polling, then webhook) against the fake Bot API server."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.app import api_urls, build_application
from bot.cli import main
from bot.config import ConfigError, Settings
from bot.logs import REDACTED, TokenRedactor
from tests.bot_harness import (
    OFFICER,
    TOKEN,
    WEBHOOK_URL,
    copy_database,
    free_port,
    post_webhook,
    start_bot,
    start_webhook_bot,
    stop_bot,
)
from tests.fake_bot_api import FakeBotApi


def test_missing_token_is_a_clear_vietnamese_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TDKT_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    assert main(["bot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: Thiếu TELEGRAM_BOT_TOKEN")
    with pytest.raises(ConfigError):
        build_application(
            Settings(database_url=f"sqlite:///{tmp_path / 'kb.db'}", sources_dir=tmp_path)
        )


def test_webhook_url_must_be_https(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TDKT_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    assert main(["bot", "--webhook", "http://insecure.example/hook"]) == 2
    assert "--webhook phải là một địa chỉ https://" in capsys.readouterr().err


def test_production_builder_options(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'kb.db'}",
        sources_dir=tmp_path,
        token=TOKEN,
        api_base_url="http://127.0.0.1:8081/",
        data_dir=tmp_path,
    )
    app = build_application(settings)
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    assert app.concurrent_updates > 1
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert app.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"
    assert api_urls("http://h:1/bot") == ("http://h:1/bot", "http://h:1/file/bot")
    assert app.post_init is not None


def test_token_is_redacted_from_logs() -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(TokenRedactor(TOKEN))
    logger = logging.getLogger("tdkt.test.redact")
    logger.addHandler(handler)
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2
    assert all(TOKEN not in r and REDACTED in r for r in records)


# -- the real entry point, as a process --------------------------------------------------------


@pytest.fixture
def database(corpus_db: str, tmp_path: Path) -> str:
    return copy_database(corpus_db, tmp_path)


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


def test_tdkt_bot_long_polling(server: FakeBotApi, database: str) -> None:
    process = start_bot(server, database)
    try:
        server.wait_for("setMyCommands", timeout=30)
        mark = server.mark()
        server.send_command("start")
        reply = server.wait_for("sendMessage", since=mark, timeout=20)
        assert reply["text"].startswith("Xin chào")
        commands = {c["command"] for c in server.commands()}
        assert {"start", "help", "dieu", "tailieu"} <= commands
    finally:
        output = stop_bot(process)
    assert TOKEN not in output
    assert "sẵn sàng" in output


def test_tdkt_bot_webhook(server: FakeBotApi, database: str) -> None:
    port = free_port()
    secret = "bi-mat_123"
    process = start_webhook_bot(server, database, port, secret)
    try:
        hook = server.wait_for("setWebhook", timeout=30)
        assert hook["url"] == WEBHOOK_URL
        assert hook["secret_token"] == secret
        server.add_chat(OFFICER)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "/start",
                "from": {"id": OFFICER, "is_bot": False, "first_name": "Tester"},
                "chat": {"id": OFFICER, "type": "private", "first_name": "Tester"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }

        def post(token: str) -> int:
            return post_webhook(f"http://127.0.0.1:{port}/tdkt", update, token)

        assert post("sai") == 403  # a forged update without the secret is rejected
        mark = server.mark()
        assert post(secret) == 200
        reply = server.wait_for("sendMessage", since=mark, timeout=20)
        assert reply["text"].startswith("Xin chào")
    finally:
        output = stop_bot(process)
    assert TOKEN not in output
