"""Database wiring: one declarative Base, engines for SQLite (default) or any SQLAlchemy URL.

SQLite gets WAL mode and a busy timeout so the bot can read while an admin update writes.
Every row written through the ORM is fitted to what PostgreSQL accepts (see
:func:`_fit_strings`), so what works on the embedded SQLite default also works on a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, ExceptionContext, String, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapper, sessionmaker

DEFAULT_DATA_DIR = "var"
DEFAULT_DB_NAME = "tdkt.db"
POOL_SIZE = 10
POOL_OVERFLOW = 22
"""Up to 32 connections per process: as many as asyncio's default worker threads (the bot runs
every database call in one), so a burst of concurrent updates never waits for the pool."""


class Base(DeclarativeBase):
    """All tables of the product (knowledge base and bot activity) share this metadata."""


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _fit_strings(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    """Make text values storable everywhere. SQLite keeps anything; PostgreSQL rejects NUL
    characters (an upload, a caption or a question may carry one) and strings longer than
    their VARCHAR (a long file name or a caption typo as document number). NUL becomes a
    space, so offsets into a document's text stay valid; over-long values are cut to fit."""
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        if not isinstance(column_type, String):
            continue
        value = target.__dict__.get(prop.key)
        if not isinstance(value, str):
            continue
        fitted = value.replace("\x00", " ") if "\x00" in value else value
        if column_type.length is not None and len(fitted) > column_type.length:
            fitted = fitted[: column_type.length]
        if fitted is not value:
            setattr(target, prop.key, fitted)


def default_database_url(data_dir: Path = Path(DEFAULT_DATA_DIR)) -> str:
    """The embedded default: an SQLite file in ``data_dir`` (created if missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / DEFAULT_DB_NAME).resolve()}"


def is_read_only(error: BaseException | None) -> bool:
    """The database refused a write because the connection is read-only: SQLite opened
    without write access (SQLITE_READONLY), PostgreSQL in a read-only transaction (a standby
    after a failover, ``default_transaction_read_only``; SQLSTATE 25006)."""
    if getattr(error, "sqlstate", None) == "25006":
        return True
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == _SQLITE_READONLY  # the primary code of SQLITE_READONLY_*
    return "readonly database" in str(error)


_SQLITE_READONLY = 8


def _renew_read_only_connections(engine: Engine) -> None:
    """Treat "read-only" like a lost connection: the pool is emptied, so the next write opens
    a new connection. Why: a connection opened while the database could not be written keeps
    refusing writes after write access returns (SQLite decides at open time, a PostgreSQL
    session keeps its read-only setting), and pooled connections live as long as the process:
    the bot would answer without saving until restarted."""

    @event.listens_for(engine, "handle_error")
    def _read_only(context: ExceptionContext) -> None:
        if is_read_only(context.original_exception):
            context.is_disconnect = True


def make_engine(url: str | None = None) -> Engine:
    """An engine with sane defaults for the embedded and server databases."""
    url = url or default_database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _renew_read_only_connections(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    _renew_read_only_connections(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def db_reason(error: SQLAlchemyError) -> str:
    """The driver's own words ("database is locked"), without SQLAlchemy's statement and
    parameters: those would copy whole answers (and questions) into the log."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:300]
