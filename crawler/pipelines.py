"""Item pipeline that writes crawled posts into Pantau's store.

Enabled in ``crawler.settings`` and switched off (``NotConfigured``) unless the
``PANTAU_DB`` setting names the SQLite file, so ``scrapy crawl ... -O out.jsonl``
works without a database.

Posts are written in batches, one transaction each: a commit per post (an fsync each)
cost more than all the parsing of a crawl. A batch is committed when it holds
``PANTAU_STORE_BATCH_SIZE`` posts, when its oldest post has waited
``PANTAU_STORE_BATCH_SECONDS``, and when the spider closes (on failure too). A crash loses
at most the uncommitted batch, which the next run crawls again, since the incremental
stop only trusts posts that are stored.

New posts are full-text indexed (for the review desk's search) once, when the spider
closes, not with every batch (``store.index_pending_posts``): the index then grows by one
segment a crawl instead of one a batch. Posts a crash leaves unindexed are indexed by the
next crawl's close or the next classify pass, which runs before they can be reviewed.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
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
    """Upserts every item into ``posts`` (never a duplicate), in batches, and counts
    scraped/new; posts the store still refuses at close are counted as not stored, which
    fails the run (``RunRecorder``), so the watermark does not pass them."""

    def __init__(
        self,
        db_path: str,
        stats: StatsCollector,
        max_text_chars: int,
        batch_size: int = 200,
        batch_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db_path = db_path
        self.stats = stats
        self.max_text_chars = max_text_chars
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.clock = clock
        self.db: Database | None = None
        self.pending: list[dict[str, Any]] = []  # rows (``store.post_row``), not items
        self.pending_since = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PANTAU_DB")
        if not path:
            raise NotConfigured  # PANTAU_DB unset: off, and nothing to warn about
        settings = crawler.settings
        assert crawler.stats is not None
        return cls(
            str(path),
            crawler.stats,
            settings.getint("PANTAU_MAX_TEXT_CHARS", 100_000),
            batch_size=settings.getint("PANTAU_STORE_BATCH_SIZE", 200),
            batch_seconds=settings.getfloat("PANTAU_STORE_BATCH_SECONDS", 5.0),
        )

    def open_spider(self) -> None:
        self.db = store.open_store(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            try:
                self.flush()
                if self.pending:
                    self.stats.inc_value(NOT_STORED_STAT, len(self.pending))
                    log.error(
                        "%d posts not stored; the next run reads them again", len(self.pending)
                    )
                self.index()
            finally:
                self.db.close()
                self.db = None

    def process_item(self, item: Any) -> Any:
        """Queue ``item`` for the store under the run ``RunRecorder`` opened; return it
        unchanged apart from a text cut to ``PANTAU_MAX_TEXT_CHARS``."""
        assert self.db is not None, "open_spider was not called"
        self.cap_text(item)
        if not self.pending:
            self.pending_since = self.clock()
        self.pending.append(store.post_row(item))
        if self.batch_due():
            self.flush()
        return item

    def batch_due(self) -> bool:
        waited = self.clock() - self.pending_since
        return len(self.pending) >= self.batch_size or waited >= self.batch_seconds

    def flush(self) -> None:
        """Commit the queued items in one transaction; on a database error they stay
        queued for the next try (the last one is at close)."""
        if not self.pending or self.db is None:
            return
        run_id = self.stats.get_value(RUN_ID_STAT)
        try:
            new = store.save_post_rows(self.db, self.pending, run_id, index=False)
        except (sqlite3.Error, OSError) as exc:  # locked too long, disk full
            log.error("could not store %d posts yet: %s", len(self.pending), exc)
            return
        self.stats.inc_value(SCRAPED_STAT, len(self.pending))
        self.stats.inc_value(NEW_STAT, new)
        self.pending = []

    def index(self) -> None:
        """Full-text index the posts this crawl stored; on a database error they stay
        queued for the next crawl or classify pass."""
        assert self.db is not None
        try:
            store.index_pending_posts(self.db)
        except (sqlite3.Error, OSError) as exc:
            log.warning("stored posts not indexed for search yet: %s", exc)

    def cap_text(self, item: Any) -> None:
        text = item.get("text") or ""
        if len(text) > self.max_text_chars:
            log.warning("text of %s cut to %d characters", item.get("url"), self.max_text_chars)
            item["text"] = text[: self.max_text_chars]
            self.stats.inc_value(TRUNCATED_STAT)
