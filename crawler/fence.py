"""The network fence: which URLs hostile content may make Pantau fetch.

Posts, posters and captured pages are written by criminals. Any URL they lead Pantau
to (a poster link, a redirect, a meta refresh, a script's ``fetch``) is checked here
first: only ``http`` and ``https``, and every address the host name resolves to must
be public. Loopback, private, shared, link-local, multicast, reserved and unspecified
addresses, IPv6 forms that embed one of those (IPv4-mapped, NAT64, 6to4), and cloud
metadata addresses are refused, unless ``[network] allow`` names the address (the
demo and the tests allow their own loopback servers)::

    fence = Fence(config.network.allow)
    addresses = fence.check_url(url)   # FencedError(url, reason) when refused

The check resolves the name itself; a client that then resolved it again could be
given another address (DNS rebinding). So the callers connect to an address the check
returned: ``crawler.media`` directly, and the capture browser through the fencing proxy
(``crawler.fence_proxy``), which does the browser's name lookups for it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from crawler.errors import FencedError

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
METADATA_ADDRESSES = frozenset(
    {ip_address("169.254.169.254"), ip_address("fd00:ec2::254"), ip_address("100.100.100.200")}
)
_NAT64 = ip_network("64:ff9b::/96")
# Checked in this order; the first that matches names the refusal.
_CLASSES: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("cloud metadata address", lambda a: a in METADATA_ADDRESSES),
    ("unspecified address", lambda a: a.is_unspecified),
    ("loopback address", lambda a: a.is_loopback),
    ("link-local address", lambda a: a.is_link_local),
    ("multicast address", lambda a: a.is_multicast),
    ("reserved address", lambda a: a.is_reserved),
    ("private address", lambda a: a.is_private),
    ("non-public address", lambda a: not a.is_global),
)


def embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped ``::ffff:a.b.c.d``,
    NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``), or None."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refused_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be reached from hostile content, or None if it is a
    public address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = refused_reason(inner)
        return f"{reason} ({inner}) inside an IPv6 address" if reason else None
    for reason, matches in _CLASSES:
        if matches(address):
            return reason
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (the system resolver, as clients use it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def parse_allow(entries: Sequence[str]) -> tuple[IPNetwork, ...]:
    """``["127.0.0.1", "10.0.0.0/8"]`` as networks; ``ValueError`` naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ip_network(entry.strip(), strict=True))
        except ValueError as exc:
            raise ValueError(f"not an address or network: {entry!r} ({exc})") from None
    return tuple(networks)


@dataclass(frozen=True)
class Fence:
    """The policy: public addresses over http(s), plus the ``allow`` networks."""

    allow: tuple[IPNetwork, ...] = ()
    resolver: Resolver = resolve

    def allows(self, address: IPAddress) -> bool:
        """True when the allow list names ``address`` (or its embedded IPv4)."""
        inner = embedded_ipv4(address)
        candidates = [address] if inner is None else [address, inner]
        return any(a in network for a in candidates for network in self.allow)

    def check_address(self, url: str, address: IPAddress) -> None:
        """``FencedError`` unless ``address`` is public or allowed."""
        reason = None if self.allows(address) else refused_reason(address)
        if reason is not None:
            raise FencedError(url, f"{reason} {address}")

    def check_url(self, url: str) -> list[IPAddress]:
        """Check the scheme and every address the host resolves to; return those
        addresses (connect to one of them, not to the name, to avoid a second lookup)."""
        host, port = split_host(url)
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise FencedError(url, f"host {host!r} does not resolve ({exc})") from None
        if not addresses:
            raise FencedError(url, f"host {host!r} does not resolve")
        for address in addresses:
            self.check_address(url, address)
        return addresses


def split_host(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; ``FencedError`` for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FencedError(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FencedError(url, f"scheme {scheme or '(none)'!r} is not http or https")
    if not parts.hostname:
        raise FencedError(url, "no host")
    return parts.hostname, port or DEFAULT_PORTS[scheme]
