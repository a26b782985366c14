"""CI's reduced load test: 20 officers × 3 questions in bursts through a faulty Bot API.

The full run (200 × 5, figures in the report) is ``python -m tests.tools.load_test``; this
runs the same code, smaller, so a change that loses, duplicates or fails a reply under 429s,
5xx and slow answers fails CI. Fault rates are higher than in the full run so every kind is
exercised.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.reliability import ReliableRateLimiter, request_not_processed
from tests.bot_harness import OFFICER, TOKEN, copy_database
from tests.conftest import DEV_SET
from tests.fake_bot_api import FakeBotApi
from tests.tools import load_test as load


@pytest.mark.skipif(not DEV_SET.exists(), reason="../shared/eval/dev.jsonl not found")
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_burst_with_faults_gets_exactly_one_reply_per_question(
    corpus_db: str, tmp_path: Path
) -> None:
    config = load.LoadConfig(
        users=20,
        questions=3,
        seed=11,
        rate_429=0.06,
        rate_5xx=0.1,
        rate_slow=0.1,
        slow_delay=0.3,
        round_timeout=60,
        settle=1.0,
    )
    report = load.run_load_test(copy_database(corpus_db, tmp_path), config)
    text = "\n".join(report.lines())
    assert report.received == report.expected == 60, text
    assert report.duplicates == 0 and report.missing == 0, text
    assert sum(report.errors.values()) == 0, text
    assert report.answered + report.declined == 60, text
    assert report.faults.get("429", 0) > 0, text
    assert report.faults.get("500", 0) + report.faults.get("502", 0) > 0, text
    assert report.faults.get("slow", 0) > 0, text
    assert report.retries.get("sendMessage", 0) > 0, text  # 5xx on replies were sent again
    assert report.ok, text


# -- which failures are sent again ---------------------------------------------------------


def _caused(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


def test_only_requests_telegram_did_not_process_are_retried() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")
    assert request_not_processed(NetworkError("Bad Gateway"))  # a 5xx answer
    assert request_not_processed(
        _caused(
            NetworkError("httpx.ConnectError: refused"),
            httpx.ConnectError("refused", request=request),
        )
    )
    assert request_not_processed(_caused(TimedOut("Pool timeout"), httpx.PoolTimeout("full")))
    assert request_not_processed(_caused(TimedOut(), httpx.ConnectTimeout("slow connect")))
    # It may have been delivered: sending again could show the answer twice.
    assert not request_not_processed(_caused(TimedOut(), httpx.ReadTimeout("no answer")))
    assert not request_not_processed(_caused(TimedOut(), httpx.WriteTimeout("half sent")))
    assert not request_not_processed(
        _caused(
            NetworkError("httpx.RemoteProtocolError: Server disconnected"),
            httpx.RemoteProtocolError("Server disconnected", request=request),
        )
    )
    assert not request_not_processed(BadRequest("Can't parse entities"))


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retries_never_duplicate_a_message() -> None:
    """5xx answers are sent again until delivered; a timed-out (slow) answer is not, though
    the server did deliver it: exactly one message each time."""

    async def scenario(server: FakeBotApi) -> tuple[int, type[BaseException] | None]:
        limiter = ReliableRateLimiter(backoff=0.01)
        bot = ExtBot(
            TOKEN,
            base_url=f"{server.url}/bot",
            rate_limiter=limiter,
            request=HTTPXRequest(read_timeout=0.3),
        )
        async with bot:
            await bot.send_message(OFFICER, "một")  # 502, 500, then delivered
            server.faults.queue("sendMessage", "slow", delay=0.6)
            failure = None
            try:
                await bot.send_message(OFFICER, "hai")  # answered after the read timeout
            except TimedOut as exc:
                failure = type(exc)
            await asyncio.sleep(0.8)  # the slow answer lands meanwhile
        return limiter.retried["sendMessage"], failure

    with FakeBotApi() as server:
        server.add_chat(OFFICER)
        server.faults.queue("sendMessage", "502")
        server.faults.queue("sendMessage", "500")
        retried, failure = asyncio.run(scenario(server))
        texts = [m["text"] for m in server.sent_messages(OFFICER)]
    assert retried == 2 and failure is TimedOut
    assert texts == ["một", "hai"]


def test_typing_is_dropped_not_queued_when_the_rate_budget_is_used() -> None:
    """A burst's "typing…" must not take the rate budget its replies need."""
    sent: list[str] = []

    async def callback(endpoint: str, data: dict) -> bool:
        sent.append(endpoint)
        return True

    async def scenario() -> ReliableRateLimiter:
        limiter = ReliableRateLimiter(overall_max_rate=2, overall_time_period=1)
        await limiter.initialize()
        for _ in range(5):  # 5 actions at once; the budget holds 2
            data = {"chat_id": OFFICER, "action": "typing"}
            assert (
                await limiter.process_request(
                    callback, ("sendChatAction", data), {}, "sendChatAction", data, None
                )
                is True
            )
        return limiter

    limiter = asyncio.run(scenario())
    assert sent == ["sendChatAction"] * 2 and limiter.skipped_actions == 3
