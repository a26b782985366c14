"""Sending to Telegram under load and faults: rate limits, retries, no duplicates.

Why a subclass of PTB's ``AIORateLimiter``: every Bot API request of the application already
passes through it (except ``getUpdates``, which the Updater retries itself), so one place
covers replies, edits, callback answers and documents from every handler.

What it adds to the stock limiter (which only waits out ``429 Too Many Requests``):

* **Transient failures are retried** with exponential backoff and jitter, but only when
  Telegram certainly did not act on the request: a 5xx answer (the Bot API rejected it), a
  connection that could not be opened, or a request that never left the connection pool.
  A read timeout or a connection dropped mid-request is *not* retried: the message may have
  been delivered, and sending it again would show the officer the same answer twice. Those
  errors reach the application's error handler, which apologises.
* **Chat actions ("typing…") never wait for the rate budget.** When the overall budget (or
  a group's 20 messages a minute) is used up, or a 429 pause is in force, the action is
  dropped instead of queued: a typing indicator that arrives after the answer is useless,
  and queued ones would halve the reply throughput of a training-session burst.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

READ_TIMEOUT = 20.0
"""Seconds to wait for a Bot API answer (PTB's default is 5). Why longer: a slow answer that
times out cannot be retried safely (it may have been delivered), so the client should rather
wait; Telegram answers sends in well under a second when healthy."""
WRITE_TIMEOUT = 20.0
CONNECT_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
"""A request that times out waiting for a free connection was never sent, so it is retried."""

RETRY_AFTER_RETRIES = 5
"""How often one request waits out a 429 (each wait is the ``retry_after`` Telegram asks)."""
NETWORK_RETRIES = 4
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
BEST_EFFORT_ENDPOINTS = frozenset({"sendChatAction"})
ACTION_PAUSE_SECONDS = 5.0
"""After a 429 on a chat action, further chat actions are dropped for this long."""


def request_not_processed(error: NetworkError) -> bool:
    """True when Telegram certainly did not act on the failed request (safe to send again).

    PTB raises ``NetworkError`` for three different situations, told apart by its cause:
    an HTTP error status from the server (no httpx cause; 5xx means the Bot API did not
    process the request), a transport failure (an ``httpx`` error), and ``BadRequest``
    (a subclass: the request itself is wrong, sending it again cannot help).
    """
    if isinstance(error, BadRequest):
        return False
    cause = error.__cause__
    if isinstance(error, TimedOut):
        # Pool and connect timeouts happen before a byte is sent; read/write ones do not.
        return isinstance(cause, httpx.PoolTimeout | httpx.ConnectTimeout)
    if cause is None or isinstance(cause, TelegramError):
        return True  # an error status answered by the server (a non-JSON 502 has a cause)
    return isinstance(cause, httpx.ConnectError)


class ReliableRateLimiter(AIORateLimiter):
    """PTB's rate limiter plus safe retries of transient failures (see the module docstring)."""

    def __init__(
        self,
        *,
        max_retries: int = RETRY_AFTER_RETRIES,
        network_retries: int = NETWORK_RETRIES,
        backoff: float = BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        **limits: Any,
    ) -> None:
        super().__init__(max_retries=max_retries, **limits)
        self.network_retries = network_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._jitter = random.Random()
        self.retried: collections.Counter[str] = collections.Counter()
        """Retries made after a transient failure, by endpoint (for load reports and logs)."""
        self.skipped_actions = 0
        """Chat actions dropped because the rate budget was exhausted."""
        self._actions_paused_until = 0.0

    def _congested(self, chat_id: object) -> bool:
        """Whether a request sent now would have to wait for the rate budget.

        Reads the stock limiter's state (``_retry_after_event``, ``_base_limiter`` and the
        per-group limiters); if a future PTB renames them, nothing is ever dropped.
        """
        event = getattr(self, "_retry_after_event", None)
        if isinstance(event, asyncio.Event) and not event.is_set():
            return True
        limiters = [getattr(self, "_base_limiter", None)]
        if isinstance(chat_id, int) and chat_id < 0:
            limiters.append(getattr(self, "_group_limiters", {}).get(chat_id))
        for limiter in limiters:
            if limiter is None:
                continue
            if getattr(limiter, "_waiters", None) or not limiter.has_capacity():
                return True
        return False

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in BEST_EFFORT_ENDPOINTS:
            return await self._best_effort(callback, args, kwargs, endpoint, data)
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:
                if attempt >= self.network_retries or not request_not_processed(error):
                    raise
                delay = min(self.max_backoff, self.backoff * 2**attempt)
                delay *= self._jitter.uniform(0.5, 1.0)  # spread a burst's retries apart
                attempt += 1
                self.retried[endpoint] += 1
                logger.warning(
                    "Telegram %s lỗi tạm thời (%s); gửi lại lần %d sau %.1f s",
                    endpoint,
                    error,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _best_effort(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """One attempt within the rate budget, or nothing: never delays other requests.

        A 429 on a chat action is not waited out (that would pause every reply of the bot);
        chat actions are dropped for a while instead.
        """
        loop = asyncio.get_running_loop()
        if loop.time() < self._actions_paused_until or self._congested(data.get("chat_id")):
            self.skipped_actions += 1
            return True

        async def once(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter:
                self._actions_paused_until = loop.time() + ACTION_PAUSE_SECONDS
                self.skipped_actions += 1
                return True

        return await super().process_request(once, args, kwargs, endpoint, data, None)
