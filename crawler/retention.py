"""Retention: what Pantau deletes on its own, so that months of running do not fill the disk.

Evidence bundles, alerts, reviews and every post that was ever suspicious are kept: they
are what investigators rely on. What goes: the WARC record of crawl runs older than
``retention.warc_days``, and posts that were classified not suspicious and were not seen
again for ``retention.post_days`` (0 keeps either forever).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from crawler import store
from crawler.config import Config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    warc_files: int
    posts: int


def apply_retention(db: Database, config: Config, now: datetime | None = None) -> RetentionReport:
    """Delete what the retention settings say has expired; return what went."""
    now = now or datetime.now(UTC)
    warc_files = posts = 0
    if config.retention.warc_days:
        before = now - timedelta(days=config.retention.warc_days)
        warc_files = _drop_warcs(db, config.data_dir / "warc", before)
    if config.retention.post_days:
        posts = store.delete_old_quiet_posts(db, now - timedelta(days=config.retention.post_days))
    if warc_files or posts:
        log.info("retention: %d WARC files and %d quiet posts deleted", warc_files, posts)
    return RetentionReport(warc_files, posts)


def _drop_warcs(db: Database, warc_dir: Path, before: datetime) -> int:
    """Delete expired WARC files; only files inside ``warc_dir`` are ever touched."""
    dropped = 0
    root = warc_dir.resolve()
    for run in store.expired_warc_runs(db, before):
        path = Path(run["warc_path"]).resolve()
        if path.parent != root:
            log.warning("retention: run %d names a WARC outside %s; left alone", run["id"], root)
            continue
        path.unlink(missing_ok=True)
        store.forget_warc(db, run["id"])
        dropped += 1
    return dropped
