"""Load test: a training session's burst of officers on the real bot, through a faulty API.

    .venv/bin/python -m tests.tools.load_test [--users 200] [--questions 5] [--seed 7] [--json]
    .venv/bin/python -m tests.tools.load_test --postgres postgresql+psycopg://postgres@host/db

What runs is production's bot: ``bot.app.build_application`` with its rate limiter
(``bot.reliability.ReliableRateLimiter``), concurrent updates, the real HTTP client and long
polling, against the fake Bot API server of ``tests/fake_bot_api/`` on 127.0.0.1. The
server answers replies (sendMessage, editMessageText) at random with 429 + ``retry_after``,
500/502 or a slow answer; the seed fixes which replies fail, so runs are reproducible. Each
simulated officer (user id = private chat id) asks ``--questions`` questions drawn from
../shared/eval/dev.jsonl and tests/data/extra_questions.jsonl; in each round every officer
sends one question at the same moment (a burst) and waits for the answer, as people do,
before the next round.

Reported: replies received vs expected (each question must get exactly one reply message:
none missing, none duplicated), latency (from the ``getUpdates`` answer that delivered the
question, and from the start of its handling, to the reply as recorded by the server),
errors (error-handler calls, ERROR log records, apologies, requests the server refused other
than injected faults; all must be 0) and the injected faults by kind. Exit status 0 when the
run passes. The knowledge base is a throwaway copy (an SQLite file built from
../shared/corpus, or a temporary PostgreSQL database with ``--postgres``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import logging
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.constants import FloodLimit
from telegram.ext import ContextTypes, TypeHandler

from bot.app import build_application
from bot.config import Settings
from bot.reliability import ReliableRateLimiter
from handlers.errors import APOLOGY, DB_APOLOGY
from tests.bot_harness import TOKEN, load_corpus, polling_in_thread, postgres_database
from tests.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTION_FILES = (
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT / "tests" / "data" / "extra_questions.jsonl",
)
FIRST_USER_ID = 2_000_001
INJECTED = {429: "429", 500: "500", 502: "502"}
FAULTY_METHODS = ("sendMessage", "editMessageText")
"""Faults hit the replies only. Why not "typing…" as well: how many chat actions are sent
depends on timing (they are dropped under load), so faulting them would make the fault
counts differ from run to run; with replies only, a seed gives the same faults every time."""


@dataclass
class LoadConfig:
    """One run's shape; the defaults are the full run (200 officers × 5 questions)."""

    users: int = 200
    questions: int = 5
    seed: int = 7
    rate_429: float = 0.03
    rate_5xx: float = 0.03
    rate_slow: float = 0.05
    slow_delay: float = 1.0
    """Seconds a "slow" answer takes: well below the client's read timeout (20 s), so a slow
    answer is waited for, never retried (a retry could deliver the reply twice)."""
    retry_after: int = 1
    round_timeout: float = 120.0
    settle: float = 1.5
    """Seconds to keep watching after the last reply, so late duplicates are counted."""


@dataclass
class Latency:
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Latency:
        if not values:
            return cls(0.0, 0.0, 0.0)
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(round(statistics.median(ordered), 3), round(p95, 3), round(ordered[-1], 3))


@dataclass
class LoadReport:
    users: int
    questions: int
    seed: int
    expected: int
    received: int
    duplicates: int
    missing: int
    answered: int
    declined: int
    latency_from_delivery_s: Latency
    latency_in_handler_s: Latency
    latency_from_send_s: Latency
    errors: dict[str, int]
    faults: dict[str, int]
    faults_by_method: dict[str, int]
    retries: dict[str, int]
    typing_skipped: int
    wall_s: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.received == self.expected
            and self.duplicates == 0
            and self.missing == 0
            and sum(self.errors.values()) == 0
        )

    def lines(self) -> list[str]:
        def lat(x: Latency) -> str:
            return f"p50 {x.p50:.3f} s, p95 {x.p95:.3f} s, max {x.max:.3f} s"

        faults = ", ".join(f"{k}: {v}" for k, v in sorted(self.faults.items())) or "none"
        retries = ", ".join(f"{k}: {v}" for k, v in sorted(self.retries.items())) or "none"
        out = [
            f"load test: {self.users} officers × {self.questions} questions (seed {self.seed}), "
            f"{self.wall_s:.1f} s",
            f"replies received/expected: {self.received}/{self.expected}; duplicates "
            f"{self.duplicates}; missing {self.missing}; cited answers {self.answered}, "
            f"declined (nothing relevant) {self.declined}",
            f"latency delivery→reply: {lat(self.latency_from_delivery_s)}",
            f"latency handler start→reply: {lat(self.latency_in_handler_s)}",
            f"latency officer sends→reply: {lat(self.latency_from_send_s)}",
            "errors: " + ", ".join(f"{k} {v}" for k, v in self.errors.items()),
            f"faults injected: {faults} (total {sum(self.faults.values())})",
            "faults by method: " + ", ".join(f"{k}: {v}" for k, v in self.faults_by_method.items()),
            f"retries after 5xx (or unsent): {retries}; typing actions skipped under load: "
            f"{self.typing_skipped}",
            f"floor set by Telegram's {FloodLimit.MESSAGES_PER_SECOND} messages/s: the last "
            f"of a {self.users}-reply burst cannot leave before "
            f"{self.users / FloodLimit.MESSAGES_PER_SECOND:.1f} s",
            "PASS" if self.ok else "FAIL",
        ]
        out += [f"  problem: {p}" for p in self.problems[:20]]
        return out


class RecordingBotApi(FakeBotApi):
    """The fake server, noting cheaply when each update was delivered and each reply stored.

    Why a subclass: ``FakeBotApi.calls`` returns deep copies of every call, far too costly to
    poll thousands of times while the bot runs in the same process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.delivered: dict[int, float] = {}
        self.replies: dict[int, list[tuple[float, str, bool]]] = collections.defaultdict(list)
        """Per chat: (time stored, start of the text, whether it is a cited answer)."""
        self.progress = threading.Condition()

    def _api_get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        result = super()._api_get_updates(params)
        now = time.time()
        for update in result:
            self.delivered.setdefault(update["update_id"], now)
        return result

    def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = super()._api_send_message(params)
        with self.progress:
            text = message["text"]
            self.replies[message["chat"]["id"]].append(
                (time.time(), text[:120], "Kết quả 1/" in text)
            )
            self.progress.notify_all()
        return message

    def reply_counts(self) -> dict[int, int]:
        with self.progress:
            return {chat: len(items) for chat, items in self.replies.items()}

    def wait_round(self, users: list[int], wanted: int, timeout: float) -> bool:
        """Block until every user's chat holds at least ``wanted`` replies."""
        deadline = time.monotonic() + timeout
        with self.progress:
            while any(len(self.replies.get(u, ())) < wanted for u in users):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.progress.wait(remaining)
            return True


class ErrorLog(logging.Handler):
    """Counts ERROR records of any logger during the run (an apology path always logs one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()[:200]}")


def load_questions() -> list[str]:
    questions = []
    for path in QUESTION_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


@contextlib.contextmanager
def running(
    server: RecordingBotApi, database_url: str
) -> Iterator[tuple[Any, dict[int, float], list[str]]]:
    """The production application on its own event-loop thread, with two observers added:
    the time each update starts being handled, and every error-handler call."""
    settings = Settings(
        database_url=database_url,
        sources_dir=CORPUS,
        token=TOKEN,
        api_base_url=server.url,
        id_secret=secrets.token_hex(32),
    )
    app = build_application(settings)
    app.bot_data["services"].engine.refresh()  # as `tdkt bot` does before polling
    started: dict[int, float] = {}
    errors: list[str] = []

    async def stamp(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            started.setdefault(update.update_id, time.time())

    async def count_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(repr(context.error)[:200])

    app.add_handler(TypeHandler(Update, stamp), group=-1)
    app.add_error_handler(count_error)
    with polling_in_thread(app):
        yield app, started, errors


def run_load_test(database_url: str, config: LoadConfig) -> LoadReport:
    """Drive the bot at ``database_url`` (a throwaway knowledge base) and measure."""
    rng = random.Random(config.seed)
    pool = load_questions()
    users = list(range(FIRST_USER_ID, FIRST_USER_ID + config.users))
    plan = {u: [rng.choice(pool) for _ in range(config.questions)] for u in users}
    error_log = ErrorLog()
    root = logging.getLogger()
    root_level = root.level
    if root.getEffectiveLevel() > logging.ERROR:
        root.setLevel(logging.ERROR)
    root.addHandler(error_log)
    problems: list[str] = []
    sent_at: dict[tuple[int, int], float] = {}
    update_of: dict[tuple[int, int], int] = {}
    began = time.monotonic()
    try:
        with RecordingBotApi() as server, running(server, database_url) as (app, started, errors):
            server.faults.set_random(
                rate_429=config.rate_429,
                rate_5xx=config.rate_5xx,
                rate_slow=config.rate_slow,
                seed=config.seed,
                retry_after=config.retry_after,
                delay=config.slow_delay,
                methods=FAULTY_METHODS,
            )
            for n in range(config.questions):
                for u in users:  # the burst: everyone asks at once
                    update = server.send_text(plan[u][n], user_id=u)
                    sent_at[(u, n)] = time.time()
                    update_of[(u, n)] = update["update_id"]
                if not server.wait_round(users, n + 1, config.round_timeout):
                    counts = server.reply_counts()
                    late = [u for u in users if counts.get(u, 0) <= n]
                    problems.append(
                        f"round {n + 1}: {len(late)} officers without a reply "
                        f"after {config.round_timeout} s"
                    )
            time.sleep(config.settle)
            server.faults.clear()
            limiter = app.bot.rate_limiter
            retries = dict(limiter.retried) if isinstance(limiter, ReliableRateLimiter) else {}
            skipped = limiter.skipped_actions if isinstance(limiter, ReliableRateLimiter) else 0
            failed = [f for f in server.failed_calls if f.method != "getUpdates"]
            replies = {u: list(server.replies.get(u, [])) for u in users}
            strangers = sorted(set(server.replies) - set(users))
            delivered, faults = dict(server.delivered), dict(server.faults.counts)
            by_method = collections.Counter(f"{m} {k}" for m, k in server.faults.log)
            handler_started = dict(started)
            handler_errors = list(errors)
    finally:
        root.removeHandler(error_log)
        root.setLevel(root_level)
    wall = time.monotonic() - began

    expected = config.users * config.questions
    received = sum(len(r) for r in replies.values())
    duplicates = sum(max(0, len(r) - config.questions) for r in replies.values())
    missing = sum(max(0, config.questions - len(r)) for r in replies.values())
    apologies = sum(
        1
        for r in replies.values()
        for _t, text, _a in r
        if text.startswith((APOLOGY[:30], DB_APOLOGY[:30]))
    )
    answered = sum(1 for r in replies.values() for _t, _text, cited in r if cited)
    declined = sum(1 for r in replies.values() for _t, text, _a in r if text.startswith("🔎"))
    refused = [f for f in failed if INJECTED.get(f.error_code) is None]
    if strangers:
        problems.append(f"replies to unexpected chats: {strangers[:5]}")
    problems += [f"error handler: {e}" for e in handler_errors]
    problems += [f"log: {r}" for r in error_log.records]
    problems += [
        f"refused by the server: {f.method} {f.error_code} {f.description}" for f in refused
    ]

    from_delivery, in_handler, from_send = [], [], []
    for (u, n), update_id in update_of.items():
        if len(replies[u]) <= n:
            continue
        replied = replies[u][n][0]  # one question in flight per officer: the n-th reply
        if update_id in delivered:
            from_delivery.append(replied - delivered[update_id])
        if update_id in handler_started:
            in_handler.append(replied - handler_started[update_id])
        from_send.append(replied - sent_at[(u, n)])

    return LoadReport(
        users=config.users,
        questions=config.questions,
        seed=config.seed,
        expected=expected,
        received=received,
        duplicates=duplicates,
        missing=missing,
        answered=answered,
        declined=declined,
        latency_from_delivery_s=Latency.of(from_delivery),
        latency_in_handler_s=Latency.of(in_handler),
        latency_from_send_s=Latency.of(from_send),
        errors={
            "error handler calls": len(handler_errors),
            "ERROR log records": len(error_log.records),
            "apologies sent": apologies,
            "requests refused (not injected)": len(refused),
            "replies to unknown chats": len(strangers),
        },
        faults=faults,
        faults_by_method=dict(sorted(by_method.items())),
        retries=retries,
        typing_skipped=skipped,
        wall_s=round(wall, 1),
        problems=problems,
    )


@contextlib.contextmanager
def throwaway_database(postgres: str | None) -> Iterator[str]:
    """A knowledge base holding ../shared/corpus that is deleted afterwards."""
    if postgres:
        with postgres_database(postgres) as url:
            load_corpus(url, CORPUS)
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="tdkt-load-") as folder:
        url = f"sqlite:///{Path(folder) / 'kb.db'}"
        load_corpus(url, CORPUS)
        yield url


def main(argv: list[str] | None = None) -> int:
    defaults = LoadConfig()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--questions", type=int, default=defaults.questions)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--rate-429", type=float, default=defaults.rate_429)
    parser.add_argument("--rate-5xx", type=float, default=defaults.rate_5xx)
    parser.add_argument("--rate-slow", type=float, default=defaults.rate_slow)
    parser.add_argument("--slow-delay", type=float, default=defaults.slow_delay)
    parser.add_argument(
        "--postgres", metavar="URL", help="PostgreSQL server URL: run on a temporary database there"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)  # counted, not printed: the report lists them
    config = LoadConfig(
        users=args.users,
        questions=args.questions,
        seed=args.seed,
        rate_429=args.rate_429,
        rate_5xx=args.rate_5xx,
        rate_slow=args.rate_slow,
        slow_delay=args.slow_delay,
    )
    with throwaway_database(args.postgres) as url:
        report = run_load_test(url, config)
    if args.json:
        print(json.dumps(asdict(report) | {"ok": report.ok}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
