"""The HTTP side: a threaded HTTP/1.1 server on 127.0.0.1 that hands each request to a handler.

Why its own module: sockets, keep-alive and chunked bodies have nothing to do with what the
Bot API methods do; :class:`FakeBotApi` only sees (path, headers, body) and answers
(status, content type, payload).
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable
from email.message import Message
from typing import Any

HandleRequest = Callable[[str, Message, bytes], tuple[int, str, bytes]]
"""``handle(path, headers, body) -> (status, content type, payload)``."""


class HttpServer(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer on an ephemeral port of 127.0.0.1, served from a daemon thread.

    It remembers open connections so :meth:`stop` can cut keep-alives (handler threads would
    otherwise stay blocked reading the next request of an idle client).
    """

    daemon_threads = True
    # Load tests open many connections at once; the default backlog of 5 would refuse some.
    request_queue_size = 128

    def __init__(self, handle: HandleRequest) -> None:
        self.handle = handle
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        """Stop serving, close keep-alive connections and the listening socket."""
        self.shutdown()
        self.close_connections()
        self.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients legitimately drop long polls (PTB cancels getUpdates on stop)."""

    def close_connections(self) -> None:
        """Shut down every open socket so handler threads blocked on keep-alive reads exit."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(http.server.BaseHTTPRequestHandler):
    """Hands each request to the server's ``handle``; HTTP/1.1 so httpx can reuse connections."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle + delayed ACK
    # adds ~40 ms to every keep-alive request, which would dominate load tests.
    disable_nagle_algorithm = True
    server: HttpServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; ``FakeBotApi.calls`` is the useful record."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
            status, content_type, payload = self.server.handle(self.path, self.headers, body)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hang
            status, content_type = 500, "application/json"
            payload = json.dumps(
                {"ok": False, "error_code": 500, "description": f"Fake server error: {exc!r}"}
            ).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionError, OSError):
            self.close_connection = True
