"""The pieces of query analysis on their own: vocabulary files, document names, restoration,
the baseline's tokens, and ``tdkt eval --baseline/--ablate``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from retrieval.baseline import syllables
from retrieval.documents import DocumentCatalog
from retrieval.lexicon import (
    ABBREVIATIONS_FILE,
    STOPWORDS_FILE,
    SYNONYMS_FILE,
    LexiconError,
    load_lexicon,
)
from retrieval.params import Techniques
from retrieval.vocabulary import DiacriticRestorer
from tests.conftest import DEV_SET, ROOT, needs_corpus

CATALOG = DocumentCatalog(
    [
        ("06/2022/QH15", "luat", "Luật Thi đua, khen thưởng", "con-hieu-luc"),
        (
            "16/VBHN-VPQH",
            "van-ban-hop-nhat",
            "Luật Thi đua, khen thưởng (hợp nhất Luật số 15/2003/QH11, 47/2005/QH11)",
            "het-hieu-luc",
        ),
        ("152/2025/NĐ-CP", "nghi-dinh", "Nghị định quy định chi tiết", "con-hieu-luc"),
    ]
)


# -- vocabulary files -----------------------------------------------------------------------------
def test_shipped_vocabulary_files_load() -> None:
    lexicon = load_lexicon(extra=[])
    assert lexicon.abbreviations["tđkt"] == "thi đua khen thưởng"
    assert lexicon.abbreviations["k/c"] == "kháng chiến"
    assert lexicon.rules and all(rule.when and rule.add for rule in lexicon.rules)
    assert "bao nhiêu" in lexicon.stopwords
    assert {ABBREVIATIONS_FILE, SYNONYMS_FILE, STOPWORDS_FILE} <= set(lexicon.sources)


def test_files_are_read_from_disk(tmp_path: Path) -> None:
    abbreviations = tmp_path / "a.toml"
    abbreviations.write_text(
        '[abbreviations]\n"QĐKT" = "Quyết định khen thưởng"\n'
        '"cstd" = "chiến sĩ"\n"cstđ" = "chiến sĩ thi đua"\n',
        "utf-8",
    )
    synonyms = tmp_path / "s.toml"
    synonyms.write_text('[[rule]]\nwhen = ["Giấy tờ"]\nadd = ["hồ sơ"]\nnote = "x"\n', "utf-8")
    lexicon = load_lexicon(abbreviations, synonyms, tmp_path / "none.toml", extra=[])
    assert lexicon.abbreviations["qđkt"] == "quyết định khen thưởng"  # normalised
    assert lexicon.abbreviations["qdkt"] == "quyết định khen thưởng"  # unaccented derived
    assert lexicon.abbreviations["cstd"] == "chiến sĩ"  # an explicit entry wins
    assert lexicon.rules[0].when == ("giấy tờ",)
    assert lexicon.stopwords == frozenset()


def test_extra_abbreviation_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "local.toml"
    extra.write_text('[abbreviations]\n"hs" = "học sinh"\n', "utf-8")
    monkeypatch.setenv("TDKT_ABBREVIATIONS", str(extra))
    files = Settings.from_env().abbreviation_files
    assert load_lexicon(extra=files).abbreviations["hs"] == "học sinh"
    monkeypatch.setenv("TDKT_ABBREVIATIONS", str(tmp_path / "missing.toml"))
    with pytest.raises(LexiconError, match="TDKT_ABBREVIATIONS"):
        load_lexicon(extra=Settings.from_env().abbreviation_files)


def test_malformed_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[abbreviations]\n"hs" = ""\n', "utf-8")
    with pytest.raises(LexiconError, match="hs"):
        load_lexicon(bad, extra=[])


# -- document names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "documents"),
    [
        ("theo nghị định 152 thì", ("152/2025/NĐ-CP",)),
        ("nd 152/2025 quy định", ("152/2025/NĐ-CP",)),
        ("luật tđkt 2003", ("16/VBHN-VPQH",)),
        ("luat thi dua khen thuong nam 2003", ("16/VBHN-VPQH",)),
        ("luật cũ quy định", ("16/VBHN-VPQH",)),
        ("Luật Thi đua, khen thưởng 2022 có hiệu lực", ("06/2022/QH15",)),
        ("điều 84 luật 06/2022", ("06/2022/QH15",)),
        ("văn bản 16/VBHN-VPQH", ("16/VBHN-VPQH",)),
        ("hội nghị ngày 18/4/2023", ()),
        ("tiêu chuẩn lao động tiên tiến năm 2024", ()),
    ],
)
def test_named_documents(question: str, documents: tuple[str, ...]) -> None:
    naming = CATALOG.name(question)
    assert naming.documents == documents and naming.unknown == ()


def test_naming_spans_cover_the_words_that_name_the_document() -> None:
    question = "luật thi đua, khen thưởng năm 2003 (đã hết hiệu lực) quy định gì"
    naming = CATALOG.name(question)
    named = " ".join(question[a:b] for a, b in naming.spans)
    assert "2003" in named and "hết hiệu lực" in named and "quy định" not in named


@pytest.mark.parametrize(
    "question",
    ["Thông tư 15/2025/TT-BNV quy định", "theo nghị định 98/2023", "thông tư 15 hướng dẫn"],
)
def test_unknown_documents_are_reported(question: str) -> None:
    naming = CATALOG.name(question)
    assert naming.documents == () and naming.unknown


# -- restoration -----------------------------------------------------------------------------------
def test_restorer_prefers_known_words_and_context() -> None:
    texts = (
        [["đề_nghị", "tặng", "bằng", "khen"]] * 5
        + [["tăng", "cường"]] * 3
        + [["có", "thể"]] * 20
        + [["cờ", "thi_đua"]] * 2
        + [["hội", "nghi", "bằng"]]
    )
    restorer = DiacriticRestorer(texts)
    assert restorer.restore("de nghi tang bang khen".split()) == "đề nghị tặng bằng khen".split()
    assert restorer.restore("tang cuong".split()) == ["tăng", "cường"]
    assert restorer.restore("co thi dua".split()) == ["cờ", "thi", "đua"]
    assert restorer.restore("co the".split()) == ["có", "thể"]


def test_restorer_keeps_fixed_and_unknown_syllables() -> None:
    restorer = DiacriticRestorer([["tặng", "bằng", "khen"]])
    assert restorer.restore(["tang", "xyz", "2024"]) == ["tặng", "xyz", "2024"]
    assert restorer.restore(["tang", "bang"], [True, False]) == ["tang", "bằng"]
    assert restorer.restore([]) == []


# -- baseline and evaluation command --------------------------------------------------------------
def test_baseline_tokens_are_plain_syllables() -> None:
    assert syllables("Điều 84. Hồ sơ đề nghị, “Bằng khen”") == [
        "điều",
        "84",
        "hồ",
        "sơ",
        "đề",
        "nghị",
        "bằng",
        "khen",
    ]


@needs_corpus
def test_eval_prints_baseline_and_ablation(corpus_db: str) -> None:
    env = {**os.environ, "TDKT_DATABASE_URL": corpus_db}
    run = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(DEV_SET), "--baseline", "--ablate", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert (
        figures["with_diacritics"]["recall_at_1"]
        > figures["baseline"]["with_diacritics"]["recall_at_1"]
    )
    assert set(figures["ablation"]) == set(Techniques.names())
    table = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(DEV_SET), "--baseline"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert "baseline" in table.stdout and "không dấu" in table.stdout
