"""The fake server itself: :class:`FakeBotApi` serves the Bot API over HTTP, records every call
and lets tests wait for what the bot did, inject faults and read Telegram's state."""

from __future__ import annotations

import asyncio
import copy
import json
import time
import urllib.parse
from collections.abc import Callable
from email.message import Message
from types import TracebackType
from typing import Any, NamedTuple

from .errors import ApiError
from .faults import FaultInjector
from .methods import BotApiMethods
from .state import SentDocument
from .transport import HttpServer
from .users import UserActions
from .wire import parse_request


class Call(NamedTuple):
    """One successfully answered Bot API request (unpacks as ``method, params, timestamp``)."""

    method: str
    params: dict[str, Any]
    timestamp: float


class FailedCall(NamedTuple):
    """A request answered with ``ok: false``: validation error or injected fault."""

    method: str
    params: dict[str, Any]
    timestamp: float
    error_code: int
    description: str


class FakeBotApi(UserActions, BotApiMethods):
    """In-process fake of ``api.telegram.org`` for end-to-end tests (see the package docstring).

    Use as a context manager or call :meth:`start`/:meth:`stop`.  Accepts any bot token.  An
    instance cannot be restarted after stop.
    """

    def __init__(self) -> None:
        super().__init__()
        self._http: HttpServer | None = None
        self._token: str | None = None
        self._calls: list[Call] = []
        self._failed: list[FailedCall] = []
        self.faults = FaultInjector()
        """Queued and random faults (``queue``, ``set_random``, ``clear``) and their record
        (``counts``, ``log``)."""
        self._methods = self._method_table()
        self._canonical = {name.lower(): name for name in self._methods}

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Bind an ephemeral port on 127.0.0.1 and serve from a daemon thread."""
        if self._http is not None:
            raise RuntimeError("FakeBotApi already started")
        if self._stopping:
            raise RuntimeError("FakeBotApi cannot be restarted; create a new instance")
        self._http = HttpServer(self._handle_http)
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake blocked long polls and close keep-alive connections."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The ephemeral TCP port; only valid after :meth:`start`."""
        if self._http is None:
            raise RuntimeError("FakeBotApi is not running")
        return self._http.port

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:PORT``; append ``/bot`` for PTB's base_url."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str | None:
        """The first bot token seen in a request path."""
        with self._cond:
            return self._token

    def register_method(self, name: str, func: Callable[[dict[str, Any]], Any]) -> None:
        """Add or override a Bot API method.

        ``func(params)`` runs under the server lock and returns the ``result`` value or raises
        :class:`ApiError`.  Why: lets a test cover a method this fake does not implement (or
        force a specific answer) without editing this module.
        """
        with self._cond:
            self._methods[name] = func
            self._canonical[name.lower()] = name

    # ---------------------------------------------------------------- recording / waiting

    @property
    def calls(self) -> list[Call]:
        """Successfully answered requests, oldest first (includes getUpdates polls)."""
        with self._cond:
            return copy.deepcopy(self._calls)

    @property
    def failed_calls(self) -> list[FailedCall]:
        """Requests answered ``ok: false`` (validation errors and injected 429/5xx).

        Note: stopping a PTB updater abandons its in-flight long poll; PTB's final
        getUpdates then supersedes it, so one ``getUpdates`` 409 "terminated by other
        getUpdates request" entry is expected after shutdown (filter by method).
        """
        with self._cond:
            return copy.deepcopy(self._failed)

    def mark(self) -> int:
        """Current position in :attr:`calls`; pass as ``since=`` to ignore older calls."""
        with self._cond:
            return len(self._calls)

    def calls_to(self, method: str, *, since: int = 0) -> list[dict[str, Any]]:
        """Params of successful calls to ``method`` (case-insensitive) after ``since``."""
        wanted = method.lower()
        with self._cond:
            return [
                copy.deepcopy(call.params)
                for call in self._calls[since:]
                if call.method.lower() == wanted
            ]

    def _find_call(
        self, method: str, predicate: Callable[[dict[str, Any]], bool] | None, since: int
    ) -> dict[str, Any] | None:
        wanted = method.lower()
        for call in self._calls[since:]:
            if call.method.lower() == wanted and (predicate is None or predicate(call.params)):
                return copy.deepcopy(call.params)
        return None

    def _timeout_message(self, method: str, since: int, timeout: float) -> str:
        recent = [c.method for c in self._calls[since:] if c.method != "getUpdates"][-15:]
        failed = [(f.method, f.description) for f in self._failed][-5:]
        return (
            f"no matching {method} call within {timeout}s (since={since}); "
            f"calls since then: {recent}; recent failures: {failed}"
        )

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict[str, Any]:
        """Block until a successful ``method`` call (matching ``predicate``) is recorded.

        Only calls at index >= ``since`` (see :meth:`mark`) are considered; the default 0
        also matches calls that already happened, which avoids races.  Raises
        ``TimeoutError`` listing what *did* arrive.  Do not call from the event loop that
        runs the bot (it would block it); use :meth:`wait_for_async` there.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find_call(method, predicate, since)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(method, since, timeout))
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict[str, Any]:
        """Async :meth:`wait_for` that yields to the event loop (the bot runs in it too)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = self._find_call(method, predicate, since)
                if found is not None:
                    return found
                if time.monotonic() >= deadline:
                    raise TimeoutError(self._timeout_message(method, since, timeout))
            await asyncio.sleep(0.005)

    def wait_updates_delivered(self, timeout: float = 10.0) -> None:
        """Block until the bot confirmed (via getUpdates offset) every queued update."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._updates)} updates still pending")
                self._cond.wait(remaining)

    def wait_for_poll(self, timeout: float = 10.0) -> None:
        """Block until some getUpdates request is parked waiting for updates.

        Why: lets a test know the bot finished processing and is listening again, without
        sleeping for an arbitrary time.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._waiting_polls == 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no getUpdates long poll is waiting")
                self._cond.wait(remaining)

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the bot."""
        with self._cond:
            return len(self._updates)

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Current state of messages the bot sent (edits applied, deleted ones omitted)."""
        with self._cond:
            result = []
            for key in self._bot_message_keys:
                message = self._messages.get(key)
                if message is not None and (chat_id is None or key[0] == chat_id):
                    result.append(copy.deepcopy(message))
            return result

    def last_sent(self, chat_id: int | None = None) -> dict[str, Any] | None:
        """The most recently sent, still existing bot message (optionally in one chat)."""
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state of any stored message (bot's or user's), or None if unknown."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    @property
    def inline_messages(self) -> dict[str, dict[str, Any]]:
        """State of inline messages by ``inline_message_id`` (text, entities, reply_markup)."""
        with self._cond:
            return copy.deepcopy(self._inline_messages)

    @property
    def documents(self) -> list[SentDocument]:
        """Documents the bot sent, as ``(filename, data)`` tuples, oldest first."""
        with self._cond:
            return list(self._documents)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands currently set for ``scope`` (default scope) and ``language_code``."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    # ---------------------------------------------------------------- fault injection

    # ---------------------------------------------------------------- HTTP entry point

    def _handle_http(self, raw_path: str, headers: Message, body: bytes) -> tuple[int, str, bytes]:
        """Route one HTTP request; returns (status, content type, body)."""
        split = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(split.path)
        if path.startswith("/file/bot"):
            _, _, file_path = path[len("/file/bot") :].partition("/")
            with self._cond:
                stored = self._files_by_path.get(file_path)
            if stored is None:
                return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return 200, stored.mime_type, stored.data
        if not path.startswith("/bot"):
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method = path[len("/bot") :].partition("/")
        with self._cond:
            if self._token is None:
                self._token = token
        if not method:
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        try:
            params = parse_request(split.query, headers, body)
        except ApiError as err:
            return self._json(err.error_code, err.payload())
        return self._call_api(method, params)

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
        return status, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _call_api(self, method: str, params: dict[str, Any]) -> tuple[int, str, bytes]:
        with self._cond:
            canonical = self._canonical.get(method.lower(), method)
        fault = self.faults.take(canonical)
        if fault is not None:
            error = fault.error()
            if error is not None:
                return self._fail(canonical, params, error)
            time.sleep(fault.delay)  # "slow": answered normally, late
        with self._cond:
            impl = self._methods.get(canonical)
            if impl is None:
                return self._fail(canonical, params, ApiError(404, "Not Found: method not found"))
            try:
                result = impl(params)
            except ApiError as error:
                return self._fail(canonical, params, error)
            self._calls.append(Call(canonical, params, time.time()))
            self._cond.notify_all()
            return self._json(200, {"ok": True, "result": result})

    def _fail(self, method: str, params: dict[str, Any], error: ApiError) -> tuple[int, str, bytes]:
        with self._cond:
            self._failed.append(
                FailedCall(method, params, time.time(), error.error_code, error.description)
            )
            self._cond.notify_all()
        return self._json(error.error_code, error.payload())
