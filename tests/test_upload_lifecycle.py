"""An upload from preview to outcome when things go wrong, end to end through the fake Bot
API: stuck "processing" claims come back (a failed message, a timeout, a killed process), two
previews of one new number never replace each other silently, a file's bytes are dropped once
decided and pending uploads expire after a day, and previews always fit in one message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from knowledge.activity import (
    CLAIM_STALE_SECONDS,
    UPLOAD_CANCELLED,
    UPLOAD_EXPIRED,
    UPLOAD_PENDING,
    UPLOAD_PROCESSING,
    UPLOAD_PUBLISHED,
)
from tests.bot_harness import (
    ADMIN,
    Harness,
    buttons,
    copy_database,
    running_bot,
    start_bot,
    stop_bot,
)
from tests.fake_bot_api import FakeBotApi
from tests.sample_docs import QUY_CHE_MAU, QUY_CHE_MAU_V2

CAPTION = "tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn"


def numbered(text: str, number: str) -> bytes:
    return text.replace("01/2099/QC-MAU", number).encode()


@pytest.fixture
def bot(corpus_db: str, tmp_path: Path) -> Iterator[Harness]:
    with running_bot(copy_database(corpus_db, tmp_path)) as harness:
        yield harness


def send(bot: Harness, name: str, data: bytes, caption: str | None = CAPTION) -> dict[str, Any]:
    """Upload a file as the admin; return the preview message (with its buttons)."""
    bot.do(lambda: bot.server.send_document(name, data, user_id=ADMIN, caption=caption))
    preview = bot.last(ADMIN)
    assert preview["text"].startswith("📄 Xem trước"), preview["text"]
    return preview


def row(bot: Harness, upload_id: str) -> dict[str, Any]:
    """The stored upload as the database holds it (state, size of the kept bytes)."""
    with bot.services.store.engine.connect() as connection:
        found = (
            connection.execute(
                sql(
                    "SELECT state, length(data) AS size, created_at, decided_at "
                    "FROM bot_pending_uploads WHERE id = :id"
                ),
                {"id": upload_id},
            )
            .mappings()
            .first()
        )
    assert found is not None
    return dict(found)


def age(bot: Harness, upload_id: str, column: str, by: timedelta, state: str | None = None) -> None:
    """Move an upload's timestamp back in time (as if that long had passed)."""
    moment = datetime.now(UTC).replace(tzinfo=None) - by
    with bot.services.store.engine.begin() as connection:
        connection.execute(
            sql(
                f"UPDATE bot_pending_uploads SET {column} = :at"
                + (", state = :state" if state else "")
                + " WHERE id = :id"
            ),
            {"at": moment, "id": upload_id, "state": state},
        )


def upload_id_of(preview: dict[str, Any]) -> str:
    return buttons(preview)["✅ Đăng"].split(":")[1]


def alert_of(calls: list) -> str:
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    return str(answer.params.get("text"))


# -- 3. stuck uploads ----------------------------------------------------------------------


def test_publishing_goes_on_when_the_progress_note_fails(bot: Harness) -> None:
    preview = send(bot, "mau-a.txt", numbered(QUY_CHE_MAU, "31/2099/QC-MAU"))
    upload_id = upload_id_of(preview)
    bot.server.faults.queue("editMessageText", "500")  # the "⏳ Đang đăng" edit is refused
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    assert "✅ Đã đăng." in bot.message(ADMIN, preview["message_id"])["text"]
    assert row(bot, upload_id)["state"] == UPLOAD_PUBLISHED
    assert bot.services.store.find_active("31/2099/QC-MAU") is not None


def test_an_abandoned_claim_is_taken_over_after_the_timeout(bot: Harness) -> None:
    preview = send(bot, "mau-b.txt", numbered(QUY_CHE_MAU, "32/2099/QC-MAU"))
    upload_id = upload_id_of(preview)
    # Another instance claimed it a moment ago and is still at work: wait.
    age(bot, upload_id, "decided_at", timedelta(seconds=1), state=UPLOAD_PROCESSING)
    calls = bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    assert alert_of(calls) == "Tài liệu này đang được đăng; bạn chờ một lát nhé."
    assert row(bot, upload_id)["state"] == UPLOAD_PROCESSING
    # It stopped renewing its claim (it died): pressing ✅ again publishes.
    age(bot, upload_id, "decided_at", timedelta(seconds=CLAIM_STALE_SECONDS + 5))
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    assert "✅ Đã đăng." in bot.message(ADMIN, preview["message_id"])["text"]
    assert row(bot, upload_id)["state"] == UPLOAD_PUBLISHED


def test_an_upload_claimed_by_a_killed_bot_comes_back_at_restart(
    corpus_db: str, tmp_path: Path
) -> None:
    database = copy_database(corpus_db, tmp_path)
    engine = create_engine(database)

    def state() -> str:
        with engine.connect() as connection:
            return str(connection.execute(sql("SELECT state FROM bot_pending_uploads")).scalar())

    with FakeBotApi() as server:
        process = start_bot(server, database)
        try:
            server.wait_for("setMyCommands", timeout=30)
            mark = server.mark()
            server.send_document(
                "mau-c.txt", numbered(QUY_CHE_MAU, "33/2099/QC-MAU"), user_id=ADMIN, caption=CAPTION
            )
            server.wait_for("sendMessage", since=mark, timeout=30)
            preview = server.last_sent(ADMIN)
            assert preview is not None and preview["text"].startswith("📄 Xem trước")
            # The "⏳" edit hangs: the bot is killed after claiming, before publishing.
            server.faults.queue("editMessageText", "slow", delay=30)
            server.press_button(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
            deadline = time.monotonic() + 20
            while state() != UPLOAD_PROCESSING and time.monotonic() < deadline:
                time.sleep(0.05)
            assert state() == UPLOAD_PROCESSING
        finally:
            stop_bot(process, kill=True)
        server.faults.clear()
        mark = server.mark()
        process = start_bot(server, database)
        try:
            server.wait_for("setMyCommands", since=mark, timeout=30)
            assert state() == UPLOAD_PENDING  # released at start-up
            mark = server.mark()
            server.press_button(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
            deadline = time.monotonic() + 30
            while state() != UPLOAD_PUBLISHED and time.monotonic() < deadline:
                time.sleep(0.05)
            edited = server.wait_for(
                "editMessageText",
                since=mark,
                timeout=30,
                predicate=lambda p: "✅ Đã đăng." in p.get("text", ""),
            )
            assert edited["message_id"] == preview["message_id"]
        finally:
            output = stop_bot(process)
    assert state() == UPLOAD_PUBLISHED, output[-2000:]
    assert "1 tài liệu đang đăng dở được trả về hàng chờ duyệt" in output
    engine.dispose()


# -- 4. two previews of one new number ----------------------------------------------------------


def test_second_publish_of_the_same_new_number_asks_to_replace(bot: Harness) -> None:
    number = "34/2099/QC-MAU"
    first = send(bot, "mau-d1.txt", numbered(QUY_CHE_MAU, number))
    second = send(bot, "mau-d2.txt", numbered(QUY_CHE_MAU_V2, number))
    version = bot.services.store.current_version()
    # Both presses pass the early "does it exist?" check before either publishes.
    bot.server.faults.queue("editMessageText", "slow", times=2, delay=1.0)
    presses = [
        bot.server.press_button(p, buttons(p)["✅ Đăng"], user_id=ADMIN) for p in (first, second)
    ]
    for pressed in presses:
        bot.wait_done(pressed["update_id"])
    shown = [bot.message(ADMIN, p["message_id"]) for p in (first, second)]
    done = [m for m in shown if "✅ Đã đăng." in m["text"]]
    asked = [m for m in shown if "♻️ Thay thế văn bản cũ" in buttons(m)]
    assert len(done) == 1 and len(asked) == 1, [m["text"][-200:] for m in shown]
    assert f"Văn bản số {number} đã có trong cơ sở tri thức." in asked[0]["text"]
    assert bot.services.store.current_version() == version + 1
    assert [d.meta.number for d in bot.services.store.documents()].count(number) == 1
    waiting = upload_id_of(first if asked[0]["message_id"] == first["message_id"] else second)
    assert row(bot, waiting)["state"] == UPLOAD_PENDING
    # Confirming replaces, as asked.
    bot.press(asked[0], buttons(asked[0])["♻️ Thay thế văn bản cũ"], user_id=ADMIN)
    assert f"~ thay: {number}" in bot.message(ADMIN, asked[0]["message_id"])["text"]
    assert bot.services.store.current_version() == version + 2


# -- 9. bytes kept only while a decision is pending ---------------------------------------------


def test_bytes_are_dropped_once_decided_and_pending_uploads_expire(bot: Harness) -> None:
    data = numbered(QUY_CHE_MAU, "35/2099/QC-MAU")
    published = send(bot, "mau-e1.txt", data)
    cancelled = send(bot, "mau-e2.txt", data)
    expiring = send(bot, "mau-e3.txt", data)
    assert row(bot, upload_id_of(published))["size"] == len(data)  # kept while pending
    bot.press(published, buttons(published)["✅ Đăng"], user_id=ADMIN)
    bot.press(cancelled, buttons(cancelled)["❌ Hủy"], user_id=ADMIN)
    assert row(bot, upload_id_of(published)) | {"created_at": 0, "decided_at": 0} == {
        "state": UPLOAD_PUBLISHED,
        "size": 0,
        "created_at": 0,
        "decided_at": 0,
    }
    assert (
        row(bot, upload_id_of(cancelled))["state"],
        row(bot, upload_id_of(cancelled))["size"],
    ) == (UPLOAD_CANCELLED, 0)
    # A day later, the third one is no longer waiting: its bytes are gone, ✅ explains why.
    age(bot, upload_id_of(expiring), "created_at", timedelta(days=1, minutes=1))
    before = bot.services.store.current_version()
    calls = bot.press(
        expiring, buttons(expiring)["❌ Hủy"].replace(":no", ":ok"), user_id=ADMIN, strict=False
    )
    assert alert_of(calls).startswith("Tài liệu này đã chờ duyệt quá một ngày")
    assert (
        row(bot, upload_id_of(expiring))["state"],
        row(bot, upload_id_of(expiring))["size"],
    ) == (UPLOAD_EXPIRED, 0)
    assert bot.services.store.current_version() == before


# -- 10. previews always fit ------------------------------------------------------------------


def test_a_caption_with_hundreds_of_fields_still_gets_a_preview(bot: Harness) -> None:
    caption = ("số: 36/2099/QC-MAU; " + "màu: xanh; " * 90)[:1024]  # Telegram's caption limit
    preview = send(bot, "mau-f.txt", QUY_CHE_MAU.encode(), caption=caption)
    assert len(preview["text"]) <= 4096
    assert "⚠️ … và " in preview["text"] and "chỗ khác trong chú thích" in preview["text"]
    # Publishing appends its notes to the preview: they fit as well.
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    assert "✅ Đã đăng." in bot.message(ADMIN, preview["message_id"])["text"]
    assert bot.server.failed_calls == [] or all(
        f.method == "getUpdates" for f in bot.server.failed_calls
    )


def test_no_pending_upload_is_left_when_the_preview_cannot_be_sent(bot: Harness) -> None:
    with bot.services.store.engine.connect() as connection:
        before = connection.execute(sql("SELECT count(*) FROM bot_pending_uploads")).scalar()
    bot.server.faults.queue("sendMessage", "500")  # the preview itself is refused
    calls = bot.do(
        lambda: bot.server.send_document(
            "mau-g.txt", numbered(QUY_CHE_MAU, "37/2099/QC-MAU"), user_id=ADMIN, caption=CAPTION
        )
    )
    assert [c.text for c in calls if c.method == "sendMessage"] == [
        "Xin lỗi, hệ thống đang bận hoặc gặp sự cố. Bạn vui lòng thử lại sau ít phút."
    ]
    with bot.services.store.engine.connect() as connection:
        after = connection.execute(sql("SELECT count(*) FROM bot_pending_uploads")).scalar()
    assert after == before
