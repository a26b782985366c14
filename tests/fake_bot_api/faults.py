"""Fault injection: make chosen Bot API calls answer 429, 500/502, or slowly.

Why: the bot's retry and rate-limit layer (``bot.reliability``) must be tested against the
answers Telegram really gives under load; queued faults make a test deterministic, seeded random
faults make a load test reproducible.
"""

from __future__ import annotations

import collections
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ApiError

FAULT_KINDS = ("429", "500", "502", "slow")
RANDOM_FAULT_PREFIXES = ("send", "edit")


@dataclass
class Fault:
    """One injected misbehaviour (a queued one may last for ``remaining`` calls)."""

    kind: str
    remaining: int
    retry_after: int
    delay: float

    def error(self) -> ApiError | None:
        """The error answer Telegram would give, or None for ``"slow"`` (answered late)."""
        if self.kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "502":
            return ApiError(502, "Bad Gateway")
        if self.kind == "500":
            return ApiError(500, "Internal Server Error")
        return None


@dataclass
class _RandomFaults:
    """Probabilistic faults for load tests; seeded so failures are reproducible."""

    rate_429: float
    rate_5xx: float
    rate_slow: float
    rng: random.Random
    retry_after: int
    delay: float
    methods: frozenset[str] | None

    def applies_to(self, method: str) -> bool:
        """Only state-changing send/edit methods, so polling and getMe stay reliable."""
        if self.methods is not None:
            return method.lower() in self.methods
        return method.lower().startswith(RANDOM_FAULT_PREFIXES)

    def roll(self) -> Fault | None:
        roll = self.rng.random()
        if roll < self.rate_429:
            return Fault("429", 1, self.retry_after, self.delay)
        if roll < self.rate_429 + self.rate_5xx:
            kind = "500" if self.rng.random() < 0.5 else "502"
            return Fault(kind, 1, self.retry_after, self.delay)
        if roll < self.rate_429 + self.rate_5xx + self.rate_slow:
            return Fault("slow", 1, self.retry_after, self.delay)
        return None


class FaultInjector:
    """Queued and random faults, and the record of those injected (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, list[Fault]] = {}
        self._random: _RandomFaults | None = None
        self._counts: collections.Counter[str] = collections.Counter()
        self._log: list[tuple[str, str]] = []

    def queue(
        self, method: str, kind: str, *, times: int = 1, retry_after: int = 1, delay: float = 0.5
    ) -> None:
        """Make the next ``times`` calls to ``method`` (or ``"*"`` for any) misbehave.

        ``kind``: ``"429"`` answers ``error_code 429`` with ``parameters.retry_after``
        (PTB raises ``RetryAfter``); ``"500"``/``"502"`` answer a 5xx error (PTB raises
        ``NetworkError``); ``"slow"`` sleeps ``delay`` seconds, then answers normally.
        Faults queue up in call order and take precedence over random faults.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._queued.setdefault(method.lower(), []).append(
                Fault(kind, times, retry_after, delay)
            )

    def set_random(
        self,
        rate_429: float = 0.05,
        rate_5xx: float = 0.02,
        rate_slow: float = 0.05,
        seed: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.5,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Inject faults at random into send*/edit* methods (or the given ``methods``).

        Why seeded: a load test that fails must fail the same way when re-run.  5xx faults
        are split evenly between 500 and 502.  Replaces any previous random configuration.
        """
        if rate_429 + rate_5xx + rate_slow > 1:
            raise ValueError("fault rates must sum to <= 1")
        with self._lock:
            self._random = _RandomFaults(
                rate_429,
                rate_5xx,
                rate_slow,
                random.Random(seed),
                retry_after,
                delay,
                frozenset(m.lower() for m in methods) if methods is not None else None,
            )

    def clear(self) -> None:
        """Remove queued and random faults (counters are kept)."""
        with self._lock:
            self._queued.clear()
            self._random = None

    @property
    def counts(self) -> collections.Counter[str]:
        """How many faults were injected, by kind (``"429"``, ``"500"``, ``"502"``, ``"slow"``)."""
        with self._lock:
            return collections.Counter(self._counts)

    @property
    def log(self) -> list[tuple[str, str]]:
        """``(method, kind)`` for every injected fault, in order."""
        with self._lock:
            return list(self._log)

    def take(self, method: str) -> Fault | None:
        """The fault this call to ``method`` suffers, if any (recorded as injected)."""
        with self._lock:
            fault = self._next(method)
            if fault is not None:
                self._counts[fault.kind] += 1
                self._log.append((method, fault.kind))
            return fault

    def _next(self, method: str) -> Fault | None:
        for key in (method.lower(), "*"):
            queue = self._queued.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        if self._random is None or not self._random.applies_to(method):
            return None
        return self._random.roll()
