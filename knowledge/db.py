"""Database wiring: one declarative Base, engines for SQLite (default) or any SQLAlchemy URL.

SQLite gets WAL mode and a busy timeout so the bot can read while an admin update writes.
Every row written through the ORM is fitted to what PostgreSQL accepts (see
:func:`_fit_strings`), so what works on the embedded SQLite default also works on a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event
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


def make_engine(url: str | None = None) -> Engine:
    """An engine with sane defaults for the embedded and server databases."""
    url = url or default_database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                         max_overflow=POOL_OVERFLOW)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def db_reason(error: SQLAlchemyError) -> str:
    """The driver's own words ("database is locked"), without SQLAlchemy's statement and
    parameters: those would copy whole answers (and questions) into the log."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:300]
