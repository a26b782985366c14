"""Several instances: two real ``tdkt bot --webhook`` processes sharing one database.

Behind a load balancer any instance may receive any update. Both must answer, and an update
to the knowledge base made through one (an admin's upload published, a document retired) must
reach the other within seconds, without a restart, while both keep answering. The fake Bot
API server records the bots' calls; it does not deliver webhook updates, so the test POSTs
each update to the chosen instance's webhook endpoint with the secret token, as Telegram
would. PostgreSQL is the production setup (skipped without TDKT_TEST_POSTGRES_URL); the SQLite
variant shows the same version switch and always runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_REFRESH_SECONDS, ConfigError, Settings
from knowledge.store import KnowledgeStore
from retrieval.engine import SearchEngine
from tests.bot_harness import (
    ADMIN,
    ID_SECRET,
    TOKEN,
    buttons,
    copy_database,
    entity_texts,
    free_port,
    load_corpus,
    postgres_database,
)
from tests.conftest import CORPUS, POSTGRES_URL
from tests.fake_bot_api import FakeBotApi
from tests.sample_docs import QUY_CHE_MAU

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bi-mat_nhieu-phien-ban"
HOOK = "https://example.invalid/hook"
NUMBER = "01/2099/QC-MAU"
CAPTION = "tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn"
CITATION_NAME = "Quy chế thi đua mẫu số 01/2099/QC-MAU"
BONSAI = "Người trồng cây giỏi phải chăm sóc mấy chậu bonsai?"
QUESTION = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?"
SWITCH_DEADLINE = 10.0


@dataclass
class Instance:
    """One ``tdkt bot --webhook`` process and the users whose chats only it serves."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def post(self, update: dict[str, Any], timeout: float = 30) -> None:
        """Deliver an update the way Telegram does (retrying until the server listens)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/hook",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == 200
                    return
            except urllib.error.HTTPError:
                raise
            except OSError as exc:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"{self.name} is not listening:\n{self.output()}") from exc
                time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.output()


def _start(name: str, server: FakeBotApi, database: str, folder: Path) -> Instance:
    port = free_port()
    log = folder / f"{name}.log"
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.url,
        TDKT_DATABASE_URL=database,
        TDKT_ADMIN_IDS=str(ADMIN),
        PYTHONUNBUFFERED="1",
        TDKT_ID_SECRET=ID_SECRET,
    )  # instances on one database share the user-id key
    env.pop("TDKT_REFRESH_SECONDS", None)  # the default interval is what is measured
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "bot",
                "--webhook",
                HOOK,
                "--listen",
                "127.0.0.1",
                "--port",
                str(port),
                "--secret-token",
                SECRET,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Instance(name, port, process, log)


class Cluster:
    """The fake Bot API server and the instances; helpers that wait for the bots' replies."""

    def __init__(self, server: FakeBotApi, instances: list[Instance]) -> None:
        self.server = server
        self.instances = instances
        self._users = iter(range(810_000, 820_000))
        self._lock = threading.Lock()

    def user(self) -> int:
        with self._lock:
            return next(self._users)

    def ask(
        self, instance: Instance, question: str, user: int | None = None, timeout: float = 20
    ) -> dict[str, Any]:
        """Post a question to ``instance`` from a chat only it serves; return the answer."""
        user = user if user is not None else self.user()
        mark = self.server.mark()
        instance.post(self.server.send_text(question, user_id=user))
        self.server.wait_for(
            "sendMessage", lambda p: int(p["chat_id"]) == user, timeout, since=mark
        )
        found = self.server.last_sent(user)
        assert found is not None
        return found

    def admin_does(
        self,
        instance: Instance,
        update: dict[str, Any],
        method: str,
        expected: str,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """Post an admin's update and wait for the reply or edit containing ``expected``."""
        mark = self.server.mark()
        instance.post(update)
        params = self.server.wait_for(
            method,
            lambda p: int(p["chat_id"]) == ADMIN and expected in p["text"],
            timeout,
            since=mark,
        )
        found = (
            self.server.message(ADMIN, params["message_id"])
            if "message_id" in params
            else self.server.last_sent(ADMIN)
        )
        assert found is not None
        return found


def citation(message: dict[str, Any]) -> str:
    bold = entity_texts(message, "bold")
    return bold[0] if bold else ""


def wait_until_cited(
    cluster: Cluster, instance: Instance, present: bool, started: float
) -> tuple[float, int]:
    """Ask ``instance`` the bonsai question until its answer does (or no longer does) cite the
    sample regulation; (seconds since ``started``, questions asked). Fails after
    SWITCH_DEADLINE seconds."""
    asked = 0
    while True:
        asked += 1
        message = cluster.ask(instance, BONSAI)
        if citation(message).endswith(CITATION_NAME) == present:
            return time.monotonic() - started, asked
        assert time.monotonic() - started < SWITCH_DEADLINE, (
            f"{instance.name} still answers from the old version after {SWITCH_DEADLINE}s: "
            f"{message['text'][:200]}"
        )
        time.sleep(0.2)


class Background:
    """Officers keep asking both instances a corpus question while the update happens."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.answers: list[tuple[str, str]] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="officers", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for instance in self.cluster.instances:
                    message = self.cluster.ask(instance, QUESTION)
                    self.answers.append((instance.name, citation(message)))
                self._stop.wait(0.3)
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.errors.append(exc)

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database holding the corpus, shared by both instances."""
    if not (CORPUS / "manifest.toml").exists():
        pytest.skip("../shared/corpus not found")
    if request.param == "sqlite":
        corpus_db = request.getfixturevalue("corpus_db")
        yield copy_database(corpus_db, tmp_path)
        return
    if not POSTGRES_URL:
        pytest.skip("TDKT_TEST_POSTGRES_URL not set (scripts/postgres-test-server)")
    with postgres_database(POSTGRES_URL) as url:
        load_corpus(url, CORPUS)
        yield url


@pytest.fixture
def cluster(shared_database: str, tmp_path: Path) -> Iterator[Cluster]:
    with FakeBotApi() as server:
        instances = [_start(name, server, shared_database, tmp_path) for name in ("A", "B")]
        try:
            deadline = time.monotonic() + 60
            while len(server.calls_to("setWebhook")) < len(instances):
                assert time.monotonic() < deadline, [i.output() for i in instances]
                assert all(i.process.poll() is None for i in instances), [
                    i.output() for i in instances
                ]
                time.sleep(0.1)
            yield Cluster(server, instances)
        finally:
            outputs = {i.name: i.stop() for i in instances}
        for name, output in outputs.items():
            assert TOKEN not in output, name
            assert "Traceback" not in output, f"{name}:\n{output}"


def test_two_instances_share_updates(
    cluster: Cluster, shared_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = cluster.instances
    server = cluster.server
    store = KnowledgeStore(shared_database)
    expected = SearchEngine(store).search(QUESTION, 1)[0].citation
    store.close()

    # Both instances answer, each from the shared knowledge base.
    for instance in (a, b):
        assert citation(cluster.ask(instance, QUESTION, timeout=60)) == expected
        assert not citation(cluster.ask(instance, BONSAI)).endswith(CITATION_NAME)
    hooks = server.calls_to("setWebhook")
    assert len(hooks) == 2 and {h["url"] for h in hooks} == {HOOK}
    assert all(h["secret_token"] == SECRET for h in hooks)

    with Background(cluster) as officers:
        # An admin uploads the fictional regulation through A and publishes it there.
        preview = cluster.admin_does(
            a,
            server.send_document(
                "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=ADMIN, caption=CAPTION
            ),
            "sendMessage",
            "Xem trước tài liệu",
        )
        cluster.admin_does(
            a,
            server.press_button(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN),
            "editMessageText",
            "✅ Đã đăng.",
        )
        published = time.monotonic()  # committed before the bot said so
        assert citation(cluster.ask(a, BONSAI)).endswith(CITATION_NAME)  # A: at once
        to_b, asked_b = wait_until_cited(cluster, b, present=True, started=published)

        # Retired through B: A stops citing it.
        confirm = cluster.admin_does(
            b,
            server.send_command("xoa", NUMBER, user_id=ADMIN),
            "sendMessage",
            f"Gỡ văn bản <b>{NUMBER}</b>",
        )
        cluster.admin_does(
            b,
            server.press_button(confirm, buttons(confirm)["🗑 Gỡ văn bản"], user_id=ADMIN),
            "editMessageText",
            f"✅ Đã gỡ {NUMBER}.",
        )
        retired = time.monotonic()
        assert not citation(cluster.ask(b, BONSAI)).endswith(CITATION_NAME)
        to_a, asked_a = wait_until_cited(cluster, a, present=False, started=retired)

    assert not officers.errors, officers.errors
    served = {name for name, _ in officers.answers}
    assert served == {"A", "B"}
    assert all(c == expected for _, c in officers.answers), officers.answers
    assert [f for f in server.failed_calls if f.method != "getUpdates"] == []
    kind = "sqlite" if shared_database.startswith("sqlite") else "postgresql"
    with capsys.disabled():
        print(
            f"\n[{kind}] version switch between instances (refresh every "
            f"{DEFAULT_REFRESH_SECONDS:g} s): published via A → B answers from it after "
            f"{to_b:.2f} s ({asked_b} questions); retired via B → A after {to_a:.2f} s "
            f"({asked_a} questions); {len(officers.answers)} officer questions answered "
            "meanwhile"
        )
    assert to_b < SWITCH_DEADLINE and to_a < SWITCH_DEADLINE


def test_refresh_interval_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TDKT_REFRESH_SECONDS", raising=False)
    assert Settings.from_env().refresh_seconds == DEFAULT_REFRESH_SECONDS
    monkeypatch.setenv("TDKT_REFRESH_SECONDS", "0.5")
    assert Settings.from_env().refresh_seconds == 0.5
    assert Settings.from_env().engine_options()["check_interval"] == 0.5
    for bad in ("abc", "0", "-1", "99999"):
        monkeypatch.setenv("TDKT_REFRESH_SECONDS", bad)
        with pytest.raises(ConfigError, match="TDKT_REFRESH_SECONDS"):
            Settings.from_env()
