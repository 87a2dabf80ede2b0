"""The network fence: the address classifier, URL checks after resolution, and poster
downloads that hostile posts try to turn inward (redirects, ftp://, protocol-relative
links, huge images). 127.0.0.2 stands for an internal service: the tests allow only
127.0.0.1, where the replica servers listen."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_address

import pytest

from crawler.errors import FencedError
from crawler.fence import Fence, parse_allow, refused_reason
from crawler.media import MediaError, fetch_image
from tests.support.alerts import png_bytes
from tests.support.http import Reply, loopback_fence, serve

INTERNAL_HOST = "127.0.0.2"
SECRET = b"RAHASIA internal: kunci-admin-123"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("127.0.0.1", "loopback address"),
        ("127.0.0.2", "loopback address"),
        ("::1", "loopback address"),
        ("10.1.2.3", "private address"),
        ("172.16.0.1", "private address"),
        ("192.168.1.1", "private address"),
        ("fd12:3456::1", "private address"),
        ("169.254.1.1", "link-local address"),
        ("fe80::1", "link-local address"),
        ("169.254.169.254", "cloud metadata address"),
        ("fd00:ec2::254", "cloud metadata address"),
        ("100.100.100.200", "cloud metadata address"),
        ("224.0.0.1", "multicast address"),
        ("ff02::1", "multicast address"),
        ("0.0.0.0", "unspecified address"),
        ("::", "unspecified address"),
        ("240.0.0.1", "reserved address"),
        ("100.64.0.1", "non-public address"),
        ("::ffff:127.0.0.1", "loopback address (127.0.0.1) inside an IPv6 address"),
        ("::ffff:10.0.0.1", "private address (10.0.0.1) inside an IPv6 address"),
        ("::ffff:169.254.169.254", "cloud metadata address (169.254.169.254) inside"),
        ("64:ff9b::7f00:1", "loopback address (127.0.0.1) inside an IPv6 address"),
        ("2002:a00:1::", "private address (10.0.0.1) inside an IPv6 address"),
    ],
)
def test_address_classifier(address: str, reason: str | None) -> None:
    found = refused_reason(ip_address(address))
    if reason is None:
        assert found is None
    else:
        assert found is not None and found.startswith(reason)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/poster.png", "scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("gopher://127.0.0.1:25/", "scheme 'gopher' is not http or https"),
        ("//127.0.0.2/x.png", "scheme '(none)' is not http or https"),
        ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
        ("http:///nohost", "no host"),
        ("http://127.0.0.1:99999/", "not a valid URL"),
        ("http://localhost/", "loopback address"),
        ("http://0x7f.1/", "loopback address 127.0.0.1"),
        ("http://2130706433/", "loopback address 127.0.0.1"),
        ("http://[::ffff:127.0.0.2]/", "loopback address (127.0.0.2)"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://[fd00:ec2::254]/", "cloud metadata address"),
        ("http://host.invalid/", "does not resolve"),
    ],
)
def test_default_fence_refuses_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(FencedError) as caught:
        Fence().check_url(url)
    assert reason in caught.value.reason
    assert caught.value.url == url


def test_every_resolved_address_is_checked() -> None:
    """A name with one public and one internal address is refused."""

    def resolver(host: str, port: int) -> list:
        return [ip_address("93.184.216.34"), ip_address("10.0.0.5")]

    with pytest.raises(FencedError, match="private address 10.0.0.5"):
        Fence(resolver=resolver).check_url("http://campur.example/")


def test_allow_list_names_addresses_and_networks() -> None:
    fence = Fence(parse_allow(["127.0.0.1", "10.0.0.0/8"]))
    assert fence.check_url("http://127.0.0.1:8080/x") == [ip_address("127.0.0.1")]
    assert fence.check_url("http://10.9.8.7/") == [ip_address("10.9.8.7")]
    assert fence.check_url("http://[::ffff:10.1.1.1]/") == [ip_address("::ffff:10.1.1.1")]
    with pytest.raises(FencedError, match="loopback address 127.0.0.2"):
        fence.check_url("http://127.0.0.2/")


@pytest.mark.parametrize("entry", ["127.0.0.1/8", "localhost", "", "10.0.0.0/33"])
def test_bad_allow_entry_is_named(entry: str) -> None:
    with pytest.raises(ValueError, match="not an address or network"):
        parse_allow([entry])


# Poster downloads ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def internal_log() -> list[str]:
    return []


@pytest.fixture(scope="module")
def internal(internal_log: list[str]) -> Iterator[str]:
    """The internal service on 127.0.0.2, which no hostile URL may reach."""
    routes = {"/rahasia": Reply(SECRET, content_type="text/plain"), "/x.png": Reply(png_bytes())}
    with serve(routes, host=INTERNAL_HOST, log=internal_log) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def site(internal: str) -> Iterator[str]:
    internal_hostport = internal.removeprefix("http://")

    def moved(location: str) -> Reply:
        return Reply(b"", status=302, headers=(("Location", location),))

    routes = {
        "/poster.png": Reply(png_bytes(), content_type="image/png"),
        "/pindah.png": moved("/poster.png"),
        "/ke-dalam.png": moved(f"{internal}/x.png"),
        "/ke-ftp.png": moved("ftp://127.0.0.1/poster.png"),
        "/relatif.png": moved(f"//{internal_hostport}/x.png"),
        "/ke-metadata.png": moved("http://169.254.169.254/latest/meta-data/"),
        "/lingkar.png": moved("/lingkar.png"),
        "/besar.png": Reply(b"\x89PNG" + b"\0" * (12 * 1024 * 1024), content_type="image/png"),
    }
    with serve(routes) as base_url:
        yield base_url


def test_allowed_poster_is_fetched(site: str) -> None:
    assert fetch_image(f"{site}/poster.png", loopback_fence()) == png_bytes()


def test_redirect_inside_the_fence_is_followed(site: str) -> None:
    assert fetch_image(f"{site}/pindah.png", loopback_fence()) == png_bytes()


def test_default_fence_refuses_the_loopback_replica(site: str) -> None:
    with pytest.raises(FencedError, match="loopback address 127.0.0.1"):
        fetch_image(f"{site}/poster.png", Fence())


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/ke-dalam.png", "loopback address 127.0.0.2"),
        ("/relatif.png", "loopback address 127.0.0.2"),
        ("/ke-ftp.png", "scheme 'ftp' is not http or https"),
        ("/ke-metadata.png", "cloud metadata address 169.254.169.254"),
    ],
)
def test_redirect_out_of_the_fence_is_refused(
    site: str, internal_log: list[str], path: str, reason: str
) -> None:
    with pytest.raises(FencedError) as caught:
        fetch_image(f"{site}{path}", loopback_fence())
    assert reason in caught.value.reason
    assert internal_log == []


@pytest.mark.parametrize("url", ["{internal}/x.png", "//127.0.0.2/x.png"])
def test_internal_poster_url_is_refused(internal: str, internal_log: list[str], url: str) -> None:
    with pytest.raises(FencedError):
        fetch_image(url.format(internal=internal), loopback_fence())
    assert internal_log == []


def test_twelve_megabyte_image_is_refused(site: str) -> None:
    with pytest.raises(MediaError, match="larger than 10485760 bytes"):
        fetch_image(f"{site}/besar.png", loopback_fence())


def test_redirect_loop_ends(site: str) -> None:
    with pytest.raises(MediaError, match="more than 5 redirects"):
        fetch_image(f"{site}/lingkar.png", loopback_fence())


def test_missing_poster_names_the_status(site: str) -> None:
    with pytest.raises(MediaError, match="HTTP 404"):
        fetch_image(f"{site}/tidak-ada.png", loopback_fence())


def test_download_connects_to_the_checked_address(site: str) -> None:
    """The fence resolves the name once and the download connects to that address: a
    second lookup (DNS rebinding) never happens. ``pos.invalid`` exists only in the
    fence's resolver, yet the poster arrives."""
    port = int(site.rsplit(":", 1)[1])

    def resolver(host: str, port: int) -> list:
        return [ip_address("127.0.0.1")]

    fence = Fence(parse_allow(["127.0.0.1"]), resolver=resolver)
    assert fetch_image(f"http://pos.invalid:{port}/poster.png", fence) == png_bytes()
