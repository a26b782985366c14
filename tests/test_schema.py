"""The Alembic migrations build exactly the schema the models describe, on SQLite and
PostgreSQL, and ``tdkt db upgrade`` applies them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import knowledge.activity  # noqa: F401  (registers the bot's tables)
from knowledge.db import Base, make_engine
from knowledge.schema import current_revision, head_revision, upgrade
from knowledge.store import KnowledgeStore

ROOT = Path(__file__).resolve().parents[1]


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    engine.dispose()


def test_store_upgrades_a_fresh_database_once(database_url: str) -> None:
    store = KnowledgeStore(database_url)
    assert current_revision(store.engine) == head_revision(store.engine)
    KnowledgeStore(database_url).close()  # already at head: nothing to do, no error
    store.close()


def test_db_upgrade_command(database_url: str) -> None:
    env = {**os.environ, "TDKT_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    current = subprocess.run(
        [sys.executable, "-m", "bot", "db", "current"], capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=120,
    )
    assert "mới nhất" in current.stdout


def test_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)  # what the first versions did, without Alembic
    assert current_revision(engine) is None
    store = KnowledgeStore(url)
    assert current_revision(store.engine) == head_revision(store.engine)
    assert store.current_version() == 0
    store.close()
    engine.dispose()
