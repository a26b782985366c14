"""Fault injection as python-telegram-bot sees it: 429 with retry_after, 5xx, slow answers,
and seeded random faults that only hit send/edit methods."""

from __future__ import annotations

import asyncio
import collections
import time

import httpx
import pytest
from telegram.error import NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from tests.fake_bot_api import DEFAULT_USER_ID, FakeBotApi

from .echo_bot import TOKEN, build_app, make_bot, running


# PTB itself reads the deprecated int-valued RetryAfter.retry_after internally.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_once_then_success(server: FakeBotApi) -> None:
    """A queued 429 surfaces as PTB's RetryAfter exactly once; the retry goes through."""
    server.add_chat(DEFAULT_USER_ID)
    server.faults.queue("sendMessage", "429", times=1, retry_after=1)

    async def scenario() -> None:
        async with make_bot(server) as bot:
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(DEFAULT_USER_ID, "Lần 1")
            assert "Retry in 1 second" in str(info.value)
            message = await bot.send_message(DEFAULT_USER_ID, "Lần 2")
            assert message.text == "Lần 2"

    asyncio.run(scenario())
    assert server.faults.counts == collections.Counter({"429": 1})
    assert [m["text"] for m in server.sent_messages()] == ["Lần 2"]
    [failed] = server.failed_calls
    assert (failed.method, failed.error_code, failed.params["text"]) == (
        "sendMessage",
        429,
        "Lần 1",
    )


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_aio_rate_limiter_retries_after_429(server: FakeBotApi) -> None:
    """With PTB's AIORateLimiter the reply still arrives, after waiting retry_after."""
    server.faults.queue("sendMessage", "429", times=1, retry_after=1)

    async def scenario() -> tuple[dict[str, object], float]:
        app = build_app(server, rate_limiter=AIORateLimiter(max_retries=2))
        async with running(app):
            mark = server.mark()
            started = time.monotonic()
            server.send_command("start")
            params = await server.wait_for_async("sendMessage", since=mark, timeout=5)
            return params, time.monotonic() - started

    params, elapsed = asyncio.run(scenario())
    assert str(params["text"]).startswith("Xin chào!")
    assert elapsed >= 1.0
    assert server.faults.log == [("sendMessage", "429")]


def test_server_errors_and_slow_responses(server: FakeBotApi) -> None:
    """5xx faults map to NetworkError; "slow" delays but succeeds."""
    server.add_chat(DEFAULT_USER_ID)
    server.faults.queue("sendMessage", "502")
    server.faults.queue("sendMessage", "500")
    server.faults.queue("editMessageText", "slow", delay=0.3)

    async def scenario() -> float:
        async with make_bot(server) as bot:
            for _ in range(2):
                with pytest.raises(NetworkError) as info:
                    await bot.send_message(DEFAULT_USER_ID, "lỗi")
                assert type(info.value) is NetworkError
            message = await bot.send_message(DEFAULT_USER_ID, "ổn")
            started = time.monotonic()
            await message.edit_text("ổn định")
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.3
    assert server.faults.counts == collections.Counter({"502": 1, "500": 1, "slow": 1})
    assert [f.error_code for f in server.failed_calls] == [502, 500]
    assert [m["text"] for m in server.sent_messages()] == ["ổn định"]


def test_random_faults_are_seeded_and_only_hit_send_edit_methods() -> None:
    """Same seed, same fault sequence; getMe is never faulted."""

    def run(seed: int) -> tuple[list[int], list[int], collections.Counter[str]]:
        with FakeBotApi() as fake:
            fake.add_chat(DEFAULT_USER_ID)
            fake.faults.set_random(
                rate_429=0.2, rate_5xx=0.1, rate_slow=0.1, seed=seed, delay=0.001
            )
            with httpx.Client(base_url=f"{fake.url}/bot{TOKEN}") as client:
                sends = [
                    client.post("/sendMessage", data={"chat_id": DEFAULT_USER_ID, "text": f"m{i}"})
                    for i in range(60)
                ]
                me = [client.post("/getMe").status_code for _ in range(20)]
            return [r.status_code for r in sends], me, fake.faults.counts

    first, second = run(7), run(7)
    assert first == second
    statuses, me_statuses, counts = first
    assert set(me_statuses) == {200}
    assert counts["429"] == statuses.count(429) > 0
    assert counts["500"] + counts["502"] == statuses.count(500) + statuses.count(502) > 0
    assert counts["slow"] > 0
    assert statuses.count(200) == 60 - counts["429"] - counts["500"] - counts["502"]
