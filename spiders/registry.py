"""Scrapy's spider loader for Pantau (``SPIDER_LOADER_CLASS``): a crawl imports only the
spider it runs.

Scrapy's own loader imports every module of ``SPIDER_MODULES`` to find one spider by
name: about 50 ms of CPU at the start of every crawl process, spent on ten spiders (and
feedparser) the crawl never uses. ``SPIDERS`` names each spider's class; a spider missing
from it is still found, Scrapy's way, and ``scrapy list`` and ``find_by_request`` always go
Scrapy's way. ``tests/spiders/test_registry.py`` fails when the table and Scrapy disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Self

from scrapy import Request, Spider
from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object

SPIDERS: Mapping[str, str] = {
    "classifieds": "spiders.classifieds.ClassifiedsSpider",
    "facebook": "spiders.facebook.FacebookSpider",
    "glints": "spiders.jobboards.GlintsSpider",
    "instagram": "spiders.instagram.InstagramSpider",
    "jobstreet": "spiders.jobboards.JobStreetSpider",
    "kalibrr": "spiders.jobboards.KalibrrSpider",
    "olx": "spiders.olx.OlxSpider",
    "rss": "spiders.rss.RssSpider",
    "telegram": "spiders.telegram.TelegramSpider",
    "tiktok": "spiders.tiktok.TikTokSpider",
    "x": "spiders.x.XSpider",
}


class SpiderRegistry:
    """Finds a spider through ``table`` (name -> class path), else through Scrapy's
    ``SpiderLoader``, which is built (every spider module imported) only when needed."""

    def __init__(self, settings: BaseSettings, table: Mapping[str, str] = SPIDERS) -> None:
        self.settings = settings
        self.table = table

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    @cached_property
    def scrapy_loader(self) -> SpiderLoader:
        return SpiderLoader.from_settings(self.settings)

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class named ``spider_name``; KeyError when there is none."""
        path = self.table.get(spider_name)
        if path is not None:
            spider: type[Spider] = load_object(path)
            if getattr(spider, "name", None) == spider_name:
                return spider
        return self.scrapy_loader.load(spider_name)

    def list(self) -> list[str]:
        return self.scrapy_loader.list()

    def find_by_request(self, request: Request) -> list[str]:
        return self.scrapy_loader.find_by_request(request)
