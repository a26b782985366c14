"""The fast BM25 scorer gives rank-bm25's BM25Okapi scores, and start-up never re-tokenizes.

BM25Okapi is the definition of the score; ``BM25Scorer`` computes it from precomputed postings.
These tests pin the two together on the real corpus with every development question, and on
synthetic corpora built to hit the corner cases (duplicate and unknown query terms, empty
passages, terms in more than half the passages whose idf BM25Okapi floors at
``epsilon * average idf``). Timings live in ``tdkt bench``, not here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import retrieval.text
from knowledge.store import KnowledgeStore
from knowledge.sync import add_files, sync_folder
from retrieval.bm25 import K1, B, BM25Scorer
from retrieval.engine import SearchEngine
from retrieval.text import tokenize
from tests.conftest import CORPUS, DEV_SET, needs_corpus
from tests.sample_docs import GHI_CHU_MAU, QUY_CHE_MAU, QUY_CHE_MAU_V2

RTOL = 1e-9


def reference_top(scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """BM25Okapi's ranking: positive scores, highest first, ties by lower index."""
    order = np.lexsort((np.arange(scores.size), -scores))
    return [(int(i), float(scores[i])) for i in order[:n] if scores[i] > 0]


def assert_same_ranking(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=RTOL, atol=0)


def assert_parity(corpus: Sequence[Sequence[str]], queries: Sequence[Sequence[str]]) -> None:
    reference = BM25Okapi([list(doc) for doc in corpus], k1=K1, b=B)
    scorer = BM25Scorer(corpus, k1=K1, b=B)
    assert scorer.size == len(corpus)
    for query in queries:
        want = np.asarray(reference.get_scores(list(query)))
        np.testing.assert_allclose(scorer.scores(query), want, rtol=RTOL, atol=0)
        for n in (1, 3, 10, len(corpus) + 5):
            assert_same_ranking(scorer.top(query, n), reference_top(want, n))
        for token in set(query):
            assert scorer.idf(token) == pytest.approx(reference.idf.get(token, 0.0), rel=RTOL)
            assert scorer.document_frequency(token) == sum(token in d for d in reference.doc_freqs)


def engine_query_tokens(engine: SearchEngine, question: str) -> list[str]:
    """What the engine scores for a question; plain ``tokenize`` if its tokenizer returns
    something other than a token list (query processing is evolving)."""
    tokens = engine.tokenizer(question)
    if isinstance(tokens, list | tuple) and all(isinstance(t, str) for t in tokens):
        return list(tokens)
    return tokenize(question)


# -- parity on the real corpus ---------------------------------------------------------------
@needs_corpus
def test_top10_matches_bm25okapi_on_real_corpus_for_every_dev_question(
    engine: SearchEngine,
) -> None:
    if not DEV_SET.exists():
        pytest.skip("../shared/eval/dev.jsonl not found")
    fields = engine.index.fields
    reference = BM25Okapi([list(f) for f in fields], k1=K1, b=B)
    scorer = BM25Scorer(fields)
    questions = [
        json.loads(line)["question"]
        for line in DEV_SET.read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert questions
    compared = 0
    for question in questions:
        tokens = engine_query_tokens(engine, question)
        want = np.asarray(reference.get_scores(tokens))
        assert_same_ranking(scorer.top(tokens, 10), reference_top(want, 10))
        np.testing.assert_allclose(scorer.scores(tokens), want, rtol=RTOL, atol=0)
        compared += bool(reference_top(want, 1))
    assert compared >= len(questions) // 2  # the check is not vacuous


@needs_corpus
def test_engine_scorer_is_the_fast_one(engine: SearchEngine) -> None:
    """Start-up builds postings, not a BM25Okapi object (its per-passage dicts cost memory)."""
    scorer = engine.index.scorer
    assert not any(isinstance(v, BM25Okapi) for v in vars(scorer).values())


# -- parity on synthetic corner cases ---------------------------------------------------------
def test_corner_cases_match_bm25okapi() -> None:
    corpus = [
        ["khen_thưởng", "bằng_khen", "khen_thưởng", "hồ_sơ"],
        [],  # an empty passage
        ["khen_thưởng", "thủ_tục", "đơn_giản"],
        ["khen_thưởng", "hồ_sơ", "hồ_sơ", "hồ_sơ", "huân_chương"],
        [],
        ["khen_thưởng", "danh_hiệu", "chiến_sĩ", "thi_đua"],
        ["khen_thưởng", "bằng_khen"],
    ]
    # "khen_thưởng" is in 5 of 7 passages: its raw idf is negative and BM25Okapi floors it.
    queries = [
        ["khen_thưởng"],
        ["bằng_khen", "bằng_khen", "hồ_sơ"],  # duplicate terms count twice
        ["không_có", "hồ_sơ"],  # unknown term adds nothing
        ["không_có"],  # only unknown terms: nothing matches
        [],
        ["khen_thưởng", "khen_thưởng", "huân_chương", "không_có", "thi_đua"],
    ]
    scorer = BM25Scorer(corpus)
    assert scorer.idf("khen_thưởng") == pytest.approx(0.25 * scorer.average_idf, rel=RTOL)
    assert scorer.idf("khen_thưởng") > 0
    assert_parity(corpus, queries)
    assert scorer.top(["không_có"], 5) == []
    assert scorer.top(["hồ_sơ"], 0) == []


def test_random_corpora_match_bm25okapi() -> None:
    """Small vocabularies: many ties, many negative-idf terms, repeated passages."""
    rng = random.Random(5)
    for _ in range(40):
        vocab = [f"t{i}" for i in range(rng.randint(2, 25))]
        corpus = [
            [rng.choice(vocab[: rng.randint(1, len(vocab))]) for _ in range(rng.randint(0, 12))]
            for _ in range(rng.randint(1, 60))
        ]
        if not any(corpus):
            corpus[0] = [vocab[0]]
        queries = [
            [rng.choice([*vocab, "unknown"]) for _ in range(rng.randint(1, 6))] for _ in range(8)
        ]
        assert_parity(corpus, queries)


def test_ties_are_broken_by_lower_index() -> None:
    corpus = [["a", "b"], ["c"], ["a", "b"], ["d"], ["a", "b"], ["e"], ["f"], ["g"]]
    scorer = BM25Scorer(corpus)
    assert [i for i, _ in scorer.top(["a"], 2)] == [0, 2]
    assert [i for i, _ in scorer.top(["a"], 3)] == [0, 2, 4]


def test_degenerate_corpora() -> None:
    empty = BM25Scorer([])
    assert empty.size == 0 and empty.top(["a"], 5) == [] and empty.scores(["a"]).size == 0
    blank = BM25Scorer([[], []])  # BM25Okapi itself cannot be built here (avgdl 0)
    assert blank.top(["a"], 5) == []
    assert blank.scores(["a"]).tolist() == [0.0, 0.0]
    assert blank.document_frequency("a") == 0 and blank.idf("a") == 0.0


def test_helpers_for_ranking_code() -> None:
    corpus = [["a", "b", "a"], ["b", "c"], [], ["c", "d", "a"], ["b"]]
    scorer = BM25Scorer(corpus)
    reference = BM25Okapi(corpus)
    want = np.asarray(reference.get_scores(["a", "b"]))
    among = [4, 1, 1, 3]
    got = scorer.top_among(["a", "b"], 2, among)
    restricted = np.full(len(corpus), 0.0)
    restricted[among] = want[among]
    assert_same_ranking(got, reference_top(restricted, 2))
    assert scorer.top_among(["a"], 3, []) == []
    for i, doc in enumerate(corpus):
        assert scorer.document_terms(i) == frozenset(doc)
        assert scorer.document_length(i) == len(doc)
    assert scorer.matched_terms(["d", "zz", "a", "d"], 3) == ["d", "a"]
    assert scorer.matched_terms(["a"], 2) == []
    every = np.arange(len(corpus))
    for token in ("a", "b", "c", "d", "zz"):  # presence agrees with a positive score
        present = np.asarray(reference.get_scores([token])) > 0
        assert scorer.contains(token, every).tolist() == present.tolist()
    assert scorer.contains("a", np.array([4, 3, 0])).tolist() == [False, True, True]
    assert set(scorer.vocabulary) == {"a", "b", "c", "d"} and "zz" not in scorer.vocabulary
    docs, weights = scorer.postings("a")
    assert docs.tolist() == [0, 3]
    np.testing.assert_allclose(
        weights, np.asarray(reference.get_scores(["a"]))[[0, 3]], rtol=RTOL, atol=0
    )
    assert scorer.postings("zz")[0].size == 0


# -- start-up and refresh never re-segment what is stored ------------------------------------
class CountingTokenizer:
    """Wraps ``retrieval.text.tokenize`` and records every text it is asked to segment."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> list[str]:
        self.texts.append(text)
        return tokenize(text)


@pytest.fixture()
def segmentation_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every pyvi segmentation and every call through ``retrieval.text.tokenize``."""
    from pyvi import ViTokenizer

    calls: list[str] = []
    segment = ViTokenizer.tokenize
    text_tokenize = retrieval.text.tokenize

    def counted_segment(text: str) -> str:
        calls.append(text)
        return segment(text)

    def counted_tokenize(text: str) -> list[str]:
        calls.append(text)
        return text_tokenize(text)

    monkeypatch.setattr(ViTokenizer, "tokenize", counted_segment)
    monkeypatch.setattr(retrieval.text, "tokenize", counted_tokenize)
    cache_clear = getattr(getattr(retrieval.text, "_segment", None), "cache_clear", None)
    if cache_clear is not None:
        cache_clear()  # a cached segmentation would hide a call
    return calls


@needs_corpus
def test_engine_start_does_not_tokenize_the_corpus(
    corpus_store: KnowledgeStore, segmentation_calls: list[str], tmp_path: Path
) -> None:
    """Tokens come from the database: building the index segments no stored passage.

    Start-up may segment a fixed amount besides (the query lexicon's own phrases), which does
    not grow with the knowledge base: the whole corpus costs no more than an empty one.
    """
    cache_clear = getattr(getattr(retrieval.text, "_segment", None), "cache_clear", None)

    def build(store: KnowledgeStore) -> tuple[SearchEngine, CountingTokenizer, list[str]]:
        counting = CountingTokenizer()
        segmentation_calls.clear()
        if cache_clear is not None:
            cache_clear()
        engine = SearchEngine(store, tokenizer=counting)
        engine.refresh()
        return engine, counting, list(segmentation_calls)

    empty = KnowledgeStore(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        _, empty_tokenizer, empty_segments = build(empty)
    finally:
        empty.close()
    engine, counting, segments = build(corpus_store)
    index = engine.index
    assert len(index) > 500
    assert len(counting.texts) <= len(empty_tokenizer.texts)
    assert len(segments) <= len(empty_segments)
    stored = {r.text for r in index.rows} | {r.unit_title for r in index.rows if r.unit_title}
    assert not stored & set(counting.texts)

    counting.texts.clear()
    engine.search("Hồ sơ đề nghị tặng Bằng khen gồm những giấy tờ gì?", 5)
    assert counting.texts and not stored & set(counting.texts)  # the question, nothing stored


@needs_corpus
def test_second_sync_of_the_corpus_tokenizes_nothing(corpus_store: KnowledgeStore) -> None:
    counting = CountingTokenizer()
    report = sync_folder(corpus_store, CORPUS, counting)
    assert not report.changed and not report.errors and report.unchanged
    assert counting.texts == []


@needs_corpus
def test_refresh_tokenizes_only_added_or_changed_files(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    for name in (
        "manifest.toml",
        "tin-tap-huan-tdkt-2023.txt",
        "hd-2346-hd-dhm-2024-binh-xet-tdkt.txt",
    ):
        (folder / name).symlink_to(CORPUS / name)
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    try:
        first = CountingTokenizer()
        assert len(sync_folder(store, folder, first).added) == 2
        assert first.texts

        def only_from(text: str, counting: CountingTokenizer) -> None:
            assert counting.texts and all(t in text for t in counting.texts)

        added = CountingTokenizer()
        (folder / "quy-che-mau.txt").write_text(QUY_CHE_MAU, encoding="utf-8")
        report = sync_folder(store, folder, added)
        assert len(report.added) == 1 and len(report.unchanged) == 2
        only_from(QUY_CHE_MAU, added)

        changed = CountingTokenizer()
        (folder / "quy-che-mau.txt").write_text(QUY_CHE_MAU_V2, encoding="utf-8")
        report = sync_folder(store, folder, changed)
        assert len(report.replaced) == 1 and len(report.unchanged) == 2
        only_from(QUY_CHE_MAU_V2, changed)
        assert len(changed.texts) == len(added.texts)

        single = CountingTokenizer()
        extra = tmp_path / "ghi-chu.txt"
        extra.write_text(GHI_CHU_MAU, encoding="utf-8")
        assert len(add_files(store, [extra], single).added) == 1
        only_from(GHI_CHU_MAU, single)
    finally:
        store.close()


# -- the benchmark's knowledge bases -----------------------------------------------------------
@needs_corpus
def test_synthetic_knowledge_base_reuses_stored_tokens(
    corpus_store: KnowledgeStore, segmentation_calls: list[str], tmp_path: Path
) -> None:
    from retrieval.benchmark import source_units, write_synthetic_kb

    units = source_units(list(corpus_store.index_rows()))
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    segmentation_calls.clear()
    write_synthetic_kb(url, units, 450, seed=7)
    assert segmentation_calls == []
    store = KnowledgeStore(url)
    try:
        docs = store.documents()
        assert [d.passages for d in docs] == [200, 200, 50]
        assert [d.meta.number for d in docs] == [f"9001/2030/BENCH-{k}" for k in (1, 2, 3)]
        real_tokens = {p.tokens for u in units for p in u.passages}
        rows = list(store.index_rows())
        assert len(rows) == 450 and all(r.tokens in real_tokens for r in rows)
    finally:
        store.close()
    write_synthetic_kb(f"sqlite:///{tmp_path / 'again.db'}", units, 450, seed=7)
    again = KnowledgeStore(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        assert [r.text for r in again.index_rows()] == [r.text for r in rows]  # deterministic
    finally:
        again.close()


@needs_corpus
def test_bench_command_prints_the_promised_json(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from retrieval.benchmark import FIELDS

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "bench",
            "--passages",
            "300",
            "--runs",
            "1",
            "--rounds",
            "1",
            "--no-bm25s",
            "--json",
            "--corpus",
            str(CORPUS),
            "--questions",
            str(DEV_SET),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TDKT_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"},
    )
    assert done.returncode == 0, done.stderr
    sizes = json.loads(done.stdout)["sizes"]
    assert [s["label"] for s in sizes] == ["real", "300"]
    assert sizes[1]["passages"] == 300
    for entry in sizes:
        assert set(FIELDS) <= set(entry)
        assert entry["cold_start_s"] > 0 and entry["rss_mb"] > 0 and entry["p95_ms"] > 0
