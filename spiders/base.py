"""The contract every Pantau spider keeps, in one base class.

A spider takes ``base_url`` (where the site lives; tests point it at a loopback
server), ``url`` (start from this one page instead of the platform's own arguments),
``max_pages`` and ``proxy`` (every request of the run goes through it:
``crawler.middlewares.SpiderProxyMiddleware``); it builds ``PostItem`` objects stamped
with its platform and source; it ends a run it cannot do with ``fail(reason)`` (a
``CloseSpider`` that ``RunRecorder`` records as a failed run), and a run stopped by a
login wall, checkpoint, CAPTCHA or rate-limit page with ``blocked(reason, url)``
(recorded as ``blocked``: blocked is not empty; a page still answered 429 after the
retries of ``crawler.middlewares.RetryAfterMiddleware`` ends the run the same way); and,
when the ``PANTAU_DB`` setting names the store, it stops paging back once a page reaches the
source's **watermark**.

The watermark is how far back the source has been read completely: the newest position
(``position(item)``: the post time by default, the message id on platforms whose ids
grow) of the range that finished runs walked without a gap. A page stops the walk only
when one of its posts is at or below that top: the ground older than it was read. A
post merely stored does not stop it, since the run that stored it may have died before
reaching older pages. Each built item's position goes into the crawl stats
(``pantau/walk_top``, ``pantau/walk_floor``), and ``RunRecorder`` moves the watermark
to them only when the run finished cleanly, so an interrupted run's older pages are
requested again by the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar, NoReturn, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import store
from crawler.browser_pages import start_fenced_browser
from crawler.config import find_browser
from crawler.extensions import BLOCKED_PREFIX, WALK_FLOOR_STAT, WALK_TOP_STAT
from crawler.items import PostItem
from spiders.embedded import Embedded
from spiders.walls import Wall, wall_reason


def parse_base_url(value: str) -> str:
    """``value`` without a trailing slash; ValueError unless it is an http(s) URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
    return value.strip().rstrip("/")


def parse_start_url(value: str | None) -> str | None:
    """``-a url=``: None when not given; ValueError unless it is an http(s) URL."""
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"url must be an http(s) URL, got {value!r}")
    return value.strip()


def parse_proxy(value: str | None) -> str | None:
    """``-a proxy=``: None when not given; ValueError unless it is an http(s) proxy URL."""
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("proxy must be an http(s)://[user:password@]host:port URL")
    return value.strip()


def parse_flag(name: str, value: str | bool) -> bool:
    """``-a NAME=true|false`` (also 1/0, yes/no) as a bool; ValueError otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def parse_max_pages(value: str | int) -> int:
    """``max_pages`` as a positive int; ValueError with the bad value otherwise."""
    try:
        pages = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_pages must be a whole number, got {value!r}") from None
    if pages < 1:
        raise ValueError(f"max_pages must be at least 1, got {pages}")
    return pages


Position = int | str


class PantauSpider(scrapy.Spider):
    """Base of Pantau's spiders; subclasses set ``platform`` and ``default_base_url``."""

    platform: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        max_pages: str | int = 1,
        url: str | None = None,
        proxy: str | None = None,
        browser: str | bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.browser = parse_flag("browser", browser)
        self.base_url = parse_base_url(base_url or self.default_base_url)
        self.max_pages = parse_max_pages(max_pages)
        self._positions: dict[str, Position] = {}
        self._walked: tuple[Position | None, Position | None] = (None, None)
        self.start_url = parse_start_url(url)
        self.proxy = parse_proxy(proxy)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """The spider; with ``browser=true`` its crawl fetches pages through Chromium
        behind the fence proxy (``crawler.browser_pages``), set here because only this
        crawl needs it. The browser cannot go through the spider's own ``proxy`` too."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.browser:
            if spider.proxy:
                raise ValueError("proxy cannot be combined with browser=true")
            executable = crawler.settings.get("PANTAU_BROWSER") or find_browser()
            start_fenced_browser(crawler, executable)
        return spider

    def default_source(self) -> str:
        """The source name used when the ``PANTAU_SOURCE`` setting is not given."""
        return self.name

    @property
    def source(self) -> str:
        return self.settings.get("PANTAU_SOURCE") or self.default_source()

    def build_item(self, **fields: Any) -> PostItem:
        """A ``PostItem`` of this spider's platform and source with ``fields``; its
        position is noted for the incremental stop and the watermark."""
        item = PostItem(platform=self.platform, source=self.source, **fields)
        self.note_position(item)
        return item

    def position(self, item: Mapping[str, Any]) -> Position | None:
        """Where ``item`` stands in the source's order, newest highest: its ``posted_at``
        (ISO 8601 UTC, which sorts as time). Platforms whose post ids grow override it; a
        post shown out of order (a pinned post on top of the newest page) must give None,
        or its old position would stop the walk before the new posts under it."""
        posted = item.get("posted_at")
        return str(posted) if posted else None

    def note_position(self, item: PostItem) -> None:
        """Remember ``item``'s position and widen this run's walked range in the stats."""
        position = self.position(item)
        if position is None:
            return
        self._positions[str(item.get("post_id"))] = position
        # The stats are written only when the range widens (on a walk back, about once a
        # page instead of twice a post: those calls were a measurable part of a crawl).
        top, floor = self._walked
        if top is None or position > top:  # type: ignore[operator]
            top = position
            self.crawler.stats.max_value(WALK_TOP_STAT, position)
        if floor is None or position < floor:  # type: ignore[operator]
            floor = position
            self.crawler.stats.min_value(WALK_FLOOR_STAT, position)
        self._walked = (top, floor)

    @cached_property
    def watermark(self) -> Position | None:
        """The newest position read completely by earlier runs of this source (None
        without ``PANTAU_DB`` or before a first finished run)."""
        path = self.settings.get("PANTAU_DB")
        if not path:
            return None
        db = store.open_store(path)
        try:
            row = store.get_watermark(db, self.source)
        finally:
            db.close()
        return row["top"] if row else None

    def reaches_watermark(self, positions: list[Position]) -> bool:
        """True when one of ``positions`` is at or below the watermark: what is older was
        read completely by an earlier run."""
        mark = self.watermark
        return mark is not None and any(
            type(p) is type(mark) and p <= mark  # type: ignore[operator]
            for p in positions
        )

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
        if self.settings.get("PANTAU_SESSION_FILE") and reason in ("login wall", "checkpoint"):
            reason += " despite the stored session (expired or logged out: import a new one)"
        message = f"{BLOCKED_PREFIX} {reason} at {url}"
        self.logger.error(message)
        self.count("blocked")
        raise CloseSpider(reason=message)

    def page_text(self, response: Response) -> str:
        """The text of ``response``; a binary answer ends the run as failed."""
        if not isinstance(response, TextResponse):
            kind = response.headers.get("Content-Type", b"").decode("latin-1") or "no type"
            self.fail(f"{response.url} is not a web page or JSON ({kind})")
        return response.text

    def stop_at_walls(self, url: str, text: str, walls: tuple[Wall, ...]) -> None:
        """End the run ``blocked`` when the page shows one of ``walls``."""
        reason = wall_reason(url, text, walls)
        if reason:
            self.blocked(reason, url)

    def decoded(self, found: Embedded, url: str) -> Embedded:
        """``found``, after logging and counting the JSON blocks that could not be read."""
        if found.errors:
            self.logger.warning("%d JSON block(s) on %s could not be read", found.errors, url)
            self.count("json_errors", found.errors)
        return found

    def on_fetch_error(self, failure: Failure) -> None:
        """Errback: a page still answered 429 after the retries ends the run ``blocked``;
        any other page that cannot be fetched ends it as failed."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "a page"
        if failure.check(HttpError) and failure.value.response.status == 429:
            self.blocked("rate limit (HTTP 429)", url)
        self.fail(f"Could not fetch {url}: {failure.getErrorMessage()}")

    def seen_before(self, post_ids: list[str]) -> bool:
        """True when the page holding ``post_ids`` (the ``post_id`` of its items) reaches
        the watermark, so paging further back would only read what finished runs read.

        Positions come from the items this run built, else from the stored copies of the
        posts. A post that is merely stored does not count: an interrupted run may have
        stored it without reaching the older pages. Without ``PANTAU_DB`` it is False.
        """
        positions = [self._positions[i] for i in post_ids if i in self._positions]
        unknown = [i for i in post_ids if i not in self._positions]
        if unknown and self.watermark is not None:
            positions += self.stored_positions(unknown)
        return self.reaches_watermark(positions)

    def stored_positions(self, post_ids: list[str]) -> list[Position]:
        """Positions of the stored posts among ``post_ids`` of this platform."""
        db = store.open_store(self.settings.get("PANTAU_DB"))
        try:
            rows = store.stored_posts(db, self.platform, post_ids)
        finally:
            db.close()
        found = (self.position({**row["extra"], **row}) for row in rows)
        return [position for position in found if position is not None]
