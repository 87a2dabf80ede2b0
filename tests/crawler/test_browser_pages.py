"""The settings of crawls that render pages in Chromium (``crawler.browser_pages``); the
crawls themselves are tested with the spiders (``tests/spiders/test_classifieds.py``)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.browser_pages import should_abort_request, start_fenced_browser
from crawler.chromium import FENCED_ARGS, sandbox_options


@pytest.mark.parametrize(
    ("resource_type", "aborted"),
    [("image", True), ("font", True), ("media", True), ("document", False), ("xhr", False)],
)
def test_images_fonts_and_media_are_aborted(resource_type: str, aborted: bool) -> None:
    assert should_abort_request(SimpleNamespace(resource_type=resource_type)) is aborted


@pytest.mark.parametrize(("euid", "sandboxed"), [(0, False), (1000, True)])
def test_chromium_keeps_its_sandbox_unless_root(euid: int, sandboxed: bool) -> None:
    args = sandbox_options(FENCED_ARGS, euid)["args"]
    assert ("--no-sandbox" not in args) is sandboxed
    assert "--disable-quic" in args


def test_the_browser_of_a_crawl_goes_through_the_fence_proxy() -> None:
    # Not started, so its settings can still change, as in a spider's from_crawler.
    crawler = Crawler(Spider, {"PANTAU_NETWORK_ALLOW": "127.0.0.1,10.0.0.0/8"})
    proxy = start_fenced_browser(crawler, "/usr/bin/chromium")
    try:
        options = crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        assert options["proxy"] == {"server": proxy.url}
        # Playwright adds --no-sandbox by itself unless chromium_sandbox is set.
        assert options["chromium_sandbox"] is (os.geteuid() != 0)
        assert [str(n) for n in proxy.fence.allow] == ["127.0.0.1/32", "10.0.0.0/8"]
    finally:
        proxy.close()


def test_a_bad_allow_entry_is_named() -> None:
    crawler = Crawler(Spider, {"PANTAU_NETWORK_ALLOW": "localhost"})
    with pytest.raises(ValueError, match="'localhost'"):
        start_fenced_browser(crawler, "/usr/bin/chromium")


def test_the_operator_can_switch_the_sandbox_off_for_browser_crawls() -> None:
    crawler = Crawler(Spider, {"PANTAU_BROWSER_SANDBOX": "False"})
    proxy = start_fenced_browser(crawler, "/usr/bin/chromium")
    try:
        options = crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        assert options["chromium_sandbox"] is False
        assert "--no-sandbox" in options["args"]
    finally:
        proxy.close()
