"""Is Pantau healthy? What an operator who left it running for months needs to know.

``assess`` reads the store and the disk and returns the problems it sees:

- ``blocked``: a source's last run ended at a login wall, checkpoint, CAPTCHA, rate-limit
  page or an expired session (one run is enough: nothing will come until someone acts);
- ``failing``: a source's last ``health.failure_streak`` runs all failed;
- ``silent``: a source's last ``health.zero_item_runs`` runs brought no posts where its
  earlier runs usually did (a changed page layout looks exactly like this);
- ``stuck``: a run still marked running, or work waiting in a stage (classify, capture,
  deliver), for longer than ``health.stuck_minutes``;
- ``disk``: less than ``health.min_free_mb`` free in the data folder.

Each problem has a stable ``key``, so the service can tell the administrators once when it
starts and once when it is gone (``store.sync_problems``), not on every run. ``HealthServer``
serves ``/healthz`` (JSON) and ``/metrics`` (Prometheus) from the same assessment.
"""

from __future__ import annotations

import json
import logging
import shutil
import statistics
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlite_utils import Database

from crawler import store
from crawler.config import Config, HealthConfig
from crawler.errors import PantauError

log = logging.getLogger(__name__)

FAILED_STATUSES = ("failed", "interrupted")
# How many earlier runs tell what a source usually brings.
USUAL_WINDOW = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong; ``key`` names it across checks (``source:NAME:KIND`` or ``KIND``)."""

    key: str
    kind: str
    message: str
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def disk_free(path: Path) -> int:
    """Free bytes on the file system holding ``path`` (its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def assess(
    db: Database,
    config: Config,
    now: datetime | None = None,
    free_bytes: Callable[[Path], int] = disk_free,
) -> list[Problem]:
    """Every problem seen now, sources first."""
    now = now or datetime.now(UTC)
    window = max(config.health.failure_streak, config.health.zero_item_runs) + USUAL_WINDOW
    problems: list[Problem] = []
    for source in config.sources:
        if source.enabled:
            runs = source_runs(db, source.name, window)
            problems += source_problems(source.name, runs, config.health)
    problems += stuck_problems(db, config.health, now)
    problems += disk_problems(config.data_dir, config.health, free_bytes)
    return problems


def source_runs(db: Database, name: str, window: int) -> list[dict[str, Any]]:
    """The last ``window`` finished runs of a source, newest first. When all of them are
    empty (a silence longer than the window), the ``USUAL_WINDOW`` runs before the silence
    follow: what the source usually brought is not forgotten while it stays silent, so the
    problem stays open instead of passing for a recovery."""
    runs = store.recent_runs(db, name, window)
    if len(runs) == window and all(_empty(run) for run in runs):
        runs += store.runs_before_silence(db, name, USUAL_WINDOW)
    return runs


def _empty(run: Mapping[str, Any]) -> bool:
    return bool(run["status"] == "ok" and not run["items_scraped"])


def source_problems(
    name: str, runs: Sequence[Mapping[str, Any]], health: HealthConfig
) -> list[Problem]:
    """What the finished runs of one source (newest first) say about it."""
    if not runs:
        return []
    last = runs[0]
    if last["status"] == "blocked":
        return [Problem(f"source:{name}:blocked", "blocked", f"{name}: {last['reason']}", name)]
    failures = _leading(runs, lambda run: run["status"] in FAILED_STATUSES)
    if failures >= health.failure_streak:
        message = f"{name}: the last {failures} runs failed; last error: {last['reason']}"
        return [Problem(f"source:{name}:failing", "failing", message, name)]
    return _silent(name, runs, health)


def _silent(name: str, runs: Sequence[Mapping[str, Any]], health: HealthConfig) -> list[Problem]:
    empty = _leading(runs, _empty)
    earlier = [run["items_scraped"] for run in runs[empty:] if run["status"] == "ok"]
    usual = statistics.median(earlier) if earlier else 0
    if empty < health.zero_item_runs or usual <= 0:
        return []
    message = (
        f"{name}: no posts in the last {empty} runs, where runs usually bring {usual:g}; "
        "has the site changed its pages?"
    )
    return [Problem(f"source:{name}:silent", "silent", message, name)]


def _leading(runs: Sequence[Mapping[str, Any]], test: Callable[[Mapping[str, Any]], bool]) -> int:
    """How many runs from the newest on pass ``test``."""
    count = 0
    for run in runs:
        if not test(run):
            break
        count += 1
    return count


def stuck_problems(db: Database, health: HealthConfig, now: datetime) -> list[Problem]:
    """Runs and stage work older than ``health.stuck_minutes``."""
    limit = now - timedelta(minutes=health.stuck_minutes)
    problems = [
        Problem(
            f"stuck:run:{run['id']}",
            "stuck",
            f"run {run['id']} of {run['source']} has been running since {run['started_at']}",
            run["source"],
        )
        for run in store.runs_started_before(db, limit)
    ]
    for stage, oldest in store.oldest_pending(db).items():
        if oldest is not None and datetime.fromisoformat(oldest) < limit:
            message = f"stage {stage}: work has been waiting since {oldest}"
            problems.append(Problem(f"stuck:{stage}", "stuck", message))
    return problems


def disk_problems(
    data_dir: Path, health: HealthConfig, free_bytes: Callable[[Path], int] = disk_free
) -> list[Problem]:
    free = free_bytes(data_dir)
    if free >= health.min_free_mb * 1024 * 1024:
        return []
    message = (
        f"only {free / 1024 / 1024:.0f} MB free in {data_dir} "
        f"(health.min_free_mb = {health.min_free_mb:g})"
    )
    return [Problem("disk", "disk", message)]


def health_report(db: Database, config: Config, now: datetime | None = None) -> dict[str, Any]:
    """What ``/healthz`` answers: overall status, problems, and each source's last run."""
    now = now or datetime.now(UTC)
    problems = assess(db, config, now)
    sources = store.status_counts(db)["sources"]
    return {
        "status": "ok" if not problems else "problem",
        "checked_at": store.now_iso(now),
        "problems": [problem.to_dict() for problem in problems],
        "sources": [
            {key: row[key] for key in ("name", "last_run_at", "last_status", "last_error")}
            for row in sources
        ],
    }


def metrics_text(db: Database, config: Config, now: datetime | None = None) -> bytes:
    """The Prometheus exposition of Pantau's state (one fresh registry per scrape)."""
    registry = CollectorRegistry()
    counts = store.status_counts(db)
    Gauge("pantau_posts", "Posts stored.", registry=registry).set(counts["posts"])
    Gauge("pantau_suspicious_posts", "Posts labelled suspicious.", registry=registry).set(
        counts["suspicious"]
    )
    Gauge("pantau_evidence_bundles", "Evidence bundles captured.", registry=registry).set(
        counts["evidence"]
    )
    alerts = Gauge("pantau_alerts", "Alerts by outbox status.", ["status"], registry=registry)
    for status, number in counts["alerts"].items():
        alerts.labels(status).set(number)
    _source_metrics(registry, counts["sources"])
    problems = assess(db, config, now)
    gauge = Gauge("pantau_health_problems", "Health problems by kind.", ["kind"], registry=registry)
    for kind in ("blocked", "failing", "silent", "stuck", "disk"):
        gauge.labels(kind).set(sum(1 for p in problems if p.kind == kind))
    Gauge("pantau_disk_free_bytes", "Free bytes in the data folder.", registry=registry).set(
        disk_free(config.data_dir)
    )
    return generate_latest(registry)


def _source_metrics(registry: CollectorRegistry, sources: list[dict[str, Any]]) -> None:
    last_run = Gauge(
        "pantau_source_last_run_timestamp_seconds",
        "When each source's last run ended.",
        ["source"],
        registry=registry,
    )
    healthy = Gauge(
        "pantau_source_last_run_ok", "1 when the last run ended ok.", ["source"], registry=registry
    )
    for row in sources:
        if row["last_run_at"]:
            last_run.labels(row["name"]).set(datetime.fromisoformat(row["last_run_at"]).timestamp())
            healthy.labels(row["name"]).set(int(row["last_status"] == "ok"))


class _Handler(BaseHTTPRequestHandler):
    server: _HealthHTTPServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path not in ("/healthz", "/metrics"):
            self._reply(404, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            with store.connect(self.server.config.db_path) as db:
                if path == "/metrics":
                    self._reply(200, metrics_text(db, self.server.config), CONTENT_TYPE_LATEST)
                    return
                report = health_report(db, self.server.config)
        except PantauError as exc:
            report = {"status": "error", "error": str(exc)}
        body = json.dumps(report, ensure_ascii=False, indent=2).encode() + b"\n"
        self._reply(200 if report["status"] == "ok" else 503, body, "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("health endpoint: " + format, *args)


class _HealthHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], config: Config) -> None:
        super().__init__(address, _Handler)
        self.config = config


@contextmanager
def serve_health(config: Config, address: tuple[str, int]) -> Iterator[tuple[str, int]]:
    """Serve ``/healthz`` and ``/metrics`` on ``address`` (port 0 picks a free one) in a
    background thread; yields the address bound."""
    server = _HealthHTTPServer(address, config)
    thread = threading.Thread(target=server.serve_forever, name="health", daemon=True)
    thread.start()
    try:
        yield server.server_address[0], server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
