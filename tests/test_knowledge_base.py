"""Sync, add, replace, retire, show: the knowledge base behaves as admins expect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.store import KnowledgeStore
from knowledge.sync import add_files, remove_document, sync_folder
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.sample_docs import GHI_CHU_MAU, QUY_CHE_MAU, QUY_CHE_MAU_V2


@pytest.fixture()
def store(database_url: str) -> Iterator[KnowledgeStore]:
    """The same behaviour on the embedded SQLite default and on PostgreSQL."""
    store = KnowledgeStore(database_url)
    yield store
    store.close()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sync_adds_then_is_idempotent(store: KnowledgeStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    write(src, "ghi-chu.txt", GHI_CHU_MAU)
    first = sync_folder(store, src, tokenize)
    assert len(first.added) == 2 and not first.errors
    assert first.version == 1
    second = sync_folder(store, src, tokenize)
    assert not second.changed and len(second.unchanged) == 2
    assert store.current_version() == 1
    numbers = {d.meta.number for d in store.documents()}
    assert "01/2099/QC-MAU" in numbers  # read from the header: "Số: 01/2099/QC-MAU"


def test_sync_replaces_changed_and_retires_removed(store: KnowledgeStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    notes = write(src, "ghi-chu.txt", GHI_CHU_MAU)
    sync_folder(store, src, tokenize)
    write(src, "quy-che-mau.txt", QUY_CHE_MAU_V2)
    notes.unlink()
    report = sync_folder(store, src, tokenize)
    assert len(report.replaced) == 1 and len(report.retired) == 1
    active = store.documents()
    assert len(active) == 1
    engine = SearchEngine(store, check_interval=0)
    best = engine.search("tiêu chuẩn danh hiệu Người trồng cây giỏi chậu bonsai", 3)[0]
    assert "năm chậu bonsai" in best.text
    retired = [d for d in store.documents(include_retired=True) if not d.active]
    assert len(retired) == 2


def test_bad_file_is_reported_and_the_rest_loads(store: KnowledgeStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    (src / "hong.docx").write_bytes(b"this is not a zip archive")
    (src / "rong.txt").write_bytes(b"")
    report = sync_folder(store, src, tokenize)
    assert len(report.added) == 1
    assert len(report.errors) == 2
    assert any("hong.docx" in e for e in report.errors)
    assert any("rong.txt" in e for e in report.errors)


def test_changed_file_that_breaks_keeps_the_previous_version(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    path = write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    sync_folder(store, src, tokenize)
    path.write_bytes(b"\x00\x01\x02 binary garbage \xff\xfe")
    report = sync_folder(store, src, tokenize)
    assert report.errors and not report.changed
    assert [d.meta.number for d in store.documents()] == ["01/2099/QC-MAU"]


def test_add_same_number_replaces_and_remove_retires(store: KnowledgeStore, tmp_path: Path) -> None:
    a = write(tmp_path / "a", "v1.txt", QUY_CHE_MAU)
    b = write(tmp_path / "b", "v2.txt", QUY_CHE_MAU_V2)
    assert add_files(store, [a], tokenize).added
    report = add_files(store, [b], tokenize)
    assert report.replaced and not report.added
    assert [d.source_name for d in store.documents()] == ["v2.txt"]
    assert remove_document(store, "01/2099/qc-mau").retired
    assert store.documents() == []
    assert remove_document(store, "01/2099/QC-MAU").errors


def test_unit_rebuilds_the_article_as_written(store: KnowledgeStore, tmp_path: Path) -> None:
    add_files(store, [write(tmp_path, "q.txt", QUY_CHE_MAU)], tokenize)
    (unit_id,) = store.find_units("2")
    view = store.unit(unit_id)
    assert view is not None
    assert view.text.startswith("Điều 2. Danh hiệu Người trồng cây giỏi")
    assert view.text in QUY_CHE_MAU
    assert [p[0] for p in view.passages] == ["1", "2"]


def test_no_structure_is_refused(store: KnowledgeStore, tmp_path: Path) -> None:
    path = write(tmp_path, "so.txt", "12 34 56\n78 90\n!!! ???\n")
    report = add_files(store, [path], tokenize)
    assert report.errors and "so.txt" in report.errors[0]
    assert store.current_version() == 0


def test_manifest_issuer_scope_and_replaced_numbers_are_stored(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    write(
        src,
        "manifest.toml",
        """
[[document]]
file = "quy-che-mau.txt"
number = "01/2099/QC-MAU"
kind = "quy-che"
status = "con-hieu-luc"
issuer = "Câu lạc bộ Cây cảnh mẫu"
scope = "Câu lạc bộ Cây cảnh mẫu"
replaces = ["09/2098/QC-MAU"]
""",
    )
    assert not sync_folder(store, src, tokenize).errors
    [doc] = store.documents()
    assert doc.meta.issuer == "Câu lạc bộ Cây cảnh mẫu"
    assert doc.meta.scope == "Câu lạc bộ Cây cảnh mẫu"
    assert doc.meta.replaces == ("09/2098/QC-MAU",)
    row = next(iter(store.index_rows()))
    assert row.document_scope == "Câu lạc bộ Cây cảnh mẫu"
    assert row.document_replaces == ("09/2098/QC-MAU",)


def test_manifest_with_malformed_replaces_is_refused(store: KnowledgeStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "quy-che-mau.txt", QUY_CHE_MAU)
    write(
        src,
        "manifest.toml",
        '[[document]]\nfile = "quy-che-mau.txt"\nnumber = "01/2099/QC-MAU"\nreplaces = 7\n',
    )
    report = sync_folder(store, src, tokenize)
    assert report.errors and "replaces" in report.errors[0]
    assert store.documents() == []
