"""Item pipeline that writes crawled posts into Pantau's store.

Enabled in ``crawler.settings`` and switched off (``NotConfigured``) unless the
``PANTAU_DB`` setting names the SQLite file, so ``scrapy crawl ... -O out.jsonl``
works without a database.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlite_utils import Database

from crawler import store

log = logging.getLogger(__name__)

RUN_ID_STAT = "pantau/run_id"
SCRAPED_STAT = "pantau/items_scraped"
NEW_STAT = "pantau/items_new"
NOT_STORED_STAT = "pantau/items_not_stored"
TRUNCATED_STAT = "pantau/texts_truncated"


class StorePipeline:
    """Upserts every item into ``posts`` (never a duplicate) and counts scraped/new; a post
    the store refuses is counted as not stored, which fails the run (``RunRecorder``)."""

    def __init__(self, db_path: str, stats: StatsCollector, max_text_chars: int) -> None:
        self.db_path = db_path
        self.stats = stats
        self.max_text_chars = max_text_chars
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PANTAU_DB")
        if not path:
            raise NotConfigured("PANTAU_DB is not set")
        max_chars = crawler.settings.getint("PANTAU_MAX_TEXT_CHARS", 100_000)
        assert crawler.stats is not None
        return cls(str(path), crawler.stats, max_chars)

    def open_spider(self) -> None:
        self.db = store.open_store(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item: Any) -> Any:
        """Store ``item`` under the run ``RunRecorder`` opened; return it unchanged
        apart from a text cut to ``PANTAU_MAX_TEXT_CHARS``."""
        assert self.db is not None, "open_spider was not called"
        self.cap_text(item)
        run_id = self.stats.get_value(RUN_ID_STAT)
        try:
            is_new = store.upsert_post(self.db, item, run_id)
        except (sqlite3.DatabaseError, OSError) as exc:  # locked too long, disk full
            self.stats.inc_value(NOT_STORED_STAT)
            log.error("post %s not stored (%s); the next run reads it again", item.get("url"), exc)
            raise DropItem(f"not stored: {exc}") from exc
        self.stats.inc_value(SCRAPED_STAT)
        if is_new:
            self.stats.inc_value(NEW_STAT)
        return item

    def cap_text(self, item: Any) -> None:
        text = item.get("text") or ""
        if len(text) > self.max_text_chars:
            log.warning("text of %s cut to %d characters", item.get("url"), self.max_text_chars)
            item["text"] = text[: self.max_text_chars]
            self.stats.inc_value(TRUNCATED_STAT)
