"""The long-running service and one cycle: what runs, and when.

One **cycle** is the stage functions over the store, in order: ``classify_pending`` →
``capture`` → ``queue_alerts`` → ``deliver`` (``process`` runs them all). Each picks up
the rows the previous one finished, so the service, the demo and the tests drive the
same code, and a crash anywhere is repaired by the next pass.

The **service** (``Service``, ``run_service``): APScheduler runs one job per enabled
source (its interval, with jitter so crawls do not line up, first run at start) and one
delivery job that retries queued alerts. Each crawl is a ``scrapy crawl`` child process
(``crawler.crawl.CrawlRunner``); after it the cycle runs under a lock, so two sources
finishing together do not capture the same post twice. A source that fails is logged
and recorded in its run; the others go on. A fault of the machine during a pass (a full
disk, a database locked or damaged) is logged in one line with what to do, and the pass
ends: every stage commits row by row, so the rows it did not finish stay pending for the
next pass. SIGTERM or Ctrl-C stops the scheduler, asks running crawls to finish and
returns.

Before any crawl, ``start_up`` checks the browser, the data folder and the database
(``crawler.preflight``; a bad one stops ``pantau run`` with one line) and closes the runs
a killed process left ``running`` as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from alerts.admin import tell_admins
from alerts.outbox import DeliveryReport, deliver, queue_alerts
from classifiers import classify, classify_many
from classifiers.agencies import AgencyRegistry
from classifiers.label_model import default_model, load_model_file
from classifiers.ocr import OcrError, ocr_image
from classifiers.reposts import RepostIndex
from classifiers.verdict import Verdict
from crawler import store
from crawler.config import Config, Source
from crawler.crawl import CrawlRunner, close_dead_runs
from crawler.errors import FAULTS, ConfigError, FencedError, PantauError, describe_fault
from crawler.fence import Fence
from crawler.health import assess, serve_health
from crawler.media import MediaError, fetch_image
from crawler.preflight import check_start
from crawler.retention import apply_retention
from evidence.capture import Capturer, browser_unavailable, capture_pending

log = logging.getLogger("pantau.scheduler")

DELIVERY_INTERVAL_MINUTES = 5
HEALTH_INTERVAL_MINUTES = 5
RETENTION_INTERVAL_HOURS = 24

# --- one cycle: the stages after crawling ----------------------------------------------

# Reposts of one campaign come within weeks of each other; bounding the window keeps the
# index rebuilt on each pass small after months of running.
REPOST_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class CycleReport:
    classified: int
    flagged: int
    captured: int
    queued: int
    delivery: DeliveryReport
    flagged_keys: tuple[str, ...] = field(default=())


def read_posters(db: Database, keys: list[str], fence: Fence, languages: str = "ind+eng") -> int:
    """OCR the images of posts ``keys`` not read before, each fetched through the
    fence; failures (refusals too) are kept as errors so that a broken image is not
    fetched again on every pass."""
    urls = store.images_without_text(db, keys)
    for url in urls:
        try:
            text = ocr_image(fetch_image(url, fence), languages=languages)
            store.save_image_text(db, url, text)
        except (MediaError, FencedError, OcrError) as exc:
            log.warning("poster %s: %s", url, exc)
            store.save_image_text(db, url, "", error=str(exc))
    return len(urls)


def classify_pending(
    db: Database, config: Config | None = None, *, model: Any = None, limit: int = 5000
) -> tuple[int, list[str]]:
    """OCR posters, classify new and changed posts, link their contacts and reposts;
    return how many were classified, and the keys labelled suspicious. A post that cannot
    be classified is logged and stays pending (see :func:`_verdicts`)."""
    posts = list(store.posts_to_classify(db, limit))
    # Posts a crawl stored but has not indexed yet (still running, or killed) become
    # searchable before their verdicts put them in the review queue.
    store.index_pending_posts(db)
    if config is not None and config.classifier.ocr:
        fence = Fence(config.network.allow)
        read_posters(db, [p["key"] for p in posts], fence, config.classifier.ocr_languages)
    recent = datetime.now(UTC) - REPOST_WINDOW
    reposts = RepostIndex.rebuild(store.cluster_texts(db, since=recent)) if posts else None
    registry = load_agencies(db) if posts else None
    for post in posts:
        post["images_text"] = store.images_text(db, post["images"])
    classified, flagged = 0, []
    for post, found in zip(posts, _verdicts(posts, model, registry), strict=True):
        if found is None:
            continue  # logged; the post stays pending and is tried again next pass
        classified += 1
        verdict = found.to_dict()
        with db.atomic():
            store.save_verdict(db, post["key"], verdict, post["content_hash"])
            store.save_entities(db, post["key"], verdict["entities"])
            if reposts is not None:
                store.set_cluster(db, post["key"], reposts.add(post["key"], post["text"]))
        if verdict["label"] == "suspicious":
            flagged.append(post["key"])
    return classified, flagged


def _verdicts(
    posts: list[dict[str, Any]], model: Any, registry: AgencyRegistry | None
) -> list[Verdict | None]:
    """Verdicts of ``posts`` in one batch. Post text is hostile: when the batch raises (a
    classifier or model fault met on one post), the posts are classified one by one, so the
    one that fails is logged with its key and left pending (None) while the others go on to
    evidence and alerts."""
    try:
        return list(classify_many(posts, model=model, agencies=registry))
    except Exception as exc:  # the post that raises is logged with its traceback below
        log.warning("classifying %d posts at once failed (%s); one by one now", len(posts), exc)
    return [_verdict_or_none(post, model, registry) for post in posts]


def _verdict_or_none(
    post: dict[str, Any], model: Any, registry: AgencyRegistry | None
) -> Verdict | None:
    try:
        return classify(post, model=model, agencies=registry)
    except Exception:
        log.exception("post %s could not be classified; it stays pending", post["key"])
        return None


def load_agencies(db: Database) -> AgencyRegistry | None:
    """The imported licensed-agency list, or None when none was imported."""
    rows = store.agencies(db)
    return AgencyRegistry.from_rows(rows) if rows else None


def load_model(config: Config) -> Any:
    """The configured learned model (``classifier.model_path``), else the packaged one;
    None (indicators only) when ``classifier.model`` is false or a checkout has not built
    the packaged model."""
    if not config.classifier.model:
        return None
    path = config.classifier.model_path
    return load_model_file(path) if path is not None else default_model()


def capture(db: Database, config: Config, limit: int = 50) -> int:
    """Capture evidence of flagged posts; the browser starts only when there is work."""
    attempts = config.browser.max_attempts
    if not store.posts_to_capture(db, 1, attempts):
        return 0
    capturer = Capturer(config.browser, Fence(config.network.allow))
    try:
        capturer.start()
    except ConfigError as exc:  # checked at start, so the browser broke since
        log.error("evidence capture unavailable: %s", exc)
        browser_unavailable(db, str(exc), limit=limit, max_attempts=attempts)
        return 0
    try:
        return capture_pending(
            db, capturer, config.evidence_dir, limit=limit, max_attempts=attempts
        )
    finally:
        capturer.close()


def process(
    db: Database,
    config: Config,
    *,
    model: Any = None,
    now: datetime | None = None,
    ignore_backoff: bool = False,
) -> CycleReport:
    """Run every stage after crawling once."""
    model = model if model is not None else load_model(config)
    classified, flagged = classify_pending(db, config, model=model)
    captured = capture(db, config)
    queued = queue_alerts(db, config.alerts, config.smtp.sender, now=now)
    report = deliver(
        db,
        config.smtp,
        now=now,
        ignore_backoff=ignore_backoff,
        review_base_url=config.review.base_url,
    )
    log.info(
        "cycle: %d classified, %d flagged, %d captured, %d queued, %d sent, %d retried, %d failed",
        classified,
        len(flagged),
        captured,
        queued,
        report.sent,
        report.retried,
        report.failed,
    )
    return CycleReport(classified, len(flagged), captured, queued, report, tuple(flagged))


def watch_health(db: Database, config: Config, now: datetime | None = None) -> int:
    """Assess health, record which problems started and ended, and tell the
    administrators about the changes in one email; return how many problems are open."""
    problems = assess(db, config, now)
    opened, closed = store.sync_problems(db, [p.to_dict() for p in problems], now)
    if opened or closed:
        log.warning("health: %d problem(s) started, %d ended", opened, closed)
    for problem in problems:
        log.debug("health problem: %s", problem.message)
    tell_admins(db, config, now)
    return len(problems)


# --- the service -------------------------------------------------------------------------


class Service:
    """Builds the jobs from the configuration and runs the stage functions."""

    def __init__(self, config: Config, *, crawl_log_level: str = "INFO") -> None:
        self.config = config
        self.crawls = CrawlRunner(config, log_level=crawl_log_level)
        self._stage_lock = threading.Lock()
        self._health_lock = threading.Lock()
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
        self.scheduler.add_job(
            self.check_health,
            IntervalTrigger(minutes=HEALTH_INTERVAL_MINUTES, timezone=UTC),
            id="health",
            name="health check",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.apply_retention,
            IntervalTrigger(hours=RETENTION_INTERVAL_HOURS, timezone=UTC),
            id="retention",
            name="retention",
            next_run_time=start,
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
        except (*FAULTS, PantauError) as exc:
            log_fault(f"source {source.name}: the crawl stopped", exc)
        except Exception:
            log.exception("source %s: the job failed", source.name)
        self.check_health()

    def check_health(self) -> None:
        """Assess health and tell the administrators of changes; never raises."""
        try:
            with self._health_lock, store.connect(self.config.db_path) as db:
                watch_health(db, self.config)
        except Exception:
            log.exception("health check failed")

    def apply_retention(self) -> None:
        try:
            with self._stage_lock, store.connect(self.config.db_path) as db:
                apply_retention(db, self.config)
        except Exception:
            log.exception("retention job failed")

    def run_stages(self) -> None:
        """The stages after a crawl, one pass at a time; a fault ends the pass, logged."""
        with self._stage_lock:
            try:
                with store.connect(self.config.db_path) as db:
                    process(db, self.config)
            except (*FAULTS, PantauError) as exc:
                log_fault("the stages stopped", exc)

    def retry_deliveries(self) -> None:
        try:
            with self._stage_lock, store.connect(self.config.db_path) as db:
                report = deliver(db, self.config.smtp, review_base_url=self.config.review.base_url)
            if report.sent or report.retried or report.failed:
                log.info(
                    "delivery: %d sent, %d retried, %d failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except (*FAULTS, PantauError) as exc:
            log_fault("delivery stopped", exc)
        except Exception:
            log.exception("delivery job failed")

    def serve(self) -> None:
        """Add the jobs and run them in the foreground until SIGTERM or SIGINT."""
        self.add_jobs()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        with self._health_endpoint():
            self.scheduler.start()
        log.info("pantau stopped")

    def _health_endpoint(self) -> contextlib.AbstractContextManager[object]:
        address = self.config.health.listen_address
        if address is None:
            return contextlib.nullcontext()
        log.info("health endpoint: http://%s:%d/healthz and /metrics", *address)
        return serve_health(self.config, address)

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        log.info("stopping (signal %s): finishing running jobs", signum)
        self.crawls.stop()
        self.scheduler.shutdown(wait=False)


def log_fault(what: str, exc: BaseException) -> None:
    """Log a fault in one line (what stopped, why, what to do); the traceback at debug."""
    reason = str(exc) if isinstance(exc, PantauError) else describe_fault(exc)
    log.error("%s: %s (pending work stays for the next pass)", what, reason)
    log.debug("traceback of the fault", exc_info=exc)


def start_up(config: Config) -> list[int]:
    """Before any crawl: check the browser, data folder and database (raising the first
    problem as one line), record the sources, close runs a dead process left ``running``
    as ``interrupted`` and return their ids."""
    check_start(config)
    with store.connect(config.db_path) as db:
        store.sync_sources(db, config.sources)
        return close_dead_runs(db)


def run_service(config: Config) -> None:
    """Check, then run in the foreground until SIGTERM or SIGINT."""
    start_up(config)
    log.info("pantau running: %d source(s), data in %s", len(config.sources), config.data_dir)
    Service(config).serve()
