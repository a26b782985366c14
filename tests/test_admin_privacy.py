"""Privacy of what admins see and of what the database keeps, end to end.

* Admin commands answer in a private chat only: ``/thongke`` in a group used to post every
  officer's questions (one held a citizen ID number) to all members.
* Statistics shorten questions and mask ID- and phone-like numbers.
* User ids are hashed under a key that is not in the database: ``TDKT_ID_SECRET``, else a
  file created once in the data folder, readable by its owner only.
"""

from __future__ import annotations

import hashlib
import hmac
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from bot.config import ID_KEY_FILE, ConfigError, Settings
from handlers.common import PRIVATE_ONLY
from knowledge.activity import MASK
from tests.bot_harness import (
    ADMIN,
    OFFICER,
    Harness,
    buttons,
    copy_database,
    running_bot,
    sent_messages,
    start_bot,
    stop_bot,
)
from tests.conftest import CORPUS
from tests.fake_bot_api import DEFAULT_GROUP_CHAT_ID, FakeBotApi

CITIZEN_ID = "001234567890"
PHONE = "0912 345 678"
QUESTION = (
    f"Tôi số CCCD {CITIZEN_ID}, điện thoại {PHONE}, đã 3 năm liền đạt Chiến sĩ thi "
    "đua cơ sở thì có được đề nghị tặng Bằng khen của Thủ tướng Chính phủ không ạ?"
)
ANSWERED = f"Hồ sơ đề nghị tặng Bằng khen gồm những gì, gọi {PHONE} nhé"


@pytest.fixture(scope="module")
def bot(corpus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    url = copy_database(corpus_db, tmp_path_factory.mktemp("privacy"))
    with running_bot(url, sources_dir=CORPUS) as harness:
        yield harness


@pytest.mark.parametrize(
    "command, args", [("thongke", ""), ("capnhat", ""), ("xoa", "06/2022/QH15")]
)
@pytest.mark.parametrize("user", [ADMIN, OFFICER])
def test_admin_commands_answer_in_private_only(
    bot: Harness, command: str, args: str, user: int
) -> None:
    bot.text(QUESTION)  # an officer's question that statistics would list
    version = bot.services.store.current_version()
    calls = bot.command(command, args, chat_type="group", user_id=user)
    [message] = sent_messages(calls)
    assert message.params["chat_id"] == DEFAULT_GROUP_CHAT_ID
    assert bot.last(DEFAULT_GROUP_CHAT_ID)["text"] == PRIVATE_ONLY
    assert [c.method for c in calls] == ["sendMessage"]  # nothing else done or sent
    assert bot.services.store.current_version() == version
    assert bot.services.store.find_active("06/2022/QH15") is not None


def test_statistics_shorten_questions_and_mask_numbers(bot: Harness) -> None:
    bot.text(QUESTION)
    bot.text(ANSWERED)
    answer = bot.last(OFFICER)
    bot.press(answer, buttons(answer)["👎"])
    bot.command("thongke", user_id=ADMIN)
    text = bot.last(ADMIN)["text"]
    assert "Câu hỏi nhiều nhất:" in text and "👎 gần đây:" in text
    assert f"Tôi số CCCD {MASK}, điện thoại {MASK}, đã 3 năm liền" in text
    assert f"“Hồ sơ đề nghị tặng Bằng khen gồm những gì, gọi {MASK} nhé” →" in text
    assert CITIZEN_ID not in text and PHONE not in text and "345" not in text
    [shown] = [line for line in text.splitlines() if "Tôi số CCCD" in line]
    assert "Thủ tướng" not in shown and len(shown) < 100  # shortened


# -- the key of user-id hashes ------------------------------------------------------------


def test_id_key_from_the_environment_or_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TDKT_ID_SECRET", raising=False)
    monkeypatch.setenv("TDKT_DATA_DIR", str(tmp_path / "data"))
    settings = Settings.from_env()
    key = settings.id_key()
    path = tmp_path / "data" / ID_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and Settings.from_env().id_key() == key  # created once, then read
    assert [p.name for p in path.parent.iterdir()] == [ID_KEY_FILE]  # no temporary left
    monkeypatch.setenv("TDKT_ID_SECRET", "a-secret-shared-by-every-instance")
    assert Settings.from_env().id_key() == b"a-secret-shared-by-every-instance"
    monkeypatch.setenv("TDKT_ID_SECRET", "short")
    with pytest.raises(ConfigError, match="TDKT_ID_SECRET quá ngắn"):
        Settings.from_env().id_key()


def test_the_bot_hashes_user_ids_with_the_key_file(corpus_db: str, tmp_path: Path) -> None:
    database = copy_database(corpus_db, tmp_path)
    data_dir = tmp_path / "data"
    with FakeBotApi() as server:
        process = start_bot(server, database, TDKT_ID_SECRET="", TDKT_DATA_DIR=str(data_dir))
        try:
            server.wait_for("setMyCommands", timeout=30)
            mark = server.mark()
            server.send_text("Tiêu chuẩn danh hiệu Lao động tiên tiến là gì?")
            server.wait_for("sendMessage", since=mark, timeout=30)
        finally:
            stop_bot(process)
    key_file = data_dir / ID_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip().encode()
    engine = create_engine(database)
    with engine.connect() as connection:
        [stored] = connection.execute(sql("SELECT user_hash FROM bot_questions")).scalars()
        settings = connection.execute(sql("SELECT key FROM bot_settings")).scalars().all()
    engine.dispose()
    assert stored == hmac.new(key, str(OFFICER).encode(), hashlib.sha256).hexdigest()
    assert "user-hash-salt" not in settings  # no key in the database
    assert key not in Path(database.removeprefix("sqlite:///")).read_bytes()
