"""The contract every Pantau spider keeps, in one base class.

A spider takes ``base_url`` (where the site lives; tests point it at a loopback
server) and ``max_pages``; it builds ``PostItem`` objects stamped with its platform
and source; it ends a run it cannot do with ``fail(reason)`` (a ``CloseSpider`` that
``RunRecorder`` records as a failed run), and a run stopped by a login wall, checkpoint,
CAPTCHA or rate-limit page with ``blocked(reason, url)`` (recorded as ``blocked``: blocked
is not empty); and, when the ``PANTAU_DB`` setting names the
store, it stops paging back once a page holds a post stored by an earlier run.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from sqlite_utils import Database
from twisted.python.failure import Failure

from crawler import store
from crawler.extensions import BLOCKED_PREFIX
from crawler.items import PostItem


def parse_base_url(value: str) -> str:
    """``value`` without a trailing slash; ValueError unless it is an http(s) URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
    return value.strip().rstrip("/")


def parse_max_pages(value: str | int) -> int:
    """``max_pages`` as a positive int; ValueError with the bad value otherwise."""
    try:
        pages = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_pages must be a whole number, got {value!r}") from None
    if pages < 1:
        raise ValueError(f"max_pages must be at least 1, got {pages}")
    return pages


class PantauSpider(scrapy.Spider):
    """Base of Pantau's spiders; subclasses set ``platform`` and ``default_base_url``."""

    platform: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""

    def __init__(
        self, *args: Any, base_url: str | None = None, max_pages: str | int = 1, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = parse_base_url(base_url or self.default_base_url)
        self.max_pages = parse_max_pages(max_pages)
        self._store: Database | None = None

    def default_source(self) -> str:
        """The source name used when the ``PANTAU_SOURCE`` setting is not given."""
        return self.name

    @property
    def source(self) -> str:
        return self.settings.get("PANTAU_SOURCE") or self.default_source()

    def build_item(self, **fields: Any) -> PostItem:
        """A ``PostItem`` of this spider's platform and source with ``fields``."""
        return PostItem(platform=self.platform, source=self.source, **fields)

    def count(self, key: str, amount: int = 1) -> None:
        """Add ``amount`` to the ``<spider>/<key>`` crawl statistic."""
        self.crawler.stats.inc_value(f"{self.name}/{key}", amount)

    def fail(self, reason: str) -> NoReturn:
        """Log ``reason`` (a sentence for the operator) and end the run as failed."""
        self.logger.error(reason)
        raise CloseSpider(reason=reason)

    def blocked(self, reason: str, url: str) -> NoReturn:
        """End the run as ``blocked`` (``reason`` names the wall, e.g. "login wall"); nothing
        from the page that showed it may be stored as a post."""
        message = f"{BLOCKED_PREFIX} {reason} at {url}"
        self.logger.error(message)
        self.count("blocked")
        raise CloseSpider(reason=message)

    def on_fetch_error(self, failure: Failure) -> None:
        """Errback: a page that cannot be fetched ends the run as failed."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "a page"
        self.fail(f"Could not fetch {url}: {failure.getErrorMessage()}")

    def seen_before(self, post_ids: list[str]) -> bool:
        """True when ``PANTAU_DB`` is set and one of ``post_ids`` is already stored.

        Without ``PANTAU_DB`` no database is opened and the answer is False. The database
        is opened once per run (opening and migrating it for every page cost more than
        the query) and closed when the spider closes.
        """
        path = self.settings.get("PANTAU_DB")
        if not path or not post_ids:
            return False
        if self._store is None:
            self._store = store.open_store(path)
        return bool(store.stored_post_ids(self._store, self.platform, post_ids))

    def closed(self, reason: str) -> None:
        """Scrapy calls this when the spider closes: release the store."""
        if self._store is not None:
            self._store.close()
            self._store = None
