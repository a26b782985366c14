"""Schema management with Alembic: the tables are created and changed only by migrations.

``ensure_schema`` runs at start-up so the embedded SQLite default needs no extra command; on
PostgreSQL an advisory lock makes instances starting together migrate once. ``tdkt db
upgrade`` runs the same migrations explicitly (deployments that separate the two steps).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 7_302_024  # arbitrary, constant: the advisory lock guarding migrations


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (serialised across processes on PostgreSQL)."""
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
    current = current_revision(engine)
    if current is None:
        _adopt_unversioned(engine)
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)


def _adopt_unversioned(engine: Engine) -> None:
    """Databases made before migrations existed (tables, no version): mark the revision whose
    tables they hold, so the upgrade adds only what is missing instead of failing."""
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    if "documents" not in tables:
        return
    columns = {c["name"] for c in inspector.get_columns("documents")}
    if "attachment" in {c["name"] for c in inspector.get_columns("units")}:
        revision = "0004"
    elif "scope" in columns:
        revision = "0003"
    else:
        revision = "0002" if "bot_answers" in tables else "0001"
    command.stamp(alembic_config(engine), revision)
