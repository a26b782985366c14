"""Parsing uploads in a process of their own, one at a time, with a time budget.

Why not a thread: answering runs in asyncio's default threads and in the same interpreter.
Eight large PDFs sent at once (Telegram's multi-select) kept every thread and the GIL busy
for two minutes and used 2 GB; no officer got an answer meanwhile. Here uploads wait in a
queue for one worker process (``pebble``: a task over its budget has its process killed and
replaced), at a lower CPU priority, so answers never wait for them and memory is bounded by
one parse. A worker that dies (killed, out of memory) fails only its own upload.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from knowledge.errors import KnowledgeError

T = TypeVar("T")

WORKERS = 1
"""Uploads parsed at the same time: one core keeps answering on a two-core server."""
PARSE_SECONDS = 120.0
"""Wall time one upload may take in the worker (reading, structure, tokens) before it is
stopped; far above what the page and character budgets of ``knowledge.uploads`` allow."""
TASKS_PER_WORKER = 20
"""A worker is replaced after this many uploads: memory a large parse left behind is freed."""
NICENESS = 10


def _call(func: Callable[..., T], *args: Any) -> T:
    """Run ``func`` in the worker; an error that cannot travel back to the bot (unpicklable)
    is sent as a plain one, so the pool itself never breaks on it."""
    try:
        return func(*args)
    except KnowledgeError as error:
        if _picklable(error):
            raise
        raise KnowledgeError(str(error)) from None
    except Exception as error:
        if _picklable(error):
            raise
        raise RuntimeError(f"{type(error).__name__}: {error}") from None


def _picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True


def _lower_priority() -> None:
    """Worker initializer: officers' answers win the CPU over parsing."""
    try:
        os.nice(NICENESS)
    except OSError:  # pragma: no cover - not permitted on this system
        pass


class UploadWorker:
    """A bounded pool of worker processes for parsing uploads (started on first use)."""

    def __init__(self, *, workers: int = WORKERS, seconds: float = PARSE_SECONDS) -> None:
        self.workers = workers
        self.seconds = seconds
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                # "spawn": the bot's threads, database connections and event loop are not
                # copied into the worker (fork would copy them mid-use).
                self._pool = ProcessPool(
                    max_workers=self.workers,
                    max_tasks=TASKS_PER_WORKER,
                    initializer=_lower_priority,
                    context=multiprocessing.get_context("spawn"),
                )
            return self._pool

    def submit(self, filename: str, func: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``func(*args)`` in a worker; the future's error is a ``KnowledgeError`` with
        the admin's Vietnamese message when the budget ran out or the worker died."""
        task = self._get_pool().schedule(_call, args=(func, *args), timeout=self.seconds)
        result: Future[T] = Future()

        def settle(done: Future[T]) -> None:
            try:
                result.set_result(done.result())
            except TimeoutError:
                result.set_exception(
                    KnowledgeError(
                        f"Đọc tệp “{filename}” mất quá {self.seconds:.0f} giây nên tôi đã dừng. "
                        "Hãy tách tệp thành các phần nhỏ hơn rồi gửi lại."
                    )
                )
            except ProcessExpired:
                result.set_exception(
                    KnowledgeError(
                        f"Không đọc xong tệp “{filename}”: tiến trình đọc tệp bị dừng đột ngột "
                        "(có thể do tệp quá lớn). Hãy tách tệp thành các phần nhỏ hơn rồi gửi lại."
                    )
                )
            except BaseException as error:  # the function's own error, e.g. KnowledgeError
                result.set_exception(error)

        task.add_done_callback(settle)
        return result

    def close(self) -> None:
        """Stop the workers. A parse in progress is abandoned: a file being previewed must be
        sent again; one being published goes back to pending (``handlers.admin``)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(5)
