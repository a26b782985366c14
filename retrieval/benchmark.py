"""Speed at scale: build national-size synthetic knowledge bases and time the real code on them.

Why synthetic: the real corpus has under a thousand passages, while the bot is meant to hold
every ministry's and province's regulations (tens of thousands). The synthetic bases are made
of *real* passages recombined into new documents, so vocabulary, passage lengths and term
frequencies stay those of real legal Vietnamese, and they are written through
:meth:`KnowledgeStore.apply` into a fresh SQLite file, so a cold start really loads from a
database. Tokens are copied from the real tokenized passages (nothing is re-segmented).

Everything here is measurement; nothing in the bot imports it. ``bm25s`` (the reference for
"how fast can BM25 be in numpy") is a benchmark-only dependency, imported lazily.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.model import (
    STATUS_IN_FORCE,
    UNIT_ARTICLE,
    UNIT_SECTION,
    DocumentMeta,
    ParsedDocument,
    Passage,
    Unit,
)
from knowledge.store import Changeset, IndexRow, KnowledgeStore, NewDocument
from retrieval.bm25 import BM25Scorer
from retrieval.engine import SearchEngine, prepare
from retrieval.text import tokenize

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1000, 10000, 20000, 100000)
PASSAGES_PER_DOCUMENT = 200
SEED = 20240101
BM25S_MISSING = "bm25s is not installed: pip install -e '.[bench]'"

FIELDS = (
    "passages",
    "build_s",
    "cold_start_s",
    "p50_ms",
    "p95_ms",
    "max_ms",
    "rss_mb",
    "bm25s_p95_ms",
    "ratio_p95",
)
"""The JSON keys promised by ``tdkt bench --json``; more diagnostic keys follow them."""


# -- synthetic knowledge bases ---------------------------------------------------------------
@dataclass(frozen=True)
class SourcePassage:
    text: str
    tokens: str
    clause: str | None
    point: str | None
    paragraph: int | None


@dataclass
class SourceUnit:
    """A real unit (article, section…) with its heading, title tokens and passages."""

    kind: str
    label: str
    title: str
    part: str | None
    title_tokens: str
    passages: list[SourcePassage] = field(default_factory=list)


def source_units(rows: Sequence[IndexRow]) -> list[SourceUnit]:
    """Group real passages (in document order) by their unit."""
    units: dict[int, SourceUnit] = {}
    for r in rows:
        unit = units.get(r.unit_id)
        if unit is None:
            unit = units[r.unit_id] = SourceUnit(
                r.unit_kind, r.unit_label, r.unit_title, r.unit_part, r.unit_title_tokens
            )
        unit.passages.append(SourcePassage(r.text, r.tokens, r.clause, r.point, r.paragraph))
    return list(units.values())


def _heading(kind: str, label: str, title: str) -> str:
    if kind == UNIT_ARTICLE:
        return f"Điều {label}. {title}".rstrip(". ")
    if kind == UNIT_SECTION:
        return f"{label}. {title}".rstrip(". ")
    return title


def synthetic_document(k: int, units: Sequence[SourceUnit], limit: int) -> NewDocument:
    """Document ``k``: the given real units in a new document numbered ``9001/2030/BENCH-k``.

    Articles and sections are renumbered 1, 2, … so citations read like a real document; at
    most ``limit`` passages are kept (the last unit may be cut to hit an exact size).
    """
    number = f"9001/2030/BENCH-{k}"
    meta = DocumentMeta(
        number=number,
        kind="quyet-dinh",
        title=f"Quy định tổng hợp thử tải số {k}",
        status=STATUS_IN_FORCE,
    )
    parts: list[str] = [f"QUYẾT ĐỊNH SỐ {number}\n{meta.title}\n\n"]
    pos = len(parts[0])
    parsed_units: list[Unit] = []
    passages: list[Passage] = []
    title_tokens: list[list[str]] = []
    passage_tokens: list[list[str]] = []

    def write(text: str) -> tuple[int, int]:
        nonlocal pos
        start = pos
        parts.append(text)
        pos += len(text)
        return start, pos

    for unit in units:
        if len(passages) >= limit:
            break
        index = len(parsed_units)
        numbered = unit.kind in (UNIT_ARTICLE, UNIT_SECTION)
        label = str(index + 1) if numbered else unit.label
        unit_start, _ = write(_heading(unit.kind, label, unit.title) + "\n")
        for p in unit.passages[: limit - len(passages)]:
            start, end = write(p.text)
            write("\n")
            passages.append(Passage(index, start, end, p.text, p.clause, p.point, p.paragraph))
            passage_tokens.append(p.tokens.split())
        parsed_units.append(
            Unit(
                kind=unit.kind,
                label=label,
                title=unit.title,
                start=unit_start,
                end=pos,
                part=unit.part,
            )
        )
        title_tokens.append(unit.title_tokens.split())
    text = "".join(parts)
    parsed = ParsedDocument(meta, text, "txt", f"bench-{k}.txt", parsed_units, passages)
    return NewDocument(
        parsed=parsed,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        origin="bench",
        unit_title_tokens=title_tokens,
        passage_tokens=passage_tokens,
    )


def synthetic_documents(
    units: Sequence[SourceUnit],
    passages: int,
    seed: int = SEED,
    per_document: int = PASSAGES_PER_DOCUMENT,
) -> Iterator[NewDocument]:
    """Documents totalling exactly ``passages`` passages, units drawn with a seeded RNG."""
    if not units:
        raise ValueError("no source passages to recombine")
    rng = np.random.default_rng(seed)
    left, k = passages, 1
    while left > 0:
        want = min(per_document, left)
        chosen: list[SourceUnit] = []
        count = 0
        while count < want:
            unit = units[int(rng.integers(len(units)))]
            chosen.append(unit)
            count += len(unit.passages)
        doc = synthetic_document(k, chosen, want)
        left -= len(doc.parsed.passages)
        k += 1
        yield doc


def write_synthetic_kb(
    url: str, units: Sequence[SourceUnit], passages: int, seed: int = SEED, batch: int = 25
) -> int:
    """Fill the database at ``url`` through ``KnowledgeStore.apply``; return its version."""
    store = KnowledgeStore(url)
    try:
        changes = Changeset(summary="bench")
        version = 0
        for doc in synthetic_documents(units, passages, seed):
            changes.add.append(doc)
            if len(changes.add) >= batch:
                version = store.apply(changes)
                changes = Changeset(summary="bench")
        if changes:
            version = store.apply(changes)
        return version
    finally:
        store.close()


# -- measurements ----------------------------------------------------------------------------
COLD_START = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from knowledge.store import KnowledgeStore
from retrieval.engine import SearchEngine
t1 = time.perf_counter()
store = KnowledgeStore(sys.argv[1], create=False)
engine = SearchEngine(store)
n = len(engine.index)
t2 = time.perf_counter()
answers = engine.search(sys.argv[2], 5)
t3 = time.perf_counter()
try:  # VmHWM: this process's own peak. ru_maxrss would also count the parent's memory,
    # since Linux carries the high-water mark over fork and exec.
    with open("/proc/self/status") as status:
        peak_kb = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "passages": n, "answers": len(answers), "import_s": t1 - t0, "index_s": t2 - t1,
    "first_answer_s": t3 - t2, "rss_mb": peak_kb / 1024,
}))
"""
"""Run as ``python -c``: a fresh interpreter opens the store, builds the index, answers."""


def cold_start(url: str, question: str) -> dict[str, float]:
    """Wall time of a new process from spawn to first answer, and its peak RSS."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COLD_START, url, question],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"cold-start process failed:\n{done.stderr[-2000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    child["cold_start_s"] = wall
    return child


def _timed_ms(calls: Sequence[Callable[[], object]], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for call in calls:
            start = time.perf_counter_ns()
            call()
            out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def query_tokens(engine: SearchEngine, question: str) -> list[str]:
    """The engine's query tokens; plain ``tokenize`` if its tokenizer returns something else."""
    tokens = engine.tokenizer(question)
    if isinstance(tokens, list | tuple) and all(isinstance(t, str) for t in tokens):
        return list(tokens)
    return tokenize(question)


def bm25s_retriever(fields: Sequence[Sequence[str]]) -> Any:
    """A bm25s index over the same token lists (same k1, b)."""
    try:
        import bm25s
    except ImportError as exc:
        raise RuntimeError(BM25S_MISSING) from exc
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index([list(f) for f in fields], show_progress=False)
    return retriever


def measure(
    url: str,
    questions: Sequence[str],
    rounds: int,
    retriever_cache: dict[str, Any],
    with_bm25s: bool = True,
) -> dict[str, float]:
    """One run on one knowledge base: cold start, build, answer and scorer latency, bm25s."""
    child = cold_start(url, questions[0])
    store = KnowledgeStore(url, create=False)
    try:
        gc.collect()
        engine = SearchEngine(store)
        start = time.perf_counter()
        index = engine.refresh()
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        rows = list(store.index_rows())
        load_s = time.perf_counter() - start
        del rows
        start = time.perf_counter()
        BM25Scorer(index.fields)
        scorer_build_s = time.perf_counter() - start

        start = time.perf_counter()
        prepare(index)  # as the bot's watcher does in the background after each build
        prepare_s = time.perf_counter() - start

        searches = [lambda q=q: engine.search(q, 5) for q in questions]
        first = _timed_ms(searches, 1)  # warm-up: first sight of each question
        answer = _timed_ms(searches, rounds)
        tokens = [query_tokens(engine, q) for q in questions]
        tops = [lambda t=t: index.scorer.top(t, 10) for t in tokens]
        _timed_ms(tops, 1)
        scorer = _timed_ms(tops, rounds)
        result = {
            "passages": len(index),
            "build_s": build_s,
            "cold_start_s": child["cold_start_s"],
            "p50_ms": percentile(answer, 50),
            "p95_ms": percentile(answer, 95),
            "max_ms": max(answer),
            "rss_mb": child["rss_mb"],
            "bm25s_p95_ms": float("nan"),
            "ratio_p95": float("nan"),
            "first_p95_ms": percentile(first, 95),
            "scorer_p50_ms": percentile(scorer, 50),
            "scorer_p95_ms": percentile(scorer, 95),
            "load_s": load_s,
            "prepare_s": prepare_s,
            "scorer_build_s": scorer_build_s,
            "cold_import_s": child["import_s"],
            "cold_index_s": child["index_s"],
            "cold_first_answer_s": child["first_answer_s"],
        }
        if with_bm25s:
            retriever = retriever_cache.get(url)
            if retriever is None:
                retriever = retriever_cache[url] = bm25s_retriever(index.fields)
            k = min(10, len(index))
            calls = [
                lambda t=t: retriever.retrieve([t], k=k, show_progress=False, n_threads=0)
                for t in tokens
            ]
            _timed_ms(calls, 1)
            reference = _timed_ms(calls, rounds)
            result["bm25s_p95_ms"] = percentile(reference, 95)
            result["ratio_p95"] = result["scorer_p95_ms"] / result["bm25s_p95_ms"]
        return result
    finally:
        store.close()


def median_of(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per-key median over runs (the machine is shared and noisy: medians, not means)."""
    out: dict[str, float] = {}
    for key in runs[0]:
        values = [r[key] for r in runs]
        out[key] = float(statistics.median(values))
    out["passages"] = int(runs[0]["passages"])
    return out


@dataclass
class BenchConfig:
    corpus: Path
    questions: Path
    sizes: Sequence[int] = DEFAULT_SIZES
    runs: int = 3
    rounds: int = 5
    seed: int = SEED
    with_bm25s: bool = True
    with_real: bool = True


def load_questions(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["question"])
    if not out:
        raise ValueError(f"no questions in {path}")
    return out


def run_bench(config: BenchConfig, log: Callable[[str], None] = lambda _: None) -> list[dict]:
    """Every size (and the real corpus) measured ``runs`` times; per-key medians."""
    from knowledge.sync import sync_folder

    questions = load_questions(config.questions)
    if config.with_bm25s:
        try:
            import bm25s  # noqa: F401
        except ImportError as exc:
            raise RuntimeError(BM25S_MISSING) from exc
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="tdkt-bench-") as tmp:
        real_url = f"sqlite:///{Path(tmp) / 'real.db'}"
        store = KnowledgeStore(real_url)
        report = sync_folder(store, config.corpus, tokenize)
        if report.errors:
            raise RuntimeError("; ".join(report.errors))
        units = source_units(list(store.index_rows()))
        store.close()
        targets: list[tuple[str, str]] = []
        if config.with_real:
            targets.append(("real", real_url))
        for size in config.sizes:
            url = f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
            start = time.perf_counter()
            write_synthetic_kb(url, units, size, config.seed)
            log(
                f"synthetic knowledge base of {size} passages written in "
                f"{time.perf_counter() - start:.1f} s"
            )
            targets.append((str(size), url))
        for label, url in targets:
            cache: dict[str, Any] = {}
            runs = []
            for run in range(config.runs):
                log(f"{label}: run {run + 1}/{config.runs}")
                runs.append(measure(url, questions, config.rounds, cache, config.with_bm25s))
            cache.clear()
            gc.collect()
            entry = {"label": label, **median_of(runs)}
            results.append(entry)
            log(format_row(entry))
    return results


def ordered(entry: dict) -> dict:
    """The promised keys first, rounded for reading; diagnostics after them."""
    keys = ["label", *FIELDS] + [k for k in entry if k not in FIELDS and k != "label"]
    out: dict[str, object] = {}
    for key in keys:
        value = entry.get(key)
        if isinstance(value, float):
            value = None if value != value else round(value, 4)
        out[key] = value
    return out


TABLE_HEADER = (
    f"{'size':>7} {'passages':>8} {'build_s':>8} {'cold_s':>7} {'p50_ms':>7} {'p95_ms':>7} "
    f"{'max_ms':>7} {'1st_p95':>7} {'rss_mb':>7} {'top_p95':>8} {'bm25s':>7} {'ratio':>6}"
)
"""``1st_p95``: answers to questions seen for the first time (no tokenizer cache);
``top_p95``: the scorer alone, ``.top(tokens, 10)``; ``bm25s``: its p95 on the same tokens."""


def format_row(e: dict) -> str:
    def num(value: float, width: int, digits: int) -> str:
        return f"{'-':>{width}}" if value != value else f"{value:>{width}.{digits}f}"

    return (
        f"{e['label']:>7} {int(e['passages']):>8} {num(e['build_s'], 8, 3)} "
        f"{num(e['cold_start_s'], 7, 2)} {num(e['p50_ms'], 7, 2)} {num(e['p95_ms'], 7, 2)} "
        f"{num(e['max_ms'], 7, 2)} {num(e['first_p95_ms'], 7, 2)} {num(e['rss_mb'], 7, 0)} "
        f"{num(e['scorer_p95_ms'], 8, 3)} "
        f"{num(e['bm25s_p95_ms'], 7, 3)} {num(e['ratio_p95'], 6, 2)}"
    )
