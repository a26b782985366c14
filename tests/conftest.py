"""Shared fixtures: the real corpus from ../shared/corpus and knowledge bases built from it.

The corpus is never copied into the project; tests read it where it lives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
DEV_SET = SHARED / "eval" / "dev.jsonl"


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
