"""A folder sync never silently undoes a replacement made elsewhere, end to end: an admin
replaces a folder document through Telegram, then ``/capnhat`` (fake Bot API) and ``tdkt kb
sync`` (a real process) of the unchanged folder keep the newer document and say so; a file
that did change replaces it, naming what it replaced; ``--force`` restores the folder copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot_harness import ADMIN, OFFICER, ROOT, Harness, buttons, running_bot, sent_messages
from tests.sample_docs import QUY_CHE_MAU, QUY_CHE_MAU_V2

NUMBER = "01/2099/QC-MAU"
BONSAI = "Người trồng cây giỏi phải chăm sóc mấy chậu bonsai?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    sources = tmp_path / "nguon"
    sources.mkdir()
    (sources / "quy-che-mau.txt").write_text(QUY_CHE_MAU, encoding="utf-8")
    return sources


@pytest.fixture
def bot(folder: Path, tmp_path: Path) -> Iterator[Harness]:
    with running_bot(f"sqlite:///{tmp_path / 'kb.db'}", sources_dir=folder) as harness:
        yield harness


def capnhat(bot: Harness) -> str:
    return sent_messages(bot.command("capnhat", user_id=ADMIN))[-1].text


def replace_through_telegram(bot: Harness, text: str) -> None:
    bot.do(lambda: bot.server.send_document("quy-che-moi.txt", text.encode(), user_id=ADMIN))
    preview = bot.last(ADMIN)
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    asked = bot.message(ADMIN, preview["message_id"])
    bot.press(asked, buttons(asked)["♻️ Thay thế văn bản cũ"], user_id=ADMIN)
    assert "✅ Đã đăng." in bot.message(ADMIN, preview["message_id"])["text"]


def active(bot: Harness) -> tuple[str, str]:
    doc = bot.services.store.find_active(NUMBER)
    assert doc is not None
    return doc.origin.partition(":")[0], doc.source_name


def kb_sync(bot: Harness, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    url = str(bot.services.store.engine.url)
    return subprocess.run(
        [sys.executable, "-m", "bot", "kb", "sync", str(folder), *args],
        cwd=ROOT,
        env=dict(os.environ, TDKT_DATABASE_URL=url),
        text=True,
        capture_output=True,
        timeout=120,
    )


def officer_reads(bot: Harness) -> str:
    bot.services.engine.refresh()  # as the version watcher does in production
    bot.text(BONSAI)
    return str(bot.last(OFFICER)["text"])


def test_sync_keeps_a_newer_replacement_made_through_telegram(bot: Harness, folder: Path) -> None:
    assert "+ thêm: 01/2099/QC-MAU" in capnhat(bot)
    replace_through_telegram(bot, QUY_CHE_MAU_V2)
    version = bot.services.store.current_version()

    report = capnhat(bot)  # the folder's file is unchanged
    assert f"≠ giữ bản mới hơn: {NUMBER} — bản gửi qua Telegram (quy-che-moi.txt)" in report
    assert "tdkt kb sync --force" in report and "Không có thay đổi." in report
    result = kb_sync(bot, folder)
    assert result.returncode == 0, result.stderr
    assert f"≠ giữ bản mới hơn: {NUMBER}" in result.stdout and "Không có thay đổi." in result.stdout
    assert bot.services.store.current_version() == version
    assert active(bot) == ("telegram", "quy-che-moi.txt")
    assert "năm chậu bonsai" in officer_reads(bot)

    # The folder's file changes: that is newer, it replaces the upload and says so.
    (folder / "quy-che-mau.txt").write_text(
        QUY_CHE_MAU.replace("ba chậu", "chín chậu"), encoding="utf-8"
    )
    report = capnhat(bot)
    assert (
        f"~ thay: {NUMBER}" in report and "(thay bản gửi qua Telegram (quy-che-moi.txt))" in report
    )
    assert active(bot) == ("folder", "quy-che-mau.txt")
    assert "chín chậu bonsai" in officer_reads(bot)


def test_sync_force_restores_the_folder_copy(bot: Harness, folder: Path) -> None:
    capnhat(bot)
    replace_through_telegram(bot, QUY_CHE_MAU_V2)
    result = kb_sync(bot, folder, "--force")
    assert result.returncode == 0, result.stderr
    assert f"~ thay: {NUMBER}" in result.stdout and "bản gửi qua Telegram" in result.stdout
    assert active(bot) == ("folder", "quy-che-mau.txt")
    assert "ba chậu bonsai" in officer_reads(bot)
