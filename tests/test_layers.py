"""The layers import one way: bot → handlers → retrieval → knowledge.

Checked on the source, so a newcomer's shortcut (a handler helper imported from ``bot``, a
Telegram type in ``retrieval``) fails here before review.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

RANK = {"knowledge": 0, "retrieval": 1, "handlers": 2, "bot": 3}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def sources(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def test_no_layer_imports_a_layer_above_it() -> None:
    upward = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package, rank in RANK.items()
        for path in sources(package)
        for module in imports_of(path)
        if RANK.get(module.split(".")[0], -1) > rank
    ]
    assert upward == []


def test_knowledge_and_retrieval_work_without_telegram() -> None:
    telegram = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package in ("knowledge", "retrieval")
        for path in sources(package)
        for module in imports_of(path)
        if module.split(".")[0] == "telegram"
    ]
    assert telegram == []


def test_scripts_do_not_import_tests() -> None:
    scripts = [p for p in (ROOT / "scripts").rglob("*") if p.is_file()]
    python = [
        p
        for p in scripts
        if p.suffix == ".py" or p.read_bytes().startswith(b"#!/usr/bin/env python")
    ]
    offending = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python
        for module in imports_of(path)
        if module.split(".")[0] == "tests"
    ]
    assert offending == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from bot.app import build_application\nimport telegram.ext\n", "utf-8")
    assert imports_of(sample) == ["bot.app", "telegram.ext"]
