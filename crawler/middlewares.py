"""Downloader middlewares every Pantau spider shares: polite retries and a proxy per source.

``RetryAfterMiddleware`` takes the place of Scrapy's ``RetryMiddleware``: an answer whose
status is in ``RETRY_HTTP_CODES`` (429 and 5xx) is asked for again after the wait the site
names in ``Retry-After`` (seconds or an HTTP date) or, without one, after an exponential
backoff (``PANTAU_RETRY_BACKOFF`` seconds, doubled each attempt); every wait is capped at
``PANTAU_RETRY_MAX_WAIT`` seconds, so a site asking for an hour cannot hold a crawl. Network
errors are retried as Scrapy does. After ``RETRY_TIMES`` attempts the answer goes to the
spider (which ends a 429 as ``blocked: rate limit``).

``SpiderProxyMiddleware`` sends the requests of a spider started with ``-a proxy=URL``
through that proxy (``request.meta["proxy"]``, which Scrapy's ``HttpProxyMiddleware`` uses).

``SessionCookiesMiddleware`` sends the cookies of the source's stored session
(``PANTAU_SESSION_FILE``, set by the crawl runner when ``pantau session import`` stored one)
with every request to the cookies' domains, as a browser would, and notes the session's
last use when the crawl ends. It never logs a cookie value.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

from crawler import sessions

log = logging.getLogger(__name__)

WAITED_STAT = "pantau/retry_wait_seconds"


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (``"120"`` or an HTTP date), or None
    when the header is missing or unreadable; never negative."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff: ``base``, ``2*base``, ``4*base``... for attempts 1, 2, 3..."""
    return base * (2 ** max(0, attempt - 1))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries with a wait before each repeated request: ``Retry-After`` when the
    site sends one, exponential backoff otherwise, both capped."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("PANTAU_RETRY_MAX_WAIT", 120.0)
        self.backoff = crawler.settings.getfloat("PANTAU_RETRY_BACKOFF", 2.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self.pause(self.wait_for(response, int(retry.meta["retry_times"])), request)
        return retry

    def wait_for(self, response: Response, attempt: int) -> float:
        """The capped wait before ``attempt``: what the site asked for, else the backoff."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        wait = asked if asked is not None else backoff_seconds(attempt, self.backoff)
        return min(wait, self.max_wait)

    async def pause(self, seconds: float, request: Request) -> None:
        if seconds <= 0:
            return
        log.info("waiting %.1f s before asking again for %s", seconds, request.url)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(WAITED_STAT, seconds)
        await deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class SpiderProxyMiddleware:
    """Puts the running spider's ``proxy`` (``-a proxy=``) into each request's meta."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        proxy = getattr(self.crawler.spider, "proxy", None)
        if proxy and "proxy" not in request.meta:
            request.meta["proxy"] = proxy


class SessionCookiesMiddleware:
    """Adds the stored session's cookies (and X's ``x-csrf-token``) to matching requests."""

    def __init__(self, path: Path, cookies: list[sessions.Cookie]) -> None:
        self.path = path
        self.cookies = cookies
        self.used = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PANTAU_SESSION_FILE")
        if not path:
            raise NotConfigured  # PANTAU_SESSION_FILE unset: off, and nothing to warn about
        try:
            cookies = sessions.load_cookies(Path(path))
        except sessions.SessionError as exc:
            log.error("session not used: %s", exc)
            raise NotConfigured(str(exc)) from None
        domains = sorted({cookie.domain.lstrip(".") for cookie in cookies})
        log.info("session loaded: %d cookies for %s", len(cookies), ", ".join(domains))
        middleware = cls(Path(path), cookies)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        if b"Cookie" in request.headers:
            return
        parts = urlsplit(request.url)
        now = datetime.now(UTC)
        header = sessions.cookie_header(
            self.cookies, parts.hostname or "", parts.path or "/", parts.scheme == "https", now
        )
        if not header:
            return
        request.headers["Cookie"] = header
        self.used = True
        csrf = [c.value for c in self.cookies if c.name == "ct0" and f"ct0={c.value}" in header]
        if csrf:
            request.headers.setdefault("x-csrf-token", csrf[0])

    def spider_closed(self) -> None:
        if self.used:
            try:
                sessions.mark_used(self.path)
            except (sessions.SessionError, OSError) as exc:
                log.warning("could not note the session's use: %s", exc)
