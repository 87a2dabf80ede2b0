"""The service survives faults of the machine during a pass: a database held locked by
another process, a full disk. The pass ends with the reason logged in one line, nothing
is half-written, and the rows stay pending for the next pass."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.config import Config, parse_config
from scheduler import Service, classify_pending, log_fault
from tests.support.faults import cap_growth, write_locked

POSTS = [
    "LOKER ADMIN ke Kamboja gaji 1000 USD, tiket dan visa turis ditanggung, berangkat cepat! "
    f"Hubungi WA +855 12 345 67{n}"
    for n in range(5)
]


def seeded(tmp_path: Path) -> Config:
    config = parse_config({"data_dir": str(tmp_path), "classifier": {"ocr": False}}, {})
    with store.connect(config.db_path) as db:
        for number, text in enumerate(POSTS):
            item = {"platform": "telegram", "post_id": f"kanal/{number}", "url": "u", "text": text}
            store.upsert_post(db, item)
    return config


def pending(config: Config) -> int:
    with store.connect(config.db_path) as db:
        return len(list(store.posts_to_classify(db)))


def test_a_locked_database_ends_the_pass_logged_and_the_posts_stay_pending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = seeded(tmp_path)
    service = Service(config)
    with caplog.at_level(logging.DEBUG, "pantau.scheduler"), write_locked(config.db_path):
        service.run_stages()  # waits for the lock as long as the store does, then gives up
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    line = errors[0].getMessage()
    assert line.startswith("the stages stopped: ") and "locked by another process" in line
    assert line.endswith("(pending work stays for the next pass)")
    assert errors[0].exc_info is None  # one line; the traceback is at debug level
    assert any(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records)
    assert pending(config) == len(POSTS)
    service.run_stages()  # the lock is gone: the next pass does the work
    assert pending(config) == 0


def test_a_full_disk_rolls_the_post_back_and_leaves_it_pending(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    db = Database(sqlite3.connect(config.db_path))
    try:
        cap_growth(db.conn)
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            classify_pending(db, config)
        done = store.count_rows(db, "verdicts")
        linked = list(db.query("SELECT DISTINCT post_key FROM post_entities"))
        assert len(linked) <= done < len(POSTS)  # no verdict without its entities
    finally:
        db.close()
    with store.connect(config.db_path) as db:
        assert classify_pending(db, config)[0] == len(POSTS) - done


def test_a_full_disk_is_logged_as_one_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "pantau.scheduler"):
        log_fault("the stages stopped", sqlite3.OperationalError("database or disk is full"))
    assert caplog.messages == [
        "the stages stopped: the disk is full: free some space (move old WARC files or "
        "evidence bundles elsewhere), then try again (pending work stays for the next pass)"
    ]


def test_a_browser_that_broke_since_start_does_not_hold_the_alerts_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Chromium checked at start, then broken (an upgrade, a removed package): each pass
    counts one failed capture, and after ``browser.max_attempts`` the alerts go out
    without evidence, with the reason kept."""
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'error while loading shared libraries' >&2\nexit 127\n")
    broken.chmod(0o755)
    raw = {
        "data_dir": str(tmp_path / "data"),
        "classifier": {"ocr": False},
        "browser": {"executable_path": str(broken), "max_attempts": 2, "timeout_seconds": 5},
        "alerts": {"recipients": ["penyidik@example.org"]},
        "smtp": {"host": "127.0.0.1", "port": 1, "sender": "pantau@example.org"},
    }
    config = parse_config(raw, {})
    with store.connect(config.db_path) as db:
        for number, text in enumerate(POSTS[:2]):
            item = {"platform": "telegram", "post_id": f"kanal/{number}", "url": "u", "text": text}
            store.upsert_post(db, item)
    service = Service(config)
    with caplog.at_level(logging.ERROR, "pantau.scheduler"):
        service.run_stages()
        with store.connect(config.db_path) as db:
            assert store.posts_to_alert(db) == []  # one failed attempt of two
        service.run_stages()
    assert any("evidence capture unavailable" in r.getMessage() for r in caplog.records)
    with store.connect(config.db_path) as db:
        rows = list(db.query("SELECT status, error FROM evidence"))
        alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
    assert len(rows) == 2
    assert all(row["status"] == store.EVIDENCE_GIVEN_UP for row in rows)
    assert all(row["error"].startswith("the browser could not start: ") for row in rows)
    assert alerts == 2
