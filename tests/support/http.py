"""Loopback HTTP helpers for tests: serve fixed replies on 127.0.0.1, port 0.

``serve(routes)`` answers each path with its ``Reply`` (a route with the query string
first, then the bare path; 404 for unknown paths);
``silent_server()`` accepts connections and never answers; ``closed_port_url()`` gives
a URL where nothing listens. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.fence import Fence, parse_allow

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    """One canned HTTP response."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


# A route is a fixed reply, or a function of the request's path and body (for APIs that
# answer POSTed queries, such as GraphQL).
Route = Reply | Callable[[str, bytes], Reply]
MAX_REQUEST_BODY = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    routes: Mapping[str, Route] = {}
    log: list[str] | None = None

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = min(int(self.headers.get("Content-Length") or 0), MAX_REQUEST_BODY)
        self.answer(self.rfile.read(length))

    def answer(self, body: bytes) -> None:
        if self.log is not None:
            self.log.append(self.path)
        route = self.routes.get(self.path) or self.routes.get(
            self.path.split("?", 1)[0], Reply(b"not found", 404)
        )
        reply = route if isinstance(route, Reply) else route(self.path, body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep test output clean."""


@contextmanager
def serve(
    routes: Mapping[str, Route], *, host: str = HOST, log: list[str] | None = None
) -> Iterator[str]:
    """Serve ``routes`` (path -> reply, or path -> function of path and body) in a thread;
    yields the base URL. ``host`` may be another loopback address (127.0.0.2 stands for an
    internal service); every requested path is appended to ``log`` when given."""
    handler = type("Handler", (_Handler,), {"routes": dict(routes), "log": log})
    server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def silent_server() -> Iterator[str]:
    """A socket that completes TCP handshakes (kernel backlog) and never sends a byte;
    yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, 0))
        sock.listen(64)
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        sock.close()


def closed_port_url() -> str:
    """A URL on a loopback port that was free a moment ago (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    return f"http://{HOST}:{port}/"


def loopback_fence() -> Fence:
    """The fence of the tests: public addresses and 127.0.0.1 (where the replica
    servers listen); 127.0.0.2, standing for an internal service, stays refused."""
    return Fence(parse_allow([HOST]))
