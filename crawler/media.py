"""Fetching the images attached to posts (posters), with the limits hostile input needs.

Every URL, the first and each redirect, passes the network fence (``crawler.fence``):
http(s) only, and every address its host resolves to must be public or allowed. The
connection then goes to the address that was checked, not to the name again, so a
second DNS answer cannot point it inside (DNS rebinding); for https the certificate is
still checked against the host name. Redirects are followed by hand, at most
``MAX_REDIRECTS``; a response larger than ``MAX_IMAGE_BYTES`` is refused, and the whole
fetch has a time limit.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler.errors import PantauError
from crawler.fence import Fence, IPAddress

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Pantau/0.1 (+evidence capture)"
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class MediaError(PantauError):
    """An image could not be fetched."""


@dataclass(frozen=True)
class _Target:
    """One checked hop: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress
    path: str


def fetch_image(
    url: str, fence: Fence, *, timeout: float = 20, max_bytes: int = MAX_IMAGE_BYTES
) -> bytes:
    """The bytes of the image at ``url``; ``MediaError`` when it cannot be had, or
    ``FencedError`` (with the reason) when the fence refused the URL or a redirect."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        target = _checked(url, fence)
        status, location, data = _get(target, deadline, max_bytes)
        if status not in _REDIRECTS:
            return _image_body(url, status, data, max_bytes)
        if not location:
            raise MediaError(f"{url}: HTTP {status} without a Location")
        url = urljoin(url, location.strip())
    raise MediaError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _checked(url: str, fence: Fence) -> _Target:
    """The hop at ``url`` once the fence has passed it (``FencedError`` otherwise)."""
    addresses = fence.check_url(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    return _Target(url, scheme, host, port, addresses[0], path)


def _get(target: _Target, deadline: float, max_bytes: int) -> tuple[int, str | None, bytes]:
    """Status, Location header and body (cut at ``max_bytes`` + 1) of one GET."""
    connection = _connection(target, _remaining(target.url, deadline))
    try:
        headers = {"User-Agent": USER_AGENT, "Host": _host_header(target)}
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            return response.status, response.getheader("Location"), b""
        _check_length(target.url, response, max_bytes)
        return response.status, None, _read(target.url, response, deadline, max_bytes)
    except (OSError, http.client.HTTPException) as exc:
        raise MediaError(f"{target.url}: {exc or type(exc).__name__}") from exc
    finally:
        connection.close()


def _connection(target: _Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target.host, target.port, target.address, timeout)
    return _PinnedHTTPConnection(target.host, target.port, target.address, timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed, already checked address."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a fixed address, the certificate checked against the host name."""

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _host_header(target: _Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _check_length(url: str, response: http.client.HTTPResponse, max_bytes: int) -> None:
    length = response.getheader("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise MediaError(f"{url}: larger than {max_bytes} bytes ({length} announced)")


def _read(url: str, response: http.client.HTTPResponse, deadline: float, limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        _remaining(url, deadline)
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _remaining(url: str, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise MediaError(f"{url}: timed out")
    return left


def _image_body(url: str, status: int, data: bytes, max_bytes: int) -> bytes:
    if status != 200:
        raise MediaError(f"{url}: HTTP {status}")
    if len(data) > max_bytes:
        raise MediaError(f"{url}: larger than {max_bytes} bytes")
    return data
