"""The long-running service: each source crawled on its interval, then the stages.

APScheduler runs one job per enabled source (its interval, with jitter so crawls do
not line up, first run at start) and one delivery job that retries queued alerts.
After a crawl the stages (classify, capture, alert) run under a lock, so two sources
finishing together do not capture the same post twice. A source that fails is logged
and recorded in its run; the others go on. SIGTERM or Ctrl-C stops the scheduler,
asks running crawls to finish and returns.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from alerts.outbox import deliver
from crawler import store
from crawler.config import Config, Source
from crawler.crawl import CrawlRunner
from crawler.stages import process

log = logging.getLogger("pantau.scheduler")

DELIVERY_INTERVAL_MINUTES = 5


class Service:
    """Builds the jobs from the configuration and runs the stage functions."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.crawls = CrawlRunner(config)
        self._stage_lock = threading.Lock()
        self.scheduler = BlockingScheduler(timezone=UTC)

    def add_jobs(self) -> None:
        start = datetime.now(UTC)
        for source in self.config.sources:
            if not source.enabled:
                log.info("source %s is disabled", source.name)
                continue
            trigger = IntervalTrigger(
                minutes=source.interval_minutes, jitter=int(source.jitter_seconds), timezone=UTC
            )
            self.scheduler.add_job(
                self.run_source,
                trigger,
                args=[source],
                id=source.name,
                name=f"crawl {source.name}",
                next_run_time=start,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.add_job(
            self.retry_deliveries,
            IntervalTrigger(minutes=DELIVERY_INTERVAL_MINUTES, timezone=UTC),
            id="deliver",
            name="deliver queued alerts",
            max_instances=1,
            coalesce=True,
        )

    def run_source(self, source: Source) -> None:
        """One job: crawl, then the stages. Never raises, so one source cannot stop others."""
        try:
            result = self.crawls.run(source)
            log.info(
                "source %s: %s, %d posts (%d new)%s",
                source.name,
                result.status,
                result.items_scraped,
                result.items_new,
                f" — {result.reason}" if result.status != "ok" else "",
            )
            self.run_stages()
        except Exception:
            log.exception("source %s: the job failed", source.name)

    def run_stages(self) -> None:
        with self._stage_lock, store.connect(self.config.db_path) as db:
            process(db, self.config)

    def retry_deliveries(self) -> None:
        try:
            with self._stage_lock, store.connect(self.config.db_path) as db:
                report = deliver(db, self.config.smtp)
            if report.sent or report.retried or report.failed:
                log.info(
                    "delivery: %d sent, %d retried, %d failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except Exception:
            log.exception("delivery job failed")

    def serve(self) -> None:
        """Add the jobs and run them in the foreground until SIGTERM or SIGINT."""
        self.add_jobs()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.scheduler.start()
        log.info("pantau stopped")

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        log.info("stopping (signal %s): finishing running jobs", signum)
        self.crawls.stop()
        self.scheduler.shutdown(wait=False)


def run_service(config: Config) -> None:
    """Run in the foreground until SIGTERM or SIGINT."""
    with store.connect(config.db_path) as db:
        store.sync_sources(db, config.sources)
    log.info("pantau running: %d source(s), data in %s", len(config.sources), config.data_dir)
    Service(config).serve()
