"""The Alembic migrations build exactly the schema the models describe, on SQLite and
PostgreSQL, and ``tdkt db upgrade`` applies them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import knowledge.activity  # noqa: F401  (registers the bot's tables)
from knowledge.db import Base, make_engine
from knowledge.schema import SCHEMA_HEAD, current_revision, head_revision, upgrade
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


def test_schema_head_constant_is_alembics_head(tmp_path: Path) -> None:
    """SCHEMA_HEAD lets start-up skip Alembic; a new migration must move it."""
    assert head_revision(make_engine(f"sqlite:///{tmp_path / 'x.db'}")) == SCHEMA_HEAD


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    KnowledgeStore(url).close()  # created and migrated here
    code = (
        "import sys; from knowledge.store import KnowledgeStore; "
        f"KnowledgeStore({url!r}).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_store_upgrades_a_fresh_database_once(database_url: str) -> None:
    store = KnowledgeStore(database_url)
    assert current_revision(store.engine) == head_revision(store.engine)
    KnowledgeStore(database_url).close()  # already at head: nothing to do, no error
    store.close()


def test_db_upgrade_command(database_url: str) -> None:
    env = {**os.environ, "TDKT_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    current = subprocess.run(
        [sys.executable, "-m", "bot", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
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


def test_migration_0004_drops_decided_upload_bytes_and_the_stored_salt(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    rows = [("a", "da-dang"), ("b", "da-huy"), ("c", "cho-duyet"), ("d", "dang-xu-ly")]
    with engine.begin() as connection:
        for upload_id, state in rows:
            connection.execute(
                text(
                    "INSERT INTO bot_pending_uploads (id, user_hash, created_at, filename, "
                    "caption, data, number, state, result) VALUES (:id, 'h', CURRENT_TIMESTAMP, "
                    "'f.txt', '', :data, '1', :state, '')"
                ),
                {"id": upload_id, "data": b"x" * 1000, "state": state},
            )
        connection.execute(
            text(
                "INSERT INTO bot_settings (key, value) VALUES "
                "('user-hash-salt', 'ab'), ('other', 'kept')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        sizes = dict(
            connection.execute(text("SELECT id, length(data) FROM bot_pending_uploads")).all()
        )
        settings = [k for (k,) in connection.execute(text("SELECT key FROM bot_settings"))]
    assert sizes == {"a": 0, "b": 0, "c": 1000, "d": 1000}  # pending/processing keep theirs
    assert settings == ["other"]
    engine.dispose()


@pytest.mark.parametrize("revision", ["0003", "0004", "0005", "0006"])
def test_unversioned_database_is_adopted_at_the_columns_it_holds(
    tmp_path: Path, revision: str
) -> None:
    """A database that lost its version row (columns of later migrations there, not head)
    is stamped at the newest migration whose columns it holds: none is applied twice."""
    from knowledge.schema import ensure_schema

    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    upgrade(engine, revision)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    ensure_schema(engine)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()
