"""``tdkt bench``: how fast the assistant answers on national-size knowledge bases.

A command rather than a timed test because timings belong on a quiet machine, read by a person;
CI runs only the correctness and parity tests. See "## Benchmarks" in README.md for the method.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import Settings
from retrieval.benchmark import (
    BM25S_MISSING,
    DEFAULT_SIZES,
    SEED,
    TABLE_HEADER,
    BenchConfig,
    format_row,
    ordered,
    run_bench,
)

TARGETS = (
    # (size label, key, limit, description)
    ("real", "cold_start_s", 1.5, "cold start, real corpus ≤ 1.5 s"),
    ("20000", "p95_ms", 5.0, "answer p95 at 20k ≤ 5 ms"),
    ("20000", "ratio_p95", 2.0, "scorer p95 at 20k within 2× of bm25s"),
    ("20000", "cold_start_s", 3.0, "cold start at 20k ≤ 3 s"),
    ("20000", "rss_mb", 300.0, "peak RSS at 20k ≤ 300 MB"),
    ("100000", "p95_ms", 25.0, "answer p95 at 100k ≤ 25 ms"),
)


def _sizes(raw: str) -> list[int]:
    try:
        sizes = [int(x.replace("_", "")) for x in raw.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{raw}”: expected sizes like 1000,20000") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    corpus = Path(args.corpus) if args.corpus else settings.sources_dir
    questions = Path(args.questions) if args.questions else corpus.parent / "eval" / "dev.jsonl"
    for path, what in ((corpus, "corpus folder"), (questions, "question file")):
        if not path.exists():
            print(f"Lỗi: {what} not found: {path}", file=sys.stderr)
            return 2
    config = BenchConfig(
        corpus=corpus,
        questions=questions,
        sizes=args.passages,
        runs=args.runs,
        rounds=args.rounds,
        seed=args.seed,
        with_bm25s=not args.no_bm25s,
        with_real=not args.no_real,
    )

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        results = run_bench(config, log)
    except RuntimeError as exc:
        if str(exc) == BM25S_MISSING:
            print(f"Lỗi: {BM25S_MISSING} (or run with --no-bm25s)", file=sys.stderr)
            return 2
        raise
    if args.json:
        print(json.dumps({"sizes": [ordered(e) for e in results]}, ensure_ascii=False))
        return 0
    print(
        f"medians of {config.runs} runs; latencies over {config.rounds} rounds of "
        f"{questions.name}; top_p95 = scorer .top(tokens, 10), ratio = top_p95 / bm25s p95"
    )
    print(TABLE_HEADER)
    for entry in results:
        print(format_row(entry))
    by_label = {e["label"]: e for e in results}
    lines = []
    for label, key, limit, text in TARGETS:
        value = by_label.get(label, {}).get(key)
        if value is None or value != value:
            continue
        lines.append(f"  {'ok ' if value <= limit else 'MISS'} {text}: {value:.3g}")
    if lines:
        print("targets:")
        print("\n".join(lines))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tdkt bench`` (found by ``bot.cli._extensions``)."""
    p = subparsers.add_parser(
        "bench", help="đo tốc độ trên cơ sở tri thức tổng hợp cỡ lớn (benchmark)"
    )
    p.add_argument(
        "--passages",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated synthetic sizes (default 1000,10000,20000,100000)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--runs", type=int, default=3, help="repetitions; medians are reported")
    p.add_argument("--rounds", type=int, default=5, help="passes over the questions per run")
    p.add_argument("--corpus", help="real corpus folder (default TDKT_SOURCES_DIR)")
    p.add_argument("--questions", help="questions .jsonl (default CORPUS/../eval/dev.jsonl)")
    p.add_argument("--seed", type=int, default=SEED, help="RNG seed of the synthetic bases")
    p.add_argument("--no-bm25s", action="store_true", help="skip the bm25s comparison")
    p.add_argument("--no-real", action="store_true", help="skip the real-corpus entry")
    p.set_defaults(func=cmd_bench)
