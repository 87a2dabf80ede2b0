"""Runs left ``running`` by a crawl process that died are closed as ``interrupted``."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from crawler import store
from crawler.crawl import INTERRUPTED_REASON, close_dead_runs, process_alive


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_run_whose_process_is_gone_is_closed_as_interrupted(db: Database) -> None:
    run_id = store.start_run(db, "telegram", "demo", pid=dead_pid())
    assert close_dead_runs(db) == [run_id]
    run = store.get_run(db, run_id)
    assert run is not None
    assert (run["status"], run["reason"]) == ("interrupted", INTERRUPTED_REASON)
    assert run["finished_at"] is not None


def test_a_run_whose_process_lives_is_left_running(db: Database) -> None:
    run_id = store.start_run(db, "telegram", "demo", pid=os.getpid())
    assert close_dead_runs(db) == []
    assert (store.get_run(db, run_id) or {})["status"] == "running"


def test_a_run_older_than_the_process_with_its_id_is_closed(db: Database) -> None:
    # the id was reused: this process started after the run did
    long_ago = datetime.now(UTC) - timedelta(days=400)
    run_id = store.start_run(db, "telegram", "demo", now=long_ago, pid=os.getpid())
    assert close_dead_runs(db) == [run_id]


def test_a_run_without_a_process_id_is_closed(db: Database) -> None:
    run_id = store.start_run(db, "telegram", "demo")
    assert close_dead_runs(db) == [run_id]


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
    try:
        assert not process_alive(child.pid)
    finally:
        child.wait()
