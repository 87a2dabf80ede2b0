"""The pipeline stages after crawling, as plain functions over the store.

``classify_pending`` → ``capture`` → ``queue_alerts`` → ``deliver``. Each picks up the
rows the previous one finished, so the scheduler, the demo and the tests drive the same
code, and a crash anywhere is repaired by the next pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from alerts.outbox import DeliveryReport, deliver, queue_alerts
from classifiers import classify
from crawler import store
from crawler.config import Config
from crawler.evidence import Capturer, capture_pending

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CycleReport:
    classified: int
    flagged: int
    captured: int
    queued: int
    delivery: DeliveryReport
    flagged_keys: tuple[str, ...] = field(default=())


def classify_pending(
    db: Database, *, model: Any = None, limit: int = 5000
) -> tuple[int, list[str]]:
    """Classify new and changed posts; return how many, and the keys labelled suspicious."""
    posts = list(store.posts_to_classify(db, limit))
    flagged = []
    for post in posts:
        verdict = classify(post, model=model)
        store.save_verdict(db, post["key"], verdict.to_dict(), post["content_hash"])
        if verdict.label == "suspicious":
            flagged.append(post["key"])
    return len(posts), flagged


def capture(db: Database, config: Config, limit: int = 50) -> int:
    """Capture evidence of flagged posts; the browser starts only when there is work."""
    if not store.posts_to_capture(db, 1):
        return 0
    with Capturer(config.browser) as capturer:
        return capture_pending(db, capturer, config.evidence_dir, limit=limit)


def process(
    db: Database,
    config: Config,
    *,
    model: Any = None,
    now: datetime | None = None,
    ignore_backoff: bool = False,
) -> CycleReport:
    """Run every stage after crawling once."""
    classified, flagged = classify_pending(db, model=model)
    captured = capture(db, config)
    queued = queue_alerts(db, config.alerts, config.smtp.sender, now=now)
    report = deliver(db, config.smtp, now=now, ignore_backoff=ignore_backoff)
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
