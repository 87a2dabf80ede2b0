"""RetryAfterMiddleware and SpiderProxyMiddleware: the wait rules as tables, and real
``scrapy crawl`` runs against a loopback server that answers 429 with ``Retry-After``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import store
from crawler.middlewares import (
    RetryAfterMiddleware,
    SpiderProxyMiddleware,
    backoff_seconds,
    retry_after_seconds,
)
from spiders.telegram import TelegramSpider
from tests.support.http import Reply
from tests.support.replica import run_crawl
from tests.support.site import serve_site

NOW = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
EMPTY_CHANNEL = b'<html><body><div class="tgme_channel_history"></div></body></html>'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (b"7", 7.0),
        (" 3 ", 3.0),
        ("Mon, 02 Mar 2026 08:00:30 GMT", 30.0),
        ("Mon, 02 Mar 2026 07:59:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(header: str | bytes | None, expected: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == expected


@pytest.mark.parametrize(("attempt", "expected"), [(1, 2.0), (2, 4.0), (3, 8.0), (0, 2.0)])
def test_backoff_doubles(attempt: int, expected: float) -> None:
    assert backoff_seconds(attempt, 2.0) == expected


@pytest.mark.parametrize(
    ("headers", "attempt", "expected"),
    [
        ({"Retry-After": "5"}, 1, 5.0),
        ({"Retry-After": "3600"}, 1, 60.0),
        ({}, 1, 2.0),
        ({}, 2, 4.0),
        ({}, 9, 60.0),
    ],
)
def test_wait_is_what_the_site_asks_capped(
    headers: dict[str, str], attempt: int, expected: float
) -> None:
    crawler = get_crawler(TelegramSpider, {"PANTAU_RETRY_MAX_WAIT": 60, "PANTAU_RETRY_BACKOFF": 2})
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    response = HtmlResponse("http://127.0.0.1/x", status=429, headers=headers)
    assert middleware.wait_for(response, attempt) == expected


@pytest.mark.parametrize(
    ("proxy", "meta", "expected"),
    [
        ("http://127.0.0.1:3128", {}, "http://127.0.0.1:3128"),
        ("http://127.0.0.1:3128", {"proxy": "http://other:1"}, "http://other:1"),
        (None, {}, None),
    ],
)
def test_spider_proxy_goes_into_request_meta(
    proxy: str | None, meta: dict[str, str], expected: str | None
) -> None:
    crawler = get_crawler(TelegramSpider)
    crawler.spider = TelegramSpider.from_crawler(crawler, channel="kanal", proxy=proxy)
    request = Request("http://127.0.0.1/x", meta=dict(meta))
    SpiderProxyMiddleware.from_crawler(crawler).process_request(request)
    assert request.meta.get("proxy") == expected


def test_a_bad_proxy_is_refused() -> None:
    with pytest.raises(ValueError, match="proxy must be"):
        TelegramSpider(channel="kanal", proxy="socks5://127.0.0.1:1080")


def test_429_with_retry_after_is_waited_then_fetched(tmp_path: Path) -> None:
    slow_down = Reply(b"slow down", 429, headers=(("Retry-After", "1"),))
    with serve_site({"/s/kanal": [slow_down, Reply(EMPTY_CHANNEL)]}) as site:
        result = run_crawl(
            site.base_url, "kanal", tmp_path / "out.jsonl", 1, {"RETRY_ENABLED": "True"}
        )
        hits = site.hits_to("/s/kanal")
    assert result.returncode == 0, result.stderr
    assert [h.method for h in hits] == ["GET", "GET"]
    assert hits[1].at - hits[0].at >= 0.95
    assert "waiting 1.0 s before asking again" in result.stderr


def test_still_429_after_the_retries_ends_the_run_blocked(tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    slow_down = Reply(b"slow down", 429, headers=(("Retry-After", "0"),))
    settings = {"RETRY_ENABLED": "True", "RETRY_TIMES": "1", "PANTAU_DB": str(db_path)}
    with serve_site({"/s/kanal": slow_down}) as site:
        result = run_crawl(site.base_url, "kanal", tmp_path / "out.jsonl", 1, settings)
        assert len(site.hits_to("/s/kanal")) == 2
    assert result.returncode == 0, result.stderr
    run = store.get_run(store.open_store(db_path), 1)
    assert run is not None
    assert run["status"] == "blocked"
    assert run["reason"].startswith("blocked: rate limit (HTTP 429) at http://127.0.0.1:")
