"""Shared fixtures: the real corpus from ../shared/corpus, knowledge bases built from it and the
real bot running on one; and the test groups (markers) every test belongs to.

The corpus is never copied into the project; tests read it where it lives.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize

if TYPE_CHECKING:
    from tests.bot_harness import Harness

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


@pytest.fixture(scope="module")
def bot_database(corpus_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The knowledge base the module's ``bot`` serves: a private copy of the corpus database,
    since bot tests change it. A module overrides this fixture to serve another one
    (tests/test_bot_postgres.py: PostgreSQL)."""
    from tests.bot_harness import copy_database

    return copy_database(corpus_db, tmp_path_factory.mktemp("bot"))


@pytest.fixture(scope="module")
def bot(bot_database: str) -> Iterator[Harness]:
    """The real bot, polling the fake Bot API server, shared by the tests of one module.

    Why per module: starting the bot costs a second or two, and a module's tests are written
    to follow each other on one bot (tests/bot_harness.py tells how to drive it).
    """
    from tests.bot_harness import running_bot  # imports the whole bot: only when needed

    with running_bot(bot_database, sources_dir=CORPUS) as harness:
        yield harness


# -- test groups ---------------------------------------------------------------------------
# Every test is in exactly one of unit, parity or e2e (pyproject.toml describes them; the
# README's "Tests" section tells how to run each). A module is unit unless listed here.

PARITY_MODULES = frozenset({"test_bm25_parity.py", "test_segmentation_parity.py"})
E2E_MODULES = frozenset(
    {
        "test_bad_input.py",
        "test_bot_admin.py",
        "test_bot_awards.py",
        "test_bot_groups.py",
        "test_bot_officer.py",
        "test_bot_postgres.py",
        "test_bot_run.py",
        "test_cli.py",
        "test_db_outage.py",
        "test_instances.py",
        "test_load.py",
        "test_update_crash.py",
    }
)
E2E_TESTS = frozenset(
    {
        # The tdkt command run as a child process, in otherwise fast modules.
        "test_query_analysis.py::test_eval_prints_baseline_and_ablation",
        "test_schema.py::test_db_upgrade_command",
    }
)
POSTGRES_MODULES = frozenset({"test_bot_postgres.py"})


def group_of(item: pytest.Item) -> str:
    """unit, parity or e2e: by the test's module, or by the test itself (E2E_TESTS)."""
    module = item.path.name
    if module in PARITY_MODULES:
        return "parity"
    name = getattr(item, "originalname", item.name)
    if module in E2E_MODULES or f"{module}::{name}" in E2E_TESTS:
        return "e2e"
    return "unit"


def needs_postgres(item: pytest.Item) -> bool:
    """Whether the test runs only with TDKT_TEST_POSTGRES_URL: a PostgreSQL module, or the
    "postgresql" case of a test parametrized over both databases."""
    callspec = getattr(item, "callspec", None)
    return item.path.name in POSTGRES_MODULES or (
        callspec is not None and "postgresql" in callspec.params.values()
    )


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(group_of(item))
        if needs_postgres(item):
            item.add_marker("postgres")
