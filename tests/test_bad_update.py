"""An update python-telegram-bot cannot parse, sent among normal ones to the real bot process.

Before: PTB's Updater refetched the same batch forever (~150 times a second), logging the
whole batch at CRITICAL with a traceback each time, and answered nothing. Now the update is
skipped with one short, redacted log line and the questions around it are answered.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.bot_harness import (
    OFFICER,
    copy_database,
    free_port,
    post_webhook,
    start_bot,
    start_webhook_bot,
    stop_bot,
)
from tests.fake_bot_api import FakeBotApi

QUESTIONS = (
    "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?",
    "Ai có thẩm quyền quyết định tặng giấy khen?",
    "Hồ sơ đề nghị tặng Bằng khen gồm những gì?",
)
SECRET_NAME = "Trần Thị Bímật"
SECRET_TEXT = "CCCD của tôi là 001234567890"
SECRET_ID = 555_123_987

# A poll from a Bot API newer than PTB 22.8 knows how to read... as an older server sends it:
# without ``persistent_id``, which PTB 22.8 requires.
BAD_POLL = {
    "poll": {
        "id": "6000001",
        "question": SECRET_TEXT,
        "options": [{"text": SECRET_NAME, "voter_count": 1}],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": False,
        "type": "regular",
        "allows_multiple_answers": False,
    }
}
# A message whose sender lacks ``is_bot``: the user's id, name and text must not be logged.
BAD_MESSAGE = {
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "text": SECRET_TEXT,
        "chat": {"id": SECRET_ID, "type": "private", "first_name": SECRET_NAME},
        "from": {"id": SECRET_ID, "first_name": SECRET_NAME},
    }
}


def answers_to(server: FakeBotApi, user: int) -> list[str]:
    return [m["text"] for m in server.sent_messages(user) if "Kết quả 1/" in m.get("text", "")]


def test_unparseable_updates_are_skipped_once_and_the_rest_answered(
    corpus_db: str, tmp_path: Path
) -> None:
    database = copy_database(corpus_db, tmp_path)
    with FakeBotApi() as server:
        process = start_bot(server, database)
        try:
            server.wait_for("setMyCommands", timeout=30)
            server.send_text(QUESTIONS[0])
            poll = server.enqueue_update(BAD_POLL)
            server.send_text(QUESTIONS[1])
            message = server.enqueue_update(BAD_MESSAGE)
            server.send_text(QUESTIONS[2])
            deadline = time.monotonic() + 30
            while len(answers_to(server, OFFICER)) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            server.wait_updates_delivered()  # every update confirmed, the bad ones included
            time.sleep(1)  # a refetching bot would poll ~150 times meanwhile
            polls = len(server.calls_to("getUpdates"))
        finally:
            output = stop_bot(process)
    assert len(answers_to(server, OFFICER)) == 3, output[-3000:]
    assert polls < 40  # long polling, not a refetch loop
    skipped = [line for line in output.splitlines() if "Bỏ qua cập nhật" in line]
    assert len(skipped) == 2, output[-3000:]
    assert f"Bỏ qua cập nhật {poll['update_id']} (poll)" in skipped[0]
    assert "persistent_id" in skipped[0]
    assert f"Bỏ qua cập nhật {message['update_id']} (message)" in skipped[1]
    assert all(len(line) < 250 for line in skipped)
    assert "CRITICAL" not in output and "Traceback" not in output
    for secret in (SECRET_NAME, SECRET_TEXT, "001234567890", str(SECRET_ID)):
        assert secret not in output
    print(
        f"\nbad updates: {len(skipped)} log lines, {len(output.splitlines())} lines in all; "
        f"{polls} getUpdates calls; e.g. {skipped[0].split(': ', 1)[-1]}"
    )


def test_webhook_mode_logs_an_unparseable_update_once_redacted(
    corpus_db: str, tmp_path: Path
) -> None:
    """Webhook mode: each POST is one update, so the others are served anyway (PTB answers
    the bad one 400, and Telegram may resend it); PTB's CRITICAL record with the user's
    data and a traceback becomes the polling mode's one redacted line."""
    database = copy_database(corpus_db, tmp_path)
    port, secret = free_port(), "bi-mat_456"
    url = f"http://127.0.0.1:{port}/tdkt"
    with FakeBotApi() as server:
        process = start_webhook_bot(server, database, port, secret)
        try:
            server.wait_for("setWebhook", timeout=30)
            server.add_chat(OFFICER)
            bad = {"update_id": 41, **BAD_MESSAGE}
            assert post_webhook(url, bad, secret) == 400
            good = {
                "update_id": 42,
                "message": {
                    "message_id": 2,
                    "date": int(time.time()),
                    "text": QUESTIONS[0],
                    "from": {"id": OFFICER, "is_bot": False, "first_name": "Tester"},
                    "chat": {"id": OFFICER, "type": "private", "first_name": "Tester"},
                },
            }
            assert post_webhook(url, good, secret) == 200
            deadline = time.monotonic() + 30
            while not answers_to(server, OFFICER) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            output = stop_bot(process)
    assert len(answers_to(server, OFFICER)) == 1, output[-3000:]
    skipped = [line for line in output.splitlines() if "Bỏ qua cập nhật" in line]
    assert len(skipped) == 1 and "Bỏ qua cập nhật 41 (message)" in skipped[0], output[-3000:]
    assert "WARNING" in skipped[0] and len(skipped[0]) < 250
    assert "CRITICAL" not in output and "Traceback" not in output
    for secret_value in (SECRET_NAME, SECRET_TEXT, "001234567890", str(SECRET_ID)):
        assert secret_value not in output
