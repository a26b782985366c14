"""The bot end to end with the knowledge base and its activity in PostgreSQL.

The other bot tests run on SQLite copies of the corpus; production with several instances
runs on PostgreSQL, which is stricter (lengths, NUL characters, bytea, its own isolation and
sequences). This module loads the real corpus into a fresh PostgreSQL database with
``sync_folder`` and drives the main flows through the real bot and the fake Bot API server:
a question with its citation, "Kết quả khác", feedback, a deep link, a training session
exported as .docx, an admin upload previewed then published, /xoa and /thongke. Skipped when
TDKT_TEST_POSTGRES_URL is not set (.ci/run sets it).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import event, func, select
from sqlalchemy import text as sql

from knowledge.activity import UPLOAD_PENDING, UPLOAD_PUBLISHED, ActivityStore
from knowledge.store import Changeset, DocumentRow, KnowledgeStore
from knowledge.sync import parse_bytes, prepare
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.bot_harness import (
    ADMIN,
    ID_KEY,
    OFFICER,
    OTHER,
    Harness,
    buttons,
    entity_texts,
    load_corpus,
    postgres_database,
    sent_messages,
    shown,
)
from tests.conftest import CORPUS, POSTGRES_URL, corpus_available
from tests.sample_docs import QUY_CHE_MAU, sample_item

try:
    from tests.fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP
except ImportError:  # pragma: no cover
    from fake_bot_api import DEFAULT_GROUP_CHAT_ID as GROUP  # type: ignore[no-redef]

QUESTION = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?"
Q2 = "Ai có thẩm quyền quyết định tặng giấy khen?"
NUMBER = "01/2099/QC-MAU"
CAPTION = "tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn"
CITATION_NAME = "Quy chế thi đua mẫu số 01/2099/QC-MAU"
BONSAI = "Người trồng cây giỏi phải chăm sóc mấy chậu bonsai?"
TRAINER = 555001


@pytest.fixture(scope="module")
def pg_corpus() -> Iterator[str]:
    """A fresh PostgreSQL database holding the whole corpus (loaded as `tdkt kb sync` does)."""
    if not POSTGRES_URL:
        pytest.skip("TDKT_TEST_POSTGRES_URL not set (scripts/postgres-test-server)")
    if not corpus_available():
        pytest.skip("../shared/corpus not found")
    with postgres_database(POSTGRES_URL) as url:
        load_corpus(url, CORPUS)
        yield url


@pytest.fixture(scope="module")
def bot_database(pg_corpus: str) -> str:
    """The shared ``bot`` fixture (tests/conftest.py) serves the PostgreSQL corpus."""
    return pg_corpus


@pytest.fixture(scope="module")
def expected(bot: Harness) -> SearchEngine:
    return bot.services.engine


def _ask(bot: Harness, question: str, user_id: int = OFFICER) -> dict:
    [reply] = sent_messages(bot.text(question, user_id=user_id))
    assert reply.params["parse_mode"] == "HTML"
    return bot.last(user_id)


def _count(bot: Harness, table: str) -> int:
    with bot.services.store.engine.connect() as conn:
        return int(conn.execute(sql(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_bot_really_runs_on_postgresql(bot: Harness) -> None:
    assert bot.services.store.engine.dialect.name == "postgresql"
    assert bot.services.store.current_version() == 1
    assert len(bot.services.engine.index) > 500  # the whole corpus, read from PostgreSQL


def test_question_with_citation_and_more_results(bot: Harness, expected: SearchEngine) -> None:
    top = expected.search(QUESTION, 5)
    message = _ask(bot, QUESTION)
    assert entity_texts(message, "bold")[0] == top[0].citation
    assert " ".join(top[0].text.split()[:8]) in " ".join(message["text"].split())
    calls = bot.press(message, buttons(message)["➡️ Kết quả khác"])
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    edited = bot.message(OFFICER, message["message_id"])
    assert entity_texts(edited, "bold")[0] == top[1].citation
    full = next(data for text, data in buttons(edited).items() if text.startswith("📖"))
    articles = sent_messages(bot.press(edited, full))
    view = bot.services.store.unit(top[1].unit_id)
    assert articles and articles[0].text.startswith(f"📖 <b>{view.citation}</b>")


def test_feedback_is_stored_in_postgresql(bot: Harness) -> None:
    message = _ask(bot, QUESTION)
    answer_id = buttons(message)["👍"].split(":")[1]
    before = _count(bot, "bot_feedback")
    bot.press(message, buttons(message)["👍"])
    assert bot.services.activity.feedback(answer_id) == [(0, 1)]
    bot.press(message, buttons(message)["👎"])  # changed, not added
    assert bot.services.activity.feedback(answer_id) == [(0, -1)]
    assert _count(bot, "bot_feedback") == before + 1


def test_share_deep_link(bot: Harness) -> None:
    message = _ask(bot, Q2)
    [share] = sent_messages(bot.press(message, buttons(message)["📤 Chia sẻ"]))
    answer_id = buttons(message)["👍"].split(":")[1]
    assert f"https://t.me/tdkt_test_bot?start=a_{answer_id}" in share.text
    sent_messages(bot.command("start", f"a_{answer_id}", user_id=OTHER))
    shared = bot.last(OTHER)
    assert shared["text"].startswith("🔗 Câu trả lời được chia sẻ:")
    assert entity_texts(shared, "bold")[0] == entity_texts(message, "bold")[0]


def test_training_session_export(bot: Harness, expected: SearchEngine) -> None:
    bot.command("phien_bat_dau", "Tập huấn PostgreSQL", chat_type="group", user_id=TRAINER)
    bot.command("hoi", QUESTION, chat_type="group", user_id=TRAINER)
    bot.command("hoi", Q2, chat_type="group", user_id=OTHER)
    calls = bot.command("phien_ket_thuc", chat_type="group", user_id=TRAINER)
    [sent] = [c for c in calls if c.method == "sendDocument"]
    assert sent.params["chat_id"] == GROUP and "2 câu hỏi" in sent.text
    paragraphs = [p.text for p in Document(io.BytesIO(bot.server.documents[-1].data)).paragraphs]
    text = "\n".join(paragraphs)
    assert "Phiên tập huấn: Tập huấn PostgreSQL" in text
    # Times are stored as naive UTC and shown in Vietnam time (UTC+7), whatever the server's.
    started = re.search(r"Bắt đầu: (\d\d:\d\d \d\d/\d\d/\d{4})", text)
    assert started is not None
    started_at = datetime.strptime(started.group(1), "%H:%M %d/%m/%Y")
    vietnam_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)
    assert abs(started_at - vietnam_now) < timedelta(minutes=2)
    for n, question in enumerate((QUESTION, Q2), start=1):
        assert f"Câu hỏi {n}: {question}" in text
        top = shown(expected, question)[0]
        assert top.citation in paragraphs  # as the chat showed it: the first result
        assert (top.context_text or top.text).split("\n")[0].strip() in text


def test_admin_upload_preview_then_publish(bot: Harness) -> None:
    store = bot.services.store
    version = store.current_version()
    calls = bot.do(
        lambda: bot.server.send_document(
            "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=ADMIN, caption=CAPTION
        )
    )
    assert [c.method for c in calls] == ["sendChatAction", "getFile", "sendMessage"]
    preview = bot.last(ADMIN)
    assert f"Số hiệu: {NUMBER}" in preview["text"]
    upload_id = buttons(preview)["✅ Đăng"].split(":")[1]
    pending = bot.services.activity.upload(upload_id)
    assert pending.state == UPLOAD_PENDING and pending.data == QUY_CHE_MAU.encode()  # bytea
    assert store.current_version() == version
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    final = bot.message(ADMIN, preview["message_id"])
    assert "✅ Đã đăng." in final["text"] and f"+ thêm: {NUMBER}" in final["text"]
    assert store.current_version() == version + 1
    assert bot.services.activity.upload(upload_id).state == UPLOAD_PUBLISHED
    message = _ask(bot, BONSAI)
    assert entity_texts(message, "bold")[0].endswith(CITATION_NAME)
    assert "ba chậu bonsai" in message["text"]


def test_xoa_retires_the_upload(bot: Harness) -> None:
    bot.command("xoa", NUMBER, user_id=ADMIN)
    confirm = bot.last(ADMIN)
    bot.press(confirm, buttons(confirm)["🗑 Gỡ văn bản"], user_id=ADMIN)
    assert bot.message(ADMIN, confirm["message_id"])["text"].startswith(f"✅ Đã gỡ {NUMBER}.")
    assert bot.services.store.find_active(NUMBER) is None
    assert CITATION_NAME not in _ask(bot, BONSAI)["text"]


def test_thongke(bot: Harness) -> None:
    [refused] = sent_messages(bot.command("thongke"))
    assert refused.text.startswith("Xin lỗi")
    sent_messages(bot.command("thongke", user_id=ADMIN))
    text = bot.last(ADMIN)["text"]
    assert text.startswith("📊 Thống kê 7 ngày qua")
    assert f"{QUESTION} (" in text  # the most asked question of this module
    assert "👎 gần đây:" in text and f"“{QUESTION}” → " in text


def test_inputs_postgresql_is_stricter_about(bot: Harness) -> None:
    """SQLite stores anything; PostgreSQL refuses NUL characters in text and strings longer
    than their column. Neither may turn into an error for the officer or the admin."""
    message = _ask(bot, "Tiêu chuẩn danh hiệu\x00 Tập thể lao động xuất sắc")
    assert "Kết quả 1/" in message["text"]
    long_name = "quy-che-" + "rat-dai-" * 40 + ".txt"
    long_number = "02/2099/QC-" + "X" * 150
    with_nul = QUY_CHE_MAU.replace("Phạm vi", "Phạm\x00 vi").encode("utf-16")
    bot.do(
        lambda: bot.server.send_document(
            long_name, with_nul, user_id=ADMIN, caption=f"số: {long_number}"
        )
    )
    preview = bot.last(ADMIN)
    assert "Xem trước tài liệu" in preview["text"], preview["text"]
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    final = bot.message(ADMIN, preview["message_id"])
    assert "✅ Đã đăng." in final["text"], final["text"]
    assert bot.services.store.find_active(long_number[:120]) is not None


def test_concurrent_questions_share_the_connection_pool(
    bot: Harness, expected: SearchEngine
) -> None:
    """Updates are handled concurrently, each in a worker thread with its own connection."""
    questions = [QUESTION, Q2, BONSAI, "Kỷ niệm chương là gì?"] * 10
    users = [700000 + n for n in range(len(questions))]
    updates = [bot.server.send_text(q, user_id=u) for q, u in zip(questions, users, strict=True)]
    for update in updates:
        bot.wait_done(update["update_id"], timeout=60)
    for question, user in zip(questions, users, strict=True):
        top = shown(expected, question)
        if top:
            assert entity_texts(bot.last(user), "bold")[0] == top[0].citation
    assert [f for f in bot.server.failed_calls if f.method != "getUpdates"] == []


# -- storage-level behaviour both databases must share -------------------------------------------


def test_versions_commit_in_order(database_url: str) -> None:
    """A reader must never see a version while a smaller one is still uncommitted: instances
    poll max(version) and would miss that update for good. On PostgreSQL ids come from a
    sequence at flush time, so the store serialises updates with a transaction lock."""
    store = KnowledgeStore(database_url)
    main = threading.current_thread()
    flushed, release = threading.Event(), threading.Event()

    def pause_slow(session: object, context: object) -> None:
        if threading.current_thread() is not main and not flushed.is_set():
            flushed.set()  # the slow update has its version id and has not committed
            assert release.wait(20)

    versions: dict[str, int] = {}
    before = store.current_version()
    event.listen(store.sessions, "after_flush", pause_slow)
    try:
        slow = threading.Thread(
            target=lambda: versions.setdefault("slow", store.apply(_changeset(QUY_CHE_MAU)))
        )
        slow.start()
        assert flushed.wait(20)
        fast = threading.Thread(
            target=lambda: versions.setdefault(
                "fast", store.apply(Changeset(retire_ids=[10**9], summary="fast"))
            )
        )
        fast.start()
        fast.join(1.0)
        seen = store.current_version()  # what another instance would poll meanwhile
        release.set()
        slow.join(20)
        fast.join(20)
    finally:
        event.remove(store.sessions, "after_flush", pause_slow)
    assert seen == before
    assert before < versions["slow"] < versions["fast"] == store.current_version()
    store.close()


def _changeset(text: str) -> Changeset:
    """Adding the fictional "Quy chế mẫu" as ``tdkt kb add`` would."""
    parsed = parse_bytes(text.encode(), "quy-che-mau.txt")
    return Changeset(add=[prepare(parsed, "hash", "test", tokenize)], summary="add")


def test_one_active_document_per_number_even_when_updates_race(database_url: str) -> None:
    """Two instances publishing the same number at once each decided from the same listing;
    the store still keeps one active document per number."""
    store = KnowledgeStore(database_url)
    first, second = _changeset(QUY_CHE_MAU), _changeset(QUY_CHE_MAU.replace("ba chậu", "hai"))
    store.apply(first)
    store.apply(second)  # decided without seeing the first one (no retire_ids)
    with store.sessions() as s:
        active = s.scalar(
            select(func.count()).select_from(DocumentRow).where(DocumentRow.active.is_(True))
        )
    assert active == 1
    store.close()


def test_activity_races(database_url: str) -> None:
    """Double clicks from two instances: an upload is claimed once, a vote stays one row, both
    hash a user alike."""
    stores = [KnowledgeStore(database_url) for _ in range(2)]
    activities = [ActivityStore(s, id_key=ID_KEY) for s in stores]
    barrier = threading.Barrier(8)
    results: list[object] = []

    def run(n: int, func: object) -> None:
        barrier.wait(10)
        results.append(func(n))  # type: ignore[operator]

    def race(func: object) -> list[object]:
        results.clear()
        threads = [threading.Thread(target=run, args=(n, func)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return list(results)

    hashes = race(lambda n: activities[n % 2].user_hash(42))
    assert len(set(hashes)) == 1
    upload_id = activities[0].save_upload(42, "a.txt", b"\x00\xff", caption="c")
    assert sorted(race(lambda n: activities[n % 2].claim_upload(upload_id))) == [False] * 7 + [True]
    item = sample_item(
        document_number="1",
        document_title="t",
        unit_label="1",
        unit_title="t",
        clause=None,
        citation="c",
        text="x",
    )
    answer_id = activities[0].save_answer("q", [item], 1)
    assert all(race(lambda n: activities[n % 2].set_feedback(answer_id, 0, 42, 1 if n % 2 else -1)))
    assert len(activities[1].feedback(answer_id)) == 1
    for store in stores:
        store.close()
