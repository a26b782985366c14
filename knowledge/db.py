"""Database wiring: one declarative Base, engines for SQLite (default) or any SQLAlchemy URL.

SQLite gets WAL mode and a busy timeout so the bot can read while an admin update writes.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

DEFAULT_DATA_DIR = "var"
DEFAULT_DB_NAME = "tdkt.db"


class Base(DeclarativeBase):
    """All tables of the product (knowledge base and bot activity) share this metadata."""


def default_database_url() -> str:
    """``TDKT_DATABASE_URL`` if set, else an SQLite file under ``TDKT_DATA_DIR`` (./var)."""
    url = os.environ.get("TDKT_DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get("TDKT_DATA_DIR", DEFAULT_DATA_DIR))
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
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
