"""What the bot remembers: questions, saved answers, feedback, sessions, uploads, admin actions.

Why in the database and not in memory: an officer may press "Kết quả khác" on yesterday's
answer, open a shared link next week or publish an upload after a restart; everything a user
can come back to must survive the process. The tables live on ``knowledge.db.Base`` so they
share the knowledge base's database (SQLite file or PostgreSQL) and its migrations.

Privacy: Telegram user ids are never stored. Each is replaced by an HMAC-SHA256 of the id
under a secret key that is *not* in the database (``TDKT_ID_SECRET``, or a file in the data
folder: ``bot.config``), so statistics can count distinct people and feedback can be changed
by its author without the database revealing who asked what: ids are few enough (a few
billion) to enumerate, so a key stored beside the hashes would make them reversible.

No Telegram types here: the handlers translate updates into these plain calls.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.db import Base
from knowledge.model import CitedPassage
from knowledge.store import KnowledgeStore

_ID_ALPHABET = string.ascii_letters + string.digits
ANSWER_ID_LENGTH = 10
MIN_ID_KEY_BYTES = 16

STATS_QUESTION_CHARS = 80
"""Questions in statistics are shortened to this many characters."""
ID_LIKE_DIGITS = 7
"""Runs of this many digits or more (phone 10, citizen ID 12, old ID card 9) are masked."""

LOCAL_OFFSET = timedelta(hours=7)
"""Vietnam time (UTC+7, no daylight saving): statistics count days as officers live them."""

FEEDBACK_REASONS = {
    "sai-dieu": "sai điều",
    "thieu-y": "thiếu ý",
    "kho-hieu": "khó hiểu",
    "khac": "khác",
}
"""Reasons an officer may give after 👎 (stored key → label)."""

UPLOAD_PENDING = "cho-duyet"
UPLOAD_PROCESSING = "dang-xu-ly"
UPLOAD_PUBLISHED = "da-dang"
UPLOAD_CANCELLED = "da-huy"
UPLOAD_FAILED = "loi"
UPLOAD_EXPIRED = "het-han"
UPLOAD_DECIDED = frozenset({UPLOAD_PUBLISHED, UPLOAD_CANCELLED, UPLOAD_FAILED, UPLOAD_EXPIRED})
UPLOAD_TTL = timedelta(days=1)
"""A pending upload nobody decided on within a day expires (its bytes are dropped)."""
CLAIM_STALE_SECONDS = 60.0
"""A "processing" claim not renewed for this long belongs to a publisher that is gone."""
CLAIM_RENEW_SECONDS = 15.0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id(length: int = ANSWER_ID_LENGTH) -> str:
    """A short random id, safe in callback data and deep links ([A-Za-z0-9])."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


# -- tables ------------------------------------------------------------------------------------


class SettingRow(Base):
    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SavedAnswerRow(Base):
    __tablename__ = "bot_answers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)
    question: Mapped[str] = mapped_column(Text)
    kb_version: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What goes with the answer as a whole: notes, the corrected question, "weak"."""


class QuestionRow(Base):
    __tablename__ = "bot_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64), index=True)
    chat_type: Mapped[str] = mapped_column(String(20))
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)
    text: Mapped[str] = mapped_column(Text)
    top_citation: Mapped[str | None] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    kb_version: Mapped[int] = mapped_column(Integer, default=0)
    answer_id: Mapped[str | None] = mapped_column(String(16))


class FeedbackRow(Base):
    __tablename__ = "bot_feedback"
    __table_args__ = (UniqueConstraint("answer_id", "item", "user_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[str] = mapped_column(
        ForeignKey("bot_answers.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[int] = mapped_column(Integer)
    user_hash: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)
    reason: Mapped[str | None] = mapped_column(String(20))
    """Why an answer was 👎 (a FEEDBACK_REASONS key), when the officer said."""


class SessionRow(Base):
    __tablename__ = "bot_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class SessionItemRow(Base):
    __tablename__ = "bot_session_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("bot_sessions.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    question: Mapped[str] = mapped_column(Text)
    answer_id: Mapped[str | None] = mapped_column(String(16))


class AdminActionRow(Base):
    __tablename__ = "bot_admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")


class PendingUploadRow(Base):
    __tablename__ = "bot_pending_uploads"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    filename: Mapped[str] = mapped_column(String(255))
    caption: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    number: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(20), default=UPLOAD_PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str] = mapped_column(Text, default="")


# -- plain data --------------------------------------------------------------------------------


@dataclass
class SavedItem(CitedPassage):
    """One result shown to a user, kept verbatim so it can be shown again after updates."""

    replaced_by: str | None = None
    replaced_by_name: str | None = None
    context_text: str | None = None
    """The passage with the context it needs to read well (a clause's lead-in with its
    points; an article's "…các tiêu chuẩn sau đây:" with what follows); None: ``text``."""
    references: list[list[str]] = field(default_factory=list)  # [label, number, button text]
    highlight: str | None = None
    """The line of the passage that answers (the award's line in a money list): shown in
    bold instead of every question word."""
    facet: str | None = None
    """On an award card's overview: which facet this passage is the first of."""
    checklist: bool | None = None
    """Its points are a ☐ checklist: a dossier question answered by a dossier provision
    (None: as the answer says, ``SavedAnswer.checklist``)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedItem:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class SavedAnswer:
    id: str
    question: str
    created_at: datetime
    kb_version: int
    items: list[SavedItem]
    notes: list[str] = field(default_factory=list)
    """Sentences that go with the whole answer (a replaced or not-loaded document)."""
    corrected: str | None = None
    """The question with its spelling corrected, when it was only matched that way."""
    weak: bool = False
    """Only the closest provision was found ("gần nhất với câu hỏi")."""
    award: str | None = None
    """The award card the question was read as (its id), or the card an overview shows."""
    award_name: str | None = None
    facet: str | None = None
    """The card's facet the question asks ("ho_so" …); None with ``award``: the overview."""
    direct: dict[str, Any] | None = None
    """The direct line shown first (retrieval.direct.DirectAnswer.to_json, with the lines
    explaining it under "explanation")."""
    checklist: bool | None = None
    """Whether the points are shown as a ☐ checklist (a dossier question); None for answers
    saved before this was stored: decided from the question's words."""
    award_facets: list[str] | None = None
    """The card's facets that hold provisions (its buttons)."""

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {"notes": self.notes, "corrected": self.corrected, "weak": self.weak}
        for key in ("award", "award_name", "facet", "direct", "checklist", "award_facets"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class SessionInfo:
    id: int
    chat_key: str
    name: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass
class SessionEntry:
    asked_at: datetime
    question: str
    answer: SavedAnswer | None


@dataclass
class SessionExport:
    session: SessionInfo
    entries: list[SessionEntry]


@dataclass
class PendingUpload:
    id: str
    user_hash: str
    created_at: datetime
    filename: str
    caption: str
    data: bytes
    number: str
    state: str
    result: str
    decided_at: datetime | None = None

    @property
    def expired(self) -> bool:
        return self.state == UPLOAD_EXPIRED or (
            self.state == UPLOAD_PENDING and _now() - self.created_at > UPLOAD_TTL
        )

    @property
    def abandoned(self) -> bool:
        """Left "processing" by a publisher that stopped renewing its claim."""
        return self.state == UPLOAD_PROCESSING and (
            self.decided_at is None
            or (_now() - self.decided_at).total_seconds() > CLAIM_STALE_SECONDS
        )


@dataclass
class NegativeFeedback:
    at: datetime
    question: str
    citation: str
    reason: str | None = None
    """A FEEDBACK_REASONS key, or None when no reason was given."""


@dataclass
class ActivityStats:
    """What ``/thongke`` shows: the last ``days`` days."""

    days: list[tuple[date, int]]
    total: int
    unanswered: int
    users: int
    top_questions: list[tuple[str, int]]
    negative: list[NegativeFeedback]
    positive_count: int = 0
    negative_count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    """👎 reasons given in the period (FEEDBACK_REASONS key → count)."""

    @property
    def unanswered_rate(self) -> float:
        return self.unanswered / self.total if self.total else 0.0


# -- the store ---------------------------------------------------------------------------------


class ActivityStore:
    """The bot's stored activity, in the knowledge base's database."""

    def __init__(self, store: KnowledgeStore, *, id_key: bytes) -> None:
        """``id_key``: the HMAC key for user ids, kept outside the database (``bot.config``):
        whoever reads the database alone cannot tell who asked what."""
        if len(id_key) < MIN_ID_KEY_BYTES:
            raise ValueError(f"the user-id key needs at least {MIN_ID_KEY_BYTES} bytes")
        # The tables come from the Alembic migrations that KnowledgeStore applies.
        self.engine = store.engine
        self.sessions = store.sessions
        self._id_key = id_key

    # -- privacy ----------------------------------------------------------------------------
    def user_hash(self, user_id: int | None) -> str:
        """HMAC-SHA256 of the Telegram user id under the deployment's secret key."""
        if user_id is None:
            return ""
        return hmac.new(self._id_key, str(int(user_id)).encode(), hashlib.sha256).hexdigest()

    def chat_key(self, chat_id: int) -> str:
        """How a chat is stored: a group's id as is, a private chat (whose id is the user's
        id) hashed like a user."""
        return str(chat_id) if chat_id < 0 else "u" + self.user_hash(chat_id)[:63]

    # -- answers and questions ----------------------------------------------------------------
    def save_answer(
        self,
        question: str,
        items: list[SavedItem],
        kb_version: int,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """Store the results shown for ``question`` (with what goes with them as a whole,
        ``SavedAnswer.extra``); return their short id."""
        payload = [item.to_dict() for item in items]
        for _ in range(5):
            answer_id = new_id()
            try:
                with self.sessions.begin() as s:
                    s.add(
                        SavedAnswerRow(
                            id=answer_id,
                            question=question,
                            kb_version=kb_version,
                            items=payload,
                            extra=extra,
                        )
                    )
                return answer_id
            except IntegrityError:  # pragma: no cover - 62**10 ids, collisions are theory
                continue
        raise RuntimeError("could not allocate an answer id")

    def answer(self, answer_id: str) -> SavedAnswer | None:
        with self.sessions() as s:
            row = s.get(SavedAnswerRow, answer_id)
            return _saved(row) if row is not None else None

    def record_question(
        self,
        user_id: int | None,
        chat_type: str,
        text: str,
        *,
        answered: bool,
        top_citation: str | None = None,
        kb_version: int = 0,
        answer_id: str | None = None,
        chat_id: int | None = None,
    ) -> int | None:
        """Record a question and, if the chat has an open training session, add it there: one
        transaction per question. Returns the session's id (None: no session)."""
        with self.sessions.begin() as s:
            row = QuestionRow(
                user_hash=self.user_hash(user_id),
                chat_type=chat_type,
                text=text[:4000],
                top_citation=top_citation,
                answered=answered,
                kb_version=kb_version,
                answer_id=answer_id,
            )
            s.add(row)
            if chat_id is None:
                return None
            session = s.scalar(self._open_session(chat_id))
            if session is None:
                return None
            s.add(SessionItemRow(session_id=session.id, question=text[:4000], answer_id=answer_id))
            return int(session.id)

    def set_feedback(self, answer_id: str, item: int, user_id: int, value: int) -> bool:
        """Record 👍 (+1) or 👎 (-1); a user's later vote replaces the earlier one.

        Returns False when the answer (or that result of it) does not exist.
        """
        user = self.user_hash(user_id)
        value = 1 if value > 0 else -1
        for _ in range(2):
            try:
                with self.sessions.begin() as s:
                    saved = s.get(SavedAnswerRow, answer_id)
                    if saved is None or not 0 <= item < len(saved.items or []):
                        return False
                    row = s.scalar(
                        select(FeedbackRow).where(
                            FeedbackRow.answer_id == answer_id,
                            FeedbackRow.item == item,
                            FeedbackRow.user_hash == user,
                        )
                    )
                    if row is None:
                        s.add(
                            FeedbackRow(answer_id=answer_id, item=item, user_hash=user, value=value)
                        )
                    else:
                        row.value = value
                        row.updated_at = _now()
                return True
            except IntegrityError:  # two presses raced; the second pass updates
                continue
        return True

    def set_feedback_reason(self, answer_id: str, item: int, user_id: int, reason: str) -> bool:
        """Attach a reason to the user's 👎 on result ``item`` (a reason is a 👎: one given
        without voting first records the vote too). False for an unknown answer or reason."""
        if reason not in FEEDBACK_REASONS or not self.set_feedback(answer_id, item, user_id, -1):
            return False
        with self.sessions.begin() as s:
            s.execute(
                update(FeedbackRow)
                .where(
                    FeedbackRow.answer_id == answer_id,
                    FeedbackRow.item == item,
                    FeedbackRow.user_hash == self.user_hash(user_id),
                )
                .values(reason=reason, updated_at=_now())
            )
        return True

    def feedback(self, answer_id: str) -> list[tuple[int, int]]:
        """(item, value) of every vote on an answer."""
        with self.sessions() as s:
            q = select(FeedbackRow.item, FeedbackRow.value).where(
                FeedbackRow.answer_id == answer_id
            )
            return [(int(i), int(v)) for i, v in s.execute(q)]

    # -- training sessions ----------------------------------------------------------------------
    def _open_session(self, chat_id: int) -> Select[tuple[SessionRow]]:
        return (
            select(SessionRow)
            .where(SessionRow.chat_key == self.chat_key(chat_id), SessionRow.ended_at.is_(None))
            .order_by(SessionRow.id.desc())
        )

    def active_session(self, chat_id: int) -> SessionInfo | None:
        with self.sessions() as s:
            row = s.scalar(self._open_session(chat_id))
            return _session(row) if row is not None else None

    def start_session(
        self, chat_id: int, name: str, user_id: int | None
    ) -> tuple[SessionInfo, bool]:
        """Start collecting a chat's Q&A; returns (session, created) — an open one is kept."""
        current = self.active_session(chat_id)
        if current is not None:
            return current, False
        with self.sessions.begin() as s:
            row = SessionRow(
                chat_key=self.chat_key(chat_id), name=name[:200], started_by=self.user_hash(user_id)
            )
            s.add(row)
            s.flush()
            return _session(row), True

    def end_session(self, chat_id: int) -> SessionExport | None:
        """Close the chat's open session and return everything asked in it (None if none)."""
        with self.sessions.begin() as s:
            row = s.scalar(self._open_session(chat_id))
            if row is None:
                return None
            row.ended_at = _now()
            info = _session(row)
            items = s.scalars(
                select(SessionItemRow)
                .where(SessionItemRow.session_id == row.id)
                .order_by(SessionItemRow.id)
            ).all()
            ids = {i.answer_id for i in items if i.answer_id}
            answers = (
                {
                    a.id: _saved(a)
                    for a in s.scalars(select(SavedAnswerRow).where(SavedAnswerRow.id.in_(ids)))
                }
                if ids
                else {}
            )
            entries = [
                SessionEntry(i.asked_at, i.question, answers.get(i.answer_id or "")) for i in items
            ]
        return SessionExport(info, entries)

    # -- admin ------------------------------------------------------------------------------------
    def log_admin(
        self, user_id: int | None, action: str, target: str = "", *, ok: bool, detail: str = ""
    ) -> None:
        with self.sessions.begin() as s:
            s.add(
                AdminActionRow(
                    user_hash=self.user_hash(user_id),
                    action=action[:40],
                    target=target[:1000],
                    ok=ok,
                    detail=detail[:4000],
                )
            )

    def admin_actions(self, limit: int = 50) -> list[AdminActionRow]:
        with self.sessions() as s:
            q = select(AdminActionRow).order_by(AdminActionRow.id.desc()).limit(limit)
            return list(s.scalars(q))

    def save_upload(
        self,
        user_id: int | None,
        filename: str,
        data: bytes,
        *,
        caption: str = "",
        number: str = "",
    ) -> str:
        upload_id = new_id()
        with self.sessions.begin() as s:
            s.add(
                PendingUploadRow(
                    id=upload_id,
                    user_hash=self.user_hash(user_id),
                    filename=_fit_filename(filename, 255),
                    caption=caption or "",
                    data=data,
                    number=number[:120],
                )
            )
        return upload_id

    def upload(self, upload_id: str, *, with_data: bool = True) -> PendingUpload | None:
        """A pending upload; its bytes (up to 20 MB) only when asked for: a button press that
        only needs the state should not read them."""
        columns = [c for c in PendingUploadRow.__table__.columns if with_data or c.name != "data"]
        with self.sessions() as s:
            row = s.execute(select(*columns).where(PendingUploadRow.id == upload_id)).first()
            if row is None:
                return None
            return PendingUpload(
                id=row.id,
                user_hash=row.user_hash,
                created_at=row.created_at,
                filename=row.filename,
                caption=row.caption,
                data=bytes(row.data) if with_data else b"",
                number=row.number,
                state=row.state,
                result=row.result,
                decided_at=row.decided_at,
            )

    def claim_upload(
        self, upload_id: str, *, to: str = UPLOAD_PROCESSING, from_state: str = UPLOAD_PENDING
    ) -> bool:
        """Move an upload from ``from_state`` to ``to`` atomically (a double click wins once).

        Claiming for publishing also takes over an abandoned claim: one left "processing" by
        a process that died, or whose messages failed, and not renewed for
        ``CLAIM_STALE_SECONDS`` (see :meth:`renew_claim`).
        """
        now = _now()
        claimable = PendingUploadRow.state == from_state
        if to == UPLOAD_PROCESSING:
            fresh = PendingUploadRow.created_at >= now - UPLOAD_TTL
            claimable = (claimable & fresh) | self._abandoned(now)
        values: dict[str, Any] = {"state": to, "decided_at": now}
        if to in UPLOAD_DECIDED:
            values["data"] = b""  # the bytes are only kept while a decision is pending
        with self.sessions.begin() as s:
            done = s.execute(
                update(PendingUploadRow)
                .where(PendingUploadRow.id == upload_id, claimable)
                .values(**values)
            )
            return bool(done.rowcount)

    @staticmethod
    def _abandoned(now: datetime) -> Any:
        stale = now - timedelta(seconds=CLAIM_STALE_SECONDS)
        return (PendingUploadRow.state == UPLOAD_PROCESSING) & (PendingUploadRow.decided_at < stale)

    def renew_claim(self, upload_id: str) -> None:
        """The publisher is alive: keep its claim (called every ``CLAIM_RENEW_SECONDS``)."""
        with self.sessions.begin() as s:
            s.execute(
                update(PendingUploadRow)
                .where(
                    PendingUploadRow.id == upload_id, PendingUploadRow.state == UPLOAD_PROCESSING
                )
                .values(decided_at=_now())
            )

    def release_upload(self, upload_id: str) -> bool:
        """Put a claimed upload back to pending (publishing stopped before it finished)."""
        return self.claim_upload(upload_id, to=UPLOAD_PENDING, from_state=UPLOAD_PROCESSING)

    def recover_uploads(self, *, all_claims: bool = False) -> int:
        """At start-up: uploads left "processing" by a process that died go back to pending
        (every claim when no other instance can hold one, e.g. on SQLite; otherwise those
        not renewed for ``CLAIM_STALE_SECONDS``), and pending uploads older than
        ``UPLOAD_TTL`` expire. Returns how many claims were released."""
        now = _now()
        stuck = (
            (PendingUploadRow.state == UPLOAD_PROCESSING) if all_claims else self._abandoned(now)
        )
        with self.sessions.begin() as s:
            released = s.execute(
                update(PendingUploadRow).where(stuck).values(state=UPLOAD_PENDING)
            ).rowcount
        self.expire_uploads(now=now)
        return int(released or 0)

    def expire_uploads(self, *, now: datetime | None = None) -> int:
        """Pending uploads older than ``UPLOAD_TTL`` expire and their bytes are dropped."""
        cutoff = (now or _now()) - UPLOAD_TTL
        with self.sessions.begin() as s:
            done = s.execute(
                update(PendingUploadRow)
                .where(
                    PendingUploadRow.state == UPLOAD_PENDING, PendingUploadRow.created_at < cutoff
                )
                .values(state=UPLOAD_EXPIRED, data=b"", decided_at=_now())
            )
            return int(done.rowcount or 0)

    def finish_upload(self, upload_id: str, state: str, result: str = "") -> None:
        """Record the outcome; the file's bytes are no longer needed and are dropped."""
        with self.sessions.begin() as s:
            row = s.get(PendingUploadRow, upload_id)
            if row is not None:
                row.state = state
                row.result = result[:4000]
                row.decided_at = _now()
                row.data = b""

    def discard_upload(self, upload_id: str) -> None:
        """Forget an upload whose preview never reached the admin (nothing to press)."""
        with self.sessions.begin() as s:
            row = s.get(PendingUploadRow, upload_id)
            if row is not None and row.state == UPLOAD_PENDING:
                s.delete(row)

    # -- statistics ---------------------------------------------------------------------------
    def stats(self, days: int = 7, *, now: datetime | None = None, top: int = 5) -> ActivityStats:
        """Questions per (Vietnam) day, no-answer rate, top questions, recent 👎."""
        local_now = (now or _now()) + LOCAL_OFFSET
        first_day = (local_now - timedelta(days=days - 1)).date()
        since = datetime.combine(first_day, datetime.min.time()) - LOCAL_OFFSET
        with self.sessions() as s:
            rows = s.execute(
                select(
                    QuestionRow.asked_at,
                    QuestionRow.text,
                    QuestionRow.answered,
                    QuestionRow.user_hash,
                ).where(QuestionRow.asked_at >= since)
            ).all()
            votes = s.execute(
                select(FeedbackRow.value, func.count())
                .where(FeedbackRow.updated_at >= since)
                .group_by(FeedbackRow.value)
            ).all()
            reasons = s.execute(
                select(FeedbackRow.reason, func.count())
                .where(
                    FeedbackRow.updated_at >= since,
                    FeedbackRow.value < 0,
                    FeedbackRow.reason.is_not(None),
                )
                .group_by(FeedbackRow.reason)
            ).all()
            negative = s.execute(
                select(
                    FeedbackRow.updated_at,
                    FeedbackRow.item,
                    SavedAnswerRow.question,
                    SavedAnswerRow.items,
                    FeedbackRow.reason,
                )
                .join(SavedAnswerRow, SavedAnswerRow.id == FeedbackRow.answer_id)
                .where(FeedbackRow.value < 0)
                .order_by(FeedbackRow.updated_at.desc(), FeedbackRow.id.desc())
                .limit(top)
            ).all()
        per_day = Counter((r.asked_at + LOCAL_OFFSET).date() for r in rows)
        day_list = [
            (first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
            for i in range(days)
        ]
        counted: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for r in rows:
            key = " ".join(r.text.lower().split())
            counted[key] += 1
            shown.setdefault(key, for_statistics(r.text))
        top_questions = [(shown[k], n) for k, n in counted.most_common(top)]
        vote_counts = {int(v): int(n) for v, n in votes}
        negatives = []
        for at, item, question, items, reason in negative:
            citation = ""
            if isinstance(items, list) and 0 <= item < len(items):
                citation = str(items[item].get("citation", ""))
            negatives.append(
                NegativeFeedback(at + LOCAL_OFFSET, for_statistics(question), citation, reason)
            )
        return ActivityStats(
            days=day_list,
            total=len(rows),
            unanswered=sum(1 for r in rows if not r.answered),
            users=len({r.user_hash for r in rows}),
            top_questions=top_questions,
            negative=negatives,
            positive_count=vote_counts.get(1, 0),
            negative_count=vote_counts.get(-1, 0),
            reasons={str(r): int(n) for r, n in reasons},
        )

    def question_log(self, limit: int = 100) -> list[QuestionRow]:
        with self.sessions() as s:
            q = select(QuestionRow).order_by(QuestionRow.id.desc()).limit(limit)
            return list(s.scalars(q))


_ID_LIKE = re.compile(rf"\+?\d(?:[ .\-]?\d){{{ID_LIKE_DIGITS - 1},}}")
MASK = "•••"


def for_statistics(question: str, limit: int = STATS_QUESTION_CHARS) -> str:
    """A question as statistics may show it to admins: ID- and phone-like numbers (seven
    digits or more, spaces, dots and dashes allowed between them) masked, then shortened.

    Why: an officer may type a citizen ID or a phone number into a question; statistics are
    read by other people and must never repeat it. Document numbers (152/2025/NĐ-CP), dates
    and article numbers keep their digits: "/" and short runs are not ID-like.
    """
    text = _ID_LIKE.sub(MASK, " ".join(question.split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit_filename(name: str, limit: int) -> str:
    """Shorten a file name to ``limit`` characters keeping its extension: publishing parses
    the stored upload again and picks the loader by that extension."""
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) >= limit // 2:
        return name[:limit]
    return stem[: limit - len(suffix) - 1] + "." + suffix


def _saved(row: SavedAnswerRow) -> SavedAnswer:
    extra = row.extra if isinstance(row.extra, dict) else {}
    notes = extra.get("notes")
    return SavedAnswer(
        id=row.id,
        question=row.question,
        created_at=row.created_at,
        kb_version=row.kb_version,
        items=[SavedItem.from_dict(d) for d in (row.items or [])],
        notes=[str(n) for n in notes] if isinstance(notes, list) else [],
        corrected=extra.get("corrected") if isinstance(extra.get("corrected"), str) else None,
        weak=bool(extra.get("weak")),
        award=_text(extra.get("award")),
        award_name=_text(extra.get("award_name")),
        facet=_text(extra.get("facet")),
        direct=extra.get("direct") if isinstance(extra.get("direct"), dict) else None,
        checklist=extra.get("checklist") if isinstance(extra.get("checklist"), bool) else None,
        award_facets=[str(f) for f in extra["award_facets"]]
        if isinstance(extra.get("award_facets"), list)
        else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _session(row: SessionRow) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        chat_key=row.chat_key,
        name=row.name,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )
