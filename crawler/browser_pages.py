"""Fetching the pages that only render in a browser through scrapy-playwright.

Only a spider started with ``-a browser=true`` (or a site file with ``browser = true``)
uses it: ``start_fenced_browser`` (called by ``PantauSpider.from_crawler`` for that crawl
alone) installs scrapy-playwright's download
handler with the system Chromium (``PANTAU_BROWSER``, else the first Chromium on PATH; it
never downloads a browser), headless, one browser per crawl process; images, fonts and media
are aborted before they load; ``BrowserPagesMiddleware`` marks the spider's page requests
(GET, not ``/api/``) for the browser, and scrapy-playwright closes each page once its HTML
is read. Every other spider, and every API request, stays plain HTTP.

A rendered page runs the site's scripts, written by whoever wrote the page: Chromium goes
through the fence proxy (``crawler.fence_proxy``) for every connection, so neither the page
nor a script or redirect of it reaches a private, loopback or metadata address unless the
``PANTAU_NETWORK_ALLOW`` setting (``[network] allow``, passed by ``crawler.crawl``) names
it. ``start_fenced_browser`` starts that proxy for the crawl and stops it when the engine
stops.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request

from crawler.chromium import FENCED_ARGS, sandbox_options
from crawler.fence import Fence, parse_allow

if TYPE_CHECKING:
    from crawler.fence_proxy import FenceProxy

logger = logging.getLogger(__name__)

# Resource types Chromium never needs to fetch for Pantau to read a page's HTML and JSON.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


def should_abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: True for images, fonts and media."""
    return str(getattr(request, "resource_type", "")) in BLOCKED_RESOURCES


def browser_settings(
    executable_path: str, proxy_url: str, timeout_seconds: float = 30.0, *, sandbox: bool = True
) -> dict[str, Any]:
    """The Scrapy settings that route marked requests through the system Chromium, which
    reaches the network only through the fence proxy at ``proxy_url`` (with its sandbox
    unless ``sandbox`` is False or this is root: ``crawler.chromium``)."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable_path,
            "headless": True,
            "proxy": {"server": proxy_url},
            **sandbox_options(FENCED_ARGS, sandbox=sandbox),
        },
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser_pages.should_abort_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_seconds * 1000,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
    }


def start_fenced_browser(crawler: Crawler, executable_path: str) -> FenceProxy:
    """Start the fence proxy of this crawl (stopped with the engine) and set the crawl's
    settings so that its browser goes through it. ``ValueError`` names a bad entry of
    ``PANTAU_NETWORK_ALLOW``."""
    # Imported here: every crawl loads this module (its middleware), few start a browser.
    from crawler.fence_proxy import FenceProxy

    allow = [entry for entry in crawler.settings.getlist("PANTAU_NETWORK_ALLOW") if entry]
    fence = Fence(parse_allow(allow))
    timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30.0)
    proxy = FenceProxy(fence, timeout=timeout)
    proxy.start()
    crawler.signals.connect(proxy.close, signal=signals.engine_stopped, weak=False)
    sandbox = crawler.settings.getbool("PANTAU_BROWSER_SANDBOX", True)
    settings = browser_settings(executable_path, proxy.url, timeout, sandbox=sandbox)
    for key, value in settings.items():
        crawler.settings.set(key, value, priority="spider")
    logger.info("browser pages go through the fence proxy at %s", proxy.url)
    return proxy


class BrowserPagesMiddleware:
    """Marks the page requests of a ``browser=true`` spider for scrapy-playwright."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not getattr(self.crawler.spider, "browser", False):
            return
        if request.method == "GET" and not urlsplit(request.url).path.startswith("/api/"):
            request.meta.setdefault("playwright", True)
