"""Schema management with Alembic: the tables are created and changed only by migrations.

``ensure_schema`` runs at start-up so the embedded SQLite default needs no extra command; on
PostgreSQL an advisory lock makes instances starting together migrate once. ``tdkt db
upgrade`` runs the same migrations explicitly (deployments that separate the two steps).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 7_302_024  # arbitrary, constant: the advisory lock guarding migrations
SCHEMA_HEAD = "0007"
"""The newest migration's revision (tests/test_schema.py checks it against Alembic's head).
A database stamped with it needs no migration, and start-up then never imports Alembic, which
with Mako and Pygments costs ~0.3 s of every command's and the bot's start."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (serialised across processes on PostgreSQL)."""
    from alembic import command

    config = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
            try:
                command.upgrade(config, revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
                lock.commit()
    else:
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the latest schema if it is not there yet (cheap when it is)."""
    if _stamped_head(engine):
        return
    current = current_revision(engine)
    if current is None:
        _adopt_unversioned(engine)
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)


def _stamped_head(engine: Engine) -> bool:
    """Whether the database says it is at :data:`SCHEMA_HEAD` (one plain query, no Alembic)."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return False
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [v for (v,) in versions] == [SCHEMA_HEAD]


_ADDED_COLUMNS = (
    ("0007", "bot_answers", "extra"),
    ("0005", "units", "attachment"),
    ("0004", "bot_feedback", "reason"),
    ("0003", "documents", "scope"),
)
"""A column each migration adds, newest first: a database that lost its version row is at
the newest migration whose column it holds."""


def _adopt_unversioned(engine: Engine) -> None:
    """Databases made before migrations existed (tables, no version): mark the revision whose
    tables they hold, so the upgrade adds only what is missing instead of failing. A database
    whose tables already match the models exactly is at the newest revision."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import knowledge.activity
    import knowledge.store  # noqa: F401  (both register their tables on Base.metadata)
    from knowledge.db import Base

    tables = set(inspect(engine).get_table_names())
    if "documents" not in tables:
        return
    with engine.connect() as connection:
        current = not compare_metadata(MigrationContext.configure(connection), Base.metadata)
    inspector = inspect(engine)
    present = next(
        (
            revision
            for revision, table, column in _ADDED_COLUMNS
            if table in tables and column in {c["name"] for c in inspector.get_columns(table)}
        ),
        None,
    )
    if current:
        revision = "head"
    elif present is not None:  # that migration's columns are there: applying it again fails
        revision = present
    else:
        revision = "0002" if "bot_answers" in tables else "0001"
    command.stamp(alembic_config(engine), revision)
