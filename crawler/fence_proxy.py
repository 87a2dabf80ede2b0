"""The fence in front of Pantau's browsers: a small forward proxy on loopback.

Evidence capture (``evidence.capture``) and the crawls that render pages in Chromium
(``crawler.browser_pages``) launch it with this proxy for everything (Playwright also
sends loopback through it), so every connection a page makes — the navigation, each redirect
hop, a meta refresh, images, iframes, a script's ``fetch`` or XHR, websockets (always a
``CONNECT`` tunnel) — reaches the network only after ``crawler.fence`` has checked the
URL's host, and then goes to the address that was checked: a second DNS answer cannot
send it elsewhere (DNS rebinding), and the browser itself never resolves a name.

Chromium's own calls home (component updates, Google account sign-in, which Debian's
build makes because it ships Google API keys) are refused before any DNS lookup: they are
not the page's, and would otherwise ask the resolver about Google hosts on every start.

A refused request gets ``403`` (plain http) or a refused tunnel (https, wss), and is
logged (the capture lists the page's refused requests in the manifest). A connection
that fails is recorded, and ``take_notes`` hands those records to the capture, for its
error message. Plain http requests are sent upstream with ``Connection: close``, so one
client connection carries one request to one checked address.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import threading
from types import TracebackType
from urllib.parse import urlsplit

from crawler.errors import FencedError
from crawler.fence import Fence, IPAddress

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
_HOP_HEADERS = (b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization")
_REFUSED = (
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\nContent-Length: 30\r\n\r\nrefused by the Pantau fence.\r\n"
)


# Hosts Chromium itself calls, whatever page it shows; no post page needs them.
BROWSER_SERVICE_HOSTS = frozenset(
    {
        "accounts.google.com",
        "clients2.google.com",
        "clients2.googleusercontent.com",
        "clientservices.googleapis.com",
        "content-autofill.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "safebrowsingohttpgateway.googleapis.com",
        "update.googleapis.com",
        "redirector.gvt1.com",
        "edgedl.me.gvt1.com",
    }
)


class ProxyRequestError(Exception):
    """The browser sent something that is not a proxy request we serve."""


class FenceProxy:
    """The proxy server, in a thread of its own, for one browser::

    with FenceProxy(fence, timeout=30) as proxy:
        browser = chromium.launch(proxy={"server": proxy.url})
    """

    def __init__(self, fence: Fence, *, timeout: float) -> None:
        self.fence = fence
        self.timeout = timeout
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FenceProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fence proxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fence-proxy", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def note(self, note: str) -> None:
        """Record a failed connection for the capture's error message."""
        with self._lock:
            self._refusals.append(note)
        logger.info("fence proxy: %s", note)

    def take_notes(self) -> list[str]:
        """What could not be reached since the last call (and forget it)."""
        with self._lock:
            taken, self._refusals = self._refusals, []
        return taken


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, proxy: FenceProxy) -> None:
        super().__init__(address, handler)
        self.proxy = proxy

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser connection that broke is logged, not printed to stderr."""
        logger.debug("fence proxy: connection from %s failed", client_address, exc_info=True)


class _Handler(socketserver.BaseRequestHandler):
    """One browser connection: one request (or one tunnel), checked, then relayed."""

    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        proxy = self.server.proxy
        client.settimeout(proxy.timeout)
        try:
            head, rest = _read_head(client)
            method, target = _request_line(head)
            url, port = _target_url(method, target)
            if (urlsplit(url).hostname or "").lower() in BROWSER_SERVICE_HOSTS:
                logger.debug("fence proxy: refused the browser's own call to %s", url[:200])
                _send_quietly(client, _REFUSED)
                return
            address = proxy.fence.check_url(url)[0]
        except FencedError as exc:
            logger.info("fence proxy: refused %s: %s", exc.url, exc.reason)
            _send_quietly(client, _REFUSED)
            return
        except (ProxyRequestError, OSError) as exc:
            logger.debug("fence proxy: dropped a request: %s", exc)
            return
        self._relay(client, method, head, rest, address, port)

    def _relay(
        self,
        client: socket.socket,
        method: bytes,
        head: bytes,
        rest: bytes,
        address: IPAddress,
        port: int,
    ) -> None:
        timeout = self.server.proxy.timeout
        try:
            upstream = socket.create_connection((str(address), port), timeout)
        except OSError as exc:
            self.server.proxy.note(f"cannot connect to {address} port {port}: {exc}")
            _send_quietly(client, b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            if method == b"CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                upstream.sendall(rest)  # what the client sent early, before our answer
            else:
                upstream.sendall(_origin_form(head) + rest)
            _splice(client, upstream, timeout)


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """The request head (up to the blank line) and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD_BYTES:
            raise ProxyRequestError("request head too large")
        chunk = sock.recv(8192)
        if not chunk:
            raise ProxyRequestError("connection closed before the request head ended")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def _request_line(head: bytes) -> tuple[bytes, str]:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) != 3:
        raise ProxyRequestError(f"bad request line {parts!r}")
    return parts[0].upper(), parts[1].decode("ascii", errors="replace")


def _target_url(method: bytes, target: str) -> tuple[str, int]:
    """The URL the fence checks and the port to connect to."""
    if method == b"CONNECT":
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit():
            raise ProxyRequestError(f"bad CONNECT target {target!r}")
        return f"https://{host}:{port}/", int(port)
    if not target.lower().startswith("http://"):
        raise ProxyRequestError(f"not an absolute http URL: {target[:100]!r}")
    try:
        return target, urlsplit(target).port or 80
    except ValueError as exc:
        raise ProxyRequestError(str(exc)) from None


def _origin_form(head: bytes) -> bytes:
    """The request head for the origin server: path instead of absolute URL, the
    proxy's hop-by-hop headers dropped, ``Connection: close``."""
    lines = head[:-4].split(b"\r\n")
    method, target, version = lines[0].split(b" ")
    parts = urlsplit(target.decode("ascii", errors="replace"))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [
        line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS
    ]
    first = b" ".join((method, path.encode("ascii", errors="replace"), version))
    return b"\r\n".join([first, *kept, b"Connection: close"]) + b"\r\n\r\n"


def _splice(a: socket.socket, b: socket.socket, idle: float) -> None:
    """Relay bytes both ways until one side closes or nothing moves for ``idle`` s."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while events := selector.select(idle):
            for key, _ in events:
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
                except OSError:
                    return


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)
