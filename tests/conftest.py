"""Shared fixtures: the real corpus from ../shared/corpus and knowledge bases built from it.

The corpus is never copied into the project; tests read it where it lives.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
DEV_SET = SHARED / "eval" / "dev.jsonl"
DEV_REAL_SET = SHARED / "eval" / "dev_real.jsonl"


POSTGRES_URL = os.environ.get("TDKT_TEST_POSTGRES_URL")
"""Set by .ci/run (scripts/postgres-test-server): storage tests then also run on PostgreSQL."""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, and a new PostgreSQL database when available."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TDKT_TEST_POSTGRES_URL not set (scripts/postgres-test-server)")
    name = f"tdkt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def manifest_documents() -> list[dict]:
    """The corpus manifest's documents: tests count from it, never assume the corpus size."""
    with (CORPUS / "manifest.toml").open("rb") as handle:
        return tomllib.load(handle)["document"]


def corpus_available() -> bool:
    return (CORPUS / "manifest.toml").exists()


needs_corpus = pytest.mark.skipif(not corpus_available(), reason="../shared/corpus not found")


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite file holding the whole corpus, built once per test session."""
    if not corpus_available():
        pytest.skip("../shared/corpus not found")
    path = tmp_path_factory.mktemp("kb") / "corpus.db"
    url = f"sqlite:///{path}"
    store = KnowledgeStore(url)
    report = sync_folder(store, CORPUS, tokenize)
    assert not report.errors, report.errors
    store.close()
    return url


@pytest.fixture(scope="session")
def corpus_store(corpus_db: str) -> KnowledgeStore:
    return KnowledgeStore(corpus_db)


@pytest.fixture(scope="session")
def engine(corpus_store: KnowledgeStore) -> SearchEngine:
    return SearchEngine(corpus_store)
