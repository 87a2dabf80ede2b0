"""The fencing proxy on its own, spoken to over raw sockets as Chromium speaks to it:
plain http requests with absolute URLs and CONNECT tunnels. No browser needed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from ipaddress import ip_address

import pytest

from crawler.fence import Fence, parse_allow
from crawler.fence_proxy import FenceProxy
from tests.support.http import Reply, loopback_fence, serve

PAGE = b"<p>Loker Kamboja</p>"


@pytest.fixture(scope="module")
def internal_log() -> list[str]:
    return []


@pytest.fixture(scope="module")
def internal(internal_log: list[str]) -> Iterator[str]:
    with serve({"/rahasia": Reply(b"RAHASIA")}, host="127.0.0.2", log=internal_log) as url:
        yield url


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve({"/loker": Reply(PAGE)}) as url:
        yield url


@pytest.fixture
def proxy() -> Iterator[FenceProxy]:
    with FenceProxy(loopback_fence(), timeout=5) as started:
        yield started


def exchange(proxy: FenceProxy, data: bytes) -> bytes:
    """Send ``data`` to the proxy and read everything it answers until it closes."""
    host, port = proxy.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def get(url: str) -> bytes:
    return f"GET {url} HTTP/1.1\r\nHost: x\r\nProxy-Connection: keep-alive\r\n\r\n".encode()


def test_allowed_request_is_relayed(proxy: FenceProxy, site: str) -> None:
    answer = exchange(proxy, get(f"{site}/loker"))
    assert answer.startswith(b"HTTP/1.0 200") and answer.endswith(PAGE)


@pytest.mark.parametrize("target", ["{internal}/rahasia", "http://169.254.169.254/latest/"])
def test_refused_request_gets_403_and_never_leaves(
    proxy: FenceProxy, internal: str, internal_log: list[str], target: str
) -> None:
    answer = exchange(proxy, get(target.format(internal=internal)))
    assert answer.startswith(b"HTTP/1.1 403 Forbidden")
    assert b"refused by the Pantau fence" in answer
    assert internal_log == []


def test_refused_tunnel_gets_403(proxy: FenceProxy, internal: str, internal_log: list[str]) -> None:
    hostport = internal.removeprefix("http://")
    answer = exchange(proxy, f"CONNECT {hostport} HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 403")
    assert internal_log == []


def test_allowed_tunnel_relays_both_ways(proxy: FenceProxy, site: str) -> None:
    hostport = site.removeprefix("http://")
    request = f"CONNECT {hostport} HTTP/1.1\r\n\r\n".encode() + get("/loker")
    answer = exchange(proxy, request)
    assert answer.startswith(b"HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.0 200")
    assert answer.endswith(PAGE)


@pytest.mark.parametrize(
    "request_bytes",
    [b"GET /loker HTTP/1.1\r\n\r\n", b"NONSENSE\r\n\r\n", b"CONNECT nohost HTTP/1.1\r\n\r\n"],
)
def test_malformed_requests_are_dropped(proxy: FenceProxy, request_bytes: bytes) -> None:
    assert exchange(proxy, request_bytes) == b""


def test_oversized_head_is_dropped(proxy: FenceProxy) -> None:
    assert exchange(proxy, b"GET http://127.0.0.1/ HTTP/1.1\r\nX: " + b"a" * 70_000) == b""


def test_connection_goes_to_the_checked_address(site: str) -> None:
    """The name is resolved once, by the fence; a second lookup (DNS rebinding) never
    happens: ``pos.invalid`` exists only in the fence's resolver, yet is reached."""
    port = int(site.rsplit(":", 1)[1])

    def resolver(host: str, port: int) -> list:
        return [ip_address("127.0.0.1")]

    fence = Fence(parse_allow(["127.0.0.1"]), resolver=resolver)
    with FenceProxy(fence, timeout=5) as proxy:
        answer = exchange(proxy, get(f"http://pos.invalid:{port}/loker"))
    assert answer.endswith(PAGE)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"CONNECT update.googleapis.com:443 HTTP/1.1\r\nHost: update.googleapis.com:443\r\n\r\n",
        get("http://update.googleapis.com/service/update2/json?cup2key=1"),
        b"CONNECT Accounts.Google.com:443 HTTP/1.1\r\nHost: accounts.google.com:443\r\n\r\n",
    ],
)
def test_the_browsers_own_calls_home_are_refused_without_a_dns_lookup(
    proxy: FenceProxy, request_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        looked_up.append(host)
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    assert exchange(proxy, request_bytes).startswith(b"HTTP/1.1 403")
    assert [host for host in looked_up if "google" in host.lower()] == []
    assert proxy.take_notes() == []
