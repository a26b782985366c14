"""The bot's stored activity: privacy of user ids, persistence across restarts, statistics."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from knowledge.activity import (
    UPLOAD_CANCELLED,
    UPLOAD_PENDING,
    UPLOAD_PROCESSING,
    ActivityStore,
    SavedItem,
)
from knowledge.store import KnowledgeStore
from tests.bot_harness import ID_KEY
from tests.sample_docs import sample_item

USER = 123456789


def _item(n: int = 1) -> SavedItem:
    return sample_item(
        passage_id=n,
        unit_id=n,
        unit_label=str(n),
        unit_title="Tiêu đề",
        citation=f"Khoản 1 Điều {n} Quy chế mẫu số 01/2099/QC-MAU",
        text=f"1. Nội dung {n}.",
        references=[["3", "01/2099/QC-MAU", "Điều 3"]],
    )


def _open(path: Path, key: bytes = ID_KEY) -> tuple[KnowledgeStore, ActivityStore]:
    store = KnowledgeStore(f"sqlite:///{path}")
    return store, ActivityStore(store, id_key=key)


def test_user_ids_are_hashed_with_a_key_kept_outside_the_database(tmp_path: Path) -> None:
    store, activity = _open(tmp_path / "a.db")
    digest = activity.user_hash(USER)
    assert len(digest) == 64 and str(USER) not in digest
    activity.record_question(USER, "private", "Giấy khen là gì?", answered=False)
    activity.set_feedback(activity.save_answer("q", [_item()], 1), 0, USER, 1)
    activity.log_admin(USER, "dang", "01/2099/QC-MAU", ok=True)
    activity.start_session(-4001, "Phiên", USER)
    activity.start_session(USER, "Tự học", USER)  # a private chat's id is the user's id
    activity.save_upload(USER, "a.txt", b"x")
    with store.engine.connect() as conn:  # the raw id appears nowhere in the database
        for table in (
            "bot_questions",
            "bot_feedback",
            "bot_admin_actions",
            "bot_sessions",
            "bot_pending_uploads",
        ):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert all(str(USER) not in str(value) for value in row), table
    store.close()
    database = (tmp_path / "a.db").read_bytes()
    assert ID_KEY not in database and ID_KEY.hex().encode() not in database
    # A restart (new objects, same database, same key) gives the same hash.
    store2, again = _open(tmp_path / "a.db")
    assert again.user_hash(USER) == digest
    store2.close()
    # Whoever has the database but not the key cannot recompute it.
    store3, other = _open(tmp_path / "a.db", key=b"another-key-of-32-bytes-length!!")
    assert other.user_hash(USER) != digest
    store3.close()


def test_saved_answers_feedback_and_uploads_survive_a_restart(tmp_path: Path) -> None:
    store, activity = _open(tmp_path / "a.db")
    answer_id = activity.save_answer("Câu hỏi?", [_item(1), _item(2)], kb_version=3)
    assert answer_id.isalnum() and len(answer_id) == 10
    assert activity.set_feedback(answer_id, 1, USER, 1)
    assert activity.set_feedback(answer_id, 1, USER, -1)  # changeable, still one vote
    assert not activity.set_feedback("nope", 0, USER, 1)
    assert not activity.set_feedback(answer_id, 5, USER, 1)  # no such result
    upload_id = activity.save_upload(
        USER, "quy-che.txt", b"\x00bytes\xff", caption="số: 1", number="01/2099/QC-MAU"
    )
    store.close()

    store, activity = _open(tmp_path / "a.db")
    saved = activity.answer(answer_id)
    assert saved is not None and saved.question == "Câu hỏi?" and saved.kb_version == 3
    assert [i.citation for i in saved.items] == [_item(1).citation, _item(2).citation]
    assert saved.items[0].references == [["3", "01/2099/QC-MAU", "Điều 3"]]
    assert activity.feedback(answer_id) == [(1, -1)]
    upload = activity.upload(upload_id)
    assert upload is not None and upload.data == b"\x00bytes\xff" and upload.state == UPLOAD_PENDING
    assert activity.claim_upload(upload_id)  # a double click wins once
    assert not activity.claim_upload(upload_id)
    assert activity.claim_upload(upload_id, to=UPLOAD_PENDING, from_state=UPLOAD_PROCESSING)
    assert activity.claim_upload(upload_id, to=UPLOAD_CANCELLED)
    assert activity.upload(upload_id).state == UPLOAD_CANCELLED  # type: ignore[union-attr]
    assert activity.answer("missing") is None
    store.close()


def test_sessions_collect_items_until_ended(tmp_path: Path) -> None:
    store, activity = _open(tmp_path / "a.db")
    assert activity.end_session(-1) is None
    session, created = activity.start_session(-1, "Tập huấn", USER)
    assert created
    same, created = activity.start_session(-1, "Khác", USER)
    assert not created and same.id == session.id
    answer_id = activity.save_answer("q1", [_item()], 1)
    asked = {"user_id": USER, "chat_type": "group", "chat_id": -1}
    assert activity.record_question(text="q1", answered=True, answer_id=answer_id, **asked) == (
        session.id
    )
    assert activity.record_question(text="q2", answered=False, **asked) == session.id
    assert activity.record_question(text="q3", answered=False, **{**asked, "chat_id": -2}) is None
    export = activity.end_session(-1)
    assert export is not None and export.session.ended_at is not None
    assert [(e.question, e.answer.id if e.answer else None) for e in export.entries] == [
        ("q1", answer_id),
        ("q2", None),
    ]
    assert activity.active_session(-1) is None
    store.close()


def test_statistics(tmp_path: Path) -> None:
    store, activity = _open(tmp_path / "a.db")
    activity.record_question(1, "private", "Giấy khen?", answered=True, top_citation="Điều 75")
    activity.record_question(2, "group", "giấy  khen?", answered=True)
    activity.record_question(2, "private", "Thời tiết?", answered=False)
    answer_id = activity.save_answer("Giấy khen?", [_item(7)], 1)
    activity.set_feedback(answer_id, 0, 1, -1)
    activity.set_feedback(answer_id, 0, 2, 1)
    stats = activity.stats(7)
    assert stats.total == 3 and stats.unanswered == 1 and stats.users == 2
    assert round(stats.unanswered_rate, 2) == 0.33
    assert stats.top_questions[0] == ("Giấy khen?", 2)
    assert len(stats.days) == 7 and stats.days[-1][1] == 3
    assert (stats.positive_count, stats.negative_count) == (1, 1)
    [negative] = stats.negative
    assert negative.question == "Giấy khen?" and negative.citation == _item(7).citation
    assert negative.reason is None and stats.reasons == {}
    assert activity.set_feedback_reason(answer_id, 0, 2, "sai-dieu")  # 👍 becomes 👎 + reason
    assert not activity.set_feedback_reason(answer_id, 0, 2, "nonsense")
    assert not activity.set_feedback_reason("nope", 0, 2, "khac")
    stats = activity.stats(7)
    assert (stats.positive_count, stats.negative_count) == (0, 2)
    assert stats.reasons == {"sai-dieu": 1}
    assert stats.negative[0].reason == "sai-dieu"
    later = activity.stats(7, now=datetime.now() + timedelta(days=30))
    assert later.total == 0 and later.unanswered_rate == 0
    store.close()


def test_migrations_create_the_activity_tables(tmp_path: Path) -> None:
    from knowledge.db import make_engine
    from knowledge.schema import current_revision, upgrade

    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert current_revision(engine) is not None
    store = KnowledgeStore(url, create=False)
    activity = ActivityStore(store, id_key=ID_KEY)
    answer_id = activity.save_answer("q", [_item()], 1)
    assert activity.set_feedback(answer_id, 0, USER, 1)
    assert activity.stats(7).total == 0
    store.close()
    engine.dispose()
