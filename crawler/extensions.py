"""Scrapy extension that records each crawl as a row of the store's ``runs`` table.

On ``spider_opened`` it starts a run (and puts its id in the crawl stats under
``pantau/run_id`` for ``StorePipeline``); on ``spider_closed`` it finishes it: ``ok``
when Scrapy's close reason is ``finished``, otherwise ``failed`` with the reason (a
``CloseSpider`` sentence, ``shutdown``, ...), which also lands in ``sources.last_status``.
A finished run with posts the store refused (locked, disk full) is ``failed`` too.

Only a run that ends ``ok`` with no error logged moves its source's watermark (how far
back the source has been read completely, see ``spiders.base``) to the range it walked,
in the same transaction that closes it. A run killed before this point stays
``running`` and is closed as ``interrupted`` at the next start (``crawler.crawl``).
Switched off (``NotConfigured``) unless ``PANTAU_DB`` is set.
"""

from __future__ import annotations

import logging
import os
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlite_utils import Database

from crawler import store
from crawler.pipelines import NEW_STAT, NOT_STORED_STAT, RUN_ID_STAT, SCRAPED_STAT
from crawler.warc import WARC_PATH_STAT

log = logging.getLogger(__name__)

# A close reason starting with this marks a run ``blocked`` (``PantauSpider.blocked``).
BLOCKED_PREFIX = "blocked:"
# The newest and oldest positions of the posts this run built (``PantauSpider.note_position``).
WALK_TOP_STAT = "pantau/walk_top"
WALK_FLOOR_STAT = "pantau/walk_floor"


def run_status(reason: str) -> str:
    """``ok`` for a finished crawl, ``blocked`` for a run a spider ended at a login wall,
    checkpoint or rate-limit page (reason ``blocked: ...``), ``failed`` otherwise."""
    if reason == "finished":
        return "ok"
    return "blocked" if reason.startswith(BLOCKED_PREFIX) else "failed"


class RunRecorder:
    """Opens a ``runs`` row when the spider opens and closes it with the outcome."""

    def __init__(self, db_path: str, stats: StatsCollector, source: str | None) -> None:
        self.db_path = db_path
        self.stats = stats
        self.source = source
        self.db: Database | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PANTAU_DB")
        if not path:
            raise NotConfigured  # PANTAU_DB unset: off, and nothing to warn about
        assert crawler.stats is not None
        recorder = cls(str(path), crawler.stats, crawler.settings.get("PANTAU_SOURCE"))
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        self.db = store.open_store(self.db_path)
        source = self.source = self.source or getattr(spider, "source", None)
        self.run_id = store.start_run(self.db, spider.name, source, pid=os.getpid())
        self.stats.set_value(RUN_ID_STAT, self.run_id)
        log.info("run %d of %s (source %s) started", self.run_id, spider.name, source)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.db is None or self.run_id is None:
            return
        try:
            status, reason = self.outcome(reason)
            warc = self.stats.get_value(WARC_PATH_STAT)
            counts = self.counts(spider.name)
            with self.db.atomic():
                store.finish_run(self.db, self.run_id, status, reason, counts, warc_path=warc)
                if status == "ok":
                    self.move_watermark(counts["errors"])
            log.info("run %d ended %s (%s)", self.run_id, status, reason)
        finally:
            self.db.close()
            self.db = None

    def outcome(self, reason: str) -> tuple[str, str]:
        """The run's status and reason: a finished crawl whose posts were not all stored
        failed, since those posts are only read again if the next run walks to them."""
        not_stored = int(self.stats.get_value(NOT_STORED_STAT, 0))
        if reason == "finished" and not_stored:
            return "failed", f"{not_stored} post(s) could not be stored; see the log"
        return run_status(reason), reason

    def move_watermark(self, errors: int) -> None:
        """Move the source's watermark to the range this run walked, unless it logged an
        error (a page that raised in parsing ends its walk early without failing the run)."""
        top = self.stats.get_value(WALK_TOP_STAT)
        floor = self.stats.get_value(WALK_FLOOR_STAT)
        if top is None or floor is None or self.source is None or self.db is None:
            return
        if errors:
            log.warning("run %d logged %d error(s): watermark not moved", self.run_id, errors)
            return
        gap = store.move_watermark(self.db, self.source, top, floor, self.run_id)
        if gap:
            log.warning("source %s: %s", self.source, gap)

    def counts(self, spider_name: str) -> dict[str, int]:
        """Items scraped and new (from ``StorePipeline``), errors logged, and the pages the
        spider read (its ``<spider>/pages`` statistic)."""
        return {
            "scraped": int(self.stats.get_value(SCRAPED_STAT, 0)),
            "new": int(self.stats.get_value(NEW_STAT, 0)),
            "errors": int(self.stats.get_value("log_count/ERROR", 0)),
            "pages": int(self.stats.get_value(f"{spider_name}/pages", 0)),
        }
