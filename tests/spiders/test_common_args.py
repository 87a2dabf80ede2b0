"""Arguments every new spider shares: ``proxy`` on every request, a wrong one refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from spiders.classifieds import ClassifiedsSpider
from spiders.jobboards import GlintsSpider, JobStreetSpider, KalibrrSpider
from spiders.olx import OlxSpider
from spiders.rss import RssSpider
from tests.support import REPO

SITE = str(REPO / "tests" / "spiders" / "sites" / "craigslist.toml")
SPIDERS: list[tuple[type[scrapy.Spider], dict[str, str]]] = [
    (ClassifiedsSpider, {"site": SITE}),
    (OlxSpider, {"q": "kerja"}),
    (RssSpider, {"url": "https://loker.example/feed"}),
    (JobStreetSpider, {"q": "admin"}),
    (GlintsSpider, {"q": "admin"}),
    (KalibrrSpider, {"q": "admin"}),
]
PROXY = "http://127.0.0.1:3128"


def make(cls: type[scrapy.Spider], **args: Any) -> Any:
    crawler = get_crawler(cls, {})
    spider = cls.from_crawler(crawler, **args)
    crawler.spider = spider
    return spider


async def first_request(spider: Any) -> scrapy.Request:
    async for request in spider.start():
        return request
    raise AssertionError("no start request")


@pytest.mark.parametrize(("cls", "args"), SPIDERS, ids=lambda v: getattr(v, "name", ""))
def test_the_proxy_is_set_on_requests(cls: type[scrapy.Spider], args: dict[str, str]) -> None:
    request = asyncio.run(first_request(make(cls, **args, proxy=PROXY)))
    assert request.meta["proxy"] == PROXY


@pytest.mark.parametrize(("cls", "args"), SPIDERS[1:], ids=lambda v: getattr(v, "name", ""))
def test_a_wrong_proxy_is_refused(cls: type[scrapy.Spider], args: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="http"):
        make(cls, **args, proxy="socks://x")


def test_a_wrong_proxy_fails_the_classifieds_run_with_one_line() -> None:
    spider = make(ClassifiedsSpider, site=SITE, proxy="socks://x")
    assert spider.setup_error is not None and "http(s) URL" in spider.setup_error
