"""Fetching the pages that only render in a browser through scrapy-playwright.

Only a spider started with ``-a browser=true`` uses it: ``browser_settings`` (applied by
``PantauSpider.from_crawler`` for that crawl alone) installs scrapy-playwright's download
handler with the system Chromium (``PANTAU_BROWSER``, else the first Chromium on PATH; it
never downloads a browser), headless, one browser per crawl process; images, fonts and media
are aborted before they load; ``BrowserPagesMiddleware`` marks the spider's page requests
(GET, not ``/api/``) for the browser, and scrapy-playwright closes each page once its HTML
is read. Every other spider, and every API request, stays plain HTTP.
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request

# Resource types Chromium never needs to fetch for Pantau to read a page's HTML and JSON.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


def should_abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: True for images, fonts and media."""
    return str(getattr(request, "resource_type", "")) in BLOCKED_RESOURCES


def browser_settings(executable_path: str, timeout_seconds: float = 30.0) -> dict[str, Any]:
    """The Scrapy settings that route marked requests through the system Chromium."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable_path,
            "headless": True,
            "args": ["--no-sandbox", "--disable-dev-shm-usage"],
        },
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser_pages.should_abort_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_seconds * 1000,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
    }


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
