"""A crash in the middle of a knowledge-base update leaves the previous version usable.

The update runs in a real child process that dies (os._exit, no cleanup, like a kill -9)
right inside the write transaction, after the new passages were sent to the database and just
before the version row: the kind of crash a half-written knowledge base would come from.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.sample_docs import GHI_CHU_MAU, QUY_CHE_MAU

ROOT = Path(__file__).resolve().parents[1]

CRASHING_SYNC = textwrap.dedent(
    """
    import os, sys
    from sqlalchemy import event
    from knowledge.store import KnowledgeStore
    from knowledge.sync import sync_folder
    from retrieval.text import tokenize

    store = KnowledgeStore(sys.argv[1])

    @event.listens_for(store.engine, "before_cursor_execute")
    def crash(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO KB_VERSIONS"):
            os._exit(137)

    sync_folder(store, __import__("pathlib").Path(sys.argv[2]), tokenize)
    print("not reached")
    """
)


def test_crash_mid_update_keeps_previous_version(database_url: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "quy-che-mau.txt").write_text(QUY_CHE_MAU, encoding="utf-8")
    store = KnowledgeStore(database_url)
    assert sync_folder(store, src, tokenize).version == 1
    before = [(d.meta.number, d.passages) for d in store.documents()]

    (src / "ghi-chu.txt").write_text(GHI_CHU_MAU, encoding="utf-8")
    (src / "quy-che-mau.txt").write_text(QUY_CHE_MAU.replace("ba chậu", "chín chậu"), "utf-8")
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_SYNC, database_url, str(src)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 137, child.stderr
    assert "not reached" not in child.stdout

    # A fresh process view (as after a restart): the old version, whole.
    store.close()
    store = KnowledgeStore(database_url)
    assert store.current_version() == 1
    assert [(d.meta.number, d.passages) for d in store.documents()] == before
    engine = SearchEngine(store, check_interval=0)
    best = engine.search("tiêu chuẩn danh hiệu Người trồng cây giỏi", 1)[0]
    assert "ba chậu bonsai" in best.text

    # The next update goes through normally.
    report = sync_folder(store, src, tokenize)
    assert report.version == 2 and len(report.added) == 1 and len(report.replaced) == 1
    best = engine.search("tiêu chuẩn danh hiệu Người trồng cây giỏi", 1)[0]
    assert "chín chậu bonsai" in best.text
    store.close()
