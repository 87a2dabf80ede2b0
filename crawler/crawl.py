"""Running one crawl of a configured source, in its own process.

Twisted's reactor cannot be restarted inside one process, and a crawl that leaks
memory or hangs must not take the long-running service with it, so every crawl is a
``python -m scrapy crawl`` child process. The child stores posts and records its run
through ``crawler.pipelines.StorePipeline`` and ``crawler.extensions.RunRecorder``;
the parent only starts it, bounds its time and reads the run it recorded.

A crawl process killed outright (SIGKILL, power cut) leaves its run ``running``;
``close_dead_runs`` closes such runs as ``interrupted`` at the next start, once the
process that recorded them (``runs.pid``) is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler import sessions, store
from crawler.config import Config, Source

log = logging.getLogger(__name__)

INTERRUPTED_REASON = (
    "the crawl process ended before recording the end of its run (killed, crashed or the "
    "machine stopped); its source's watermark did not move, so the next run reads its "
    "pages again"
)


@dataclass(frozen=True)
class CrawlResult:
    source: str
    status: str
    reason: str | None
    items_scraped: int
    items_new: int


class CrawlRunner:
    """Starts crawl processes and can stop all of them (on SIGTERM of the service)."""

    def __init__(
        self, config: Config, timeout_seconds: float = 1800, log_level: str = "INFO"
    ) -> None:
        self.config = config
        self.timeout_seconds = timeout_seconds
        self.log_level = log_level
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def command(self, source: Source) -> list[str]:
        """The ``scrapy crawl`` command line for ``source``."""
        cmd = [sys.executable, "-m", "scrapy", "crawl", source.spider]
        for key, value in sorted(source.args.items()):
            cmd += ["-a", f"{key}={value}"]
        cmd += ["-s", f"PANTAU_DB={self.config.db_path}", "-s", f"PANTAU_SOURCE={source.name}"]
        cmd += ["-s", f"PANTAU_WARC_DIR={self.config.data_dir / 'warc'}"]
        cmd += ["-s", f"LOG_LEVEL={self.log_level}"]
        cmd += ["-s", f"PANTAU_BROWSER={self.config.browser.executable_path}"]
        cmd += ["-s", f"PANTAU_BROWSER_SANDBOX={self.config.browser.sandbox}"]
        allow = ",".join(str(network) for network in self.config.network.allow)
        cmd += ["-s", f"PANTAU_NETWORK_ALLOW={allow}"]
        session = sessions.session_path(self.config.data_dir, source.name)
        if session.is_file():
            cmd += ["-s", f"PANTAU_SESSION_FILE={session}"]
        return cmd

    def run(self, source: Source) -> CrawlResult:
        """Crawl ``source`` once and return the run it recorded."""
        db = store.open_store(self.config.db_path)
        try:
            store.sync_sources(db, [source])
            before = _last_run_id(db)
            returncode = self._run_child(source)
            return _result(db, source, before, returncode)
        finally:
            db.close()

    def stop(self) -> None:
        """Ask every running crawl to finish (Scrapy closes gracefully on SIGTERM)."""
        with self._lock:
            self._stopping = True
            for child in self._children:
                child.send_signal(signal.SIGTERM)

    def _run_child(self, source: Source) -> int:
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
        log.info("crawl %s: %s", source.name, " ".join(self.command(source)[3:]))
        with self._lock:
            if self._stopping:
                return -signal.SIGTERM
            child = subprocess.Popen(self.command(source), env=env, cwd=_project_root())
            self._children.add(child)
        try:
            return child.wait(timeout=self.timeout_seconds)
        except subprocess.TimeoutExpired:
            log.error(
                "crawl %s: no result after %ss, stopping it", source.name, self.timeout_seconds
            )
            child.kill()
            return child.wait()
        finally:
            with self._lock:
                self._children.discard(child)


def _project_root() -> Path:
    """The folder holding ``scrapy.cfg`` (only used as the child's working folder)."""
    return Path(__file__).resolve().parent.parent


def _last_run_id(db: Any) -> int:
    rows = list(db.query("SELECT max(id) AS id FROM runs"))
    return int(rows[0]["id"] or 0)


def _result(db: Any, source: Source, before: int, returncode: int) -> CrawlResult:
    rows = list(
        db.query(
            "SELECT * FROM runs WHERE id > ? AND source = ? ORDER BY id DESC LIMIT 1",
            [before, source.name],
        )
    )
    if rows and rows[0]["status"] != "running":
        run = rows[0]
    else:
        reason = f"crawl process ended with exit code {returncode} before recording its run"
        run_id = rows[0]["id"] if rows else store.start_run(db, source.spider, source.name)
        store.finish_run(db, run_id, "failed", reason, {})
        run = store.get_run(db, run_id) or {}
    return CrawlResult(
        source=source.name,
        status=run["status"],
        reason=run["reason"],
        items_scraped=run["items_scraped"],
        items_new=run["items_new"],
    )


def close_dead_runs(db: Any) -> list[int]:
    """Close as ``interrupted`` every run left ``running`` by a process that is gone;
    return their ids. Runs of crawls still going (another ``pantau`` on this machine)
    are left alone."""
    closed = []
    for run in store.running_runs(db):
        if run["pid"] is not None and process_alive(run["pid"], run["started_at"]):
            continue
        store.close_interrupted_run(db, run["id"], INTERRUPTED_REASON)
        log.warning(
            "run %d of %s closed as interrupted: its process is gone", run["id"], run["source"]
        )
        closed.append(run["id"])
    return closed


def process_alive(pid: int, since: str | None = None) -> bool:
    """True when process ``pid`` runs (not a zombie) and, when ``since`` (ISO time) is
    given, started no later than then: a newer process with the same id (ids are reused,
    as after a container restart) is not the one that started the run."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the id is in use
        return _pid_in_use(pid)
    if fields[0] in ("Z", "X"):
        return False
    if since is None:
        return True
    return _started_at(int(fields[19])) <= datetime.fromisoformat(since) + timedelta(seconds=2)


def _started_at(ticks: int) -> datetime:
    """The wall-clock start of a process from its ``/proc/<pid>/stat`` start time."""
    boot = next(
        int(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime ")
    )
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def _pid_in_use(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
