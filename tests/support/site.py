"""A loopback HTTP server for replica social sites: GET and POST, answers that change from
one request to the next (a 429 first, then the page), and a log of every request.

``serve_site(routes)`` maps a path (without the query) to a ``Reply``, a list of them
served in turn (the last one repeats), or a function of the ``Hit`` (a GraphQL endpoint
answering by the cursor in the POST body); the server records ``Hit(method, path, query, body,
at)`` for each request in ``site.hits``. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.support.http import HOST, Reply

NOT_FOUND = Reply(b"not found", 404)


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    at: float
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """A running replica server: its base URL and the requests it received."""

    base_url: str
    routes: dict[str, list[Reply] | Callable[[Hit], Reply]]
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    def next_reply(self, hit: Hit) -> Reply:
        with self.lock:
            self.hits.append(hit)
            replies = self.routes.get(hit.path)
            if callable(replies):
                return replies(hit)
            if not replies:
                return NOT_FOUND
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def hits_to(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path]


Route = Reply | Sequence[Reply] | Callable[[Hit], Reply]


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.answer(self.rfile.read(length))

    def answer(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        hit = Hit(self.command, parts.path, parse_qs(parts.query), body, time.monotonic(), headers)
        reply = self.site.next_reply(hit)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep test output clean."""


@contextmanager
def serve_site(routes: Mapping[str, Route]) -> Iterator[Site]:
    """Serve ``routes`` in a thread on 127.0.0.1; yields the running ``Site``."""
    table = {path: _replies(route) for path, route in routes.items()}
    server = ThreadingHTTPServer((HOST, 0), _Handler)
    site = Site(f"http://{HOST}:{server.server_address[1]}", table)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"site": site})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _replies(route: Route) -> list[Reply] | Callable[[Hit], Reply]:
    if isinstance(route, Reply):
        return [route]
    return route if callable(route) else list(route)


def form(hit: Hit) -> dict[str, str]:
    """The form fields of a POST ``hit`` (first value of each)."""
    return {key: values[0] for key, values in parse_qs(hit.body.decode("utf-8")).items()}
