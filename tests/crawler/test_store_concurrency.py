"""The service and its crawl children write one store at once. A transaction that reads
before it writes must wait for the write lock, not fail at once because another process
committed between its read and its write (in WAL mode SQLite answers such a stale reader
"database is locked" without waiting). The soak benchmark met it: crawls that ended
together failed with "2 post(s) could not be stored"."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store


def post(number: int) -> dict[str, str]:
    return {"platform": "telegram", "post_id": f"kanal/{number}", "url": "u", "text": "teks"}


class OtherProcess:
    """A second connection that writes a source row and commits, if it gets the write
    lock within 0.2 s, just before ``db`` runs a statement starting with ``before``."""

    def __init__(self, path: Path, db: Database, before: str) -> None:
        self.conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        self.before = before
        self.outcome: str | None = None
        db.conn.set_trace_callback(self._trace)

    def _trace(self, sql: str) -> None:
        if self.outcome is None and sql.startswith(self.before):
            try:
                self.write()
                self.outcome = "wrote in between"
            except sqlite3.OperationalError:
                self.outcome = "waited for the lock"

    def write(self) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO sources (name, spider) VALUES ('other', 'telegram')"
        )


def save_two_posts(db: Database) -> None:
    store.save_posts(db, [post(1), post(2)])


def sync_a_problem(db: Database) -> None:
    problem = {"key": "disk", "kind": "disk", "message": "full", "source": None}
    store.sync_problems(db, [problem], datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("write", "before"),
    [(save_two_posts, "INSERT INTO posts"), (sync_a_problem, "INSERT INTO health_problems")],
)
def test_a_transaction_that_reads_first_is_not_undone_by_another_writer(
    tmp_path: Path, write: Callable[[Database], None], before: str
) -> None:
    path = tmp_path / "pantau.db"
    db = store.open_store(path)
    other = OtherProcess(path, db, before)
    try:
        write(db)  # raised "database is locked" when the other process wrote in between
        other.write()  # the other process gets its turn afterwards
    finally:
        db.close()
    assert other.outcome == "waited for the lock"
    with store.connect(path) as check:
        assert store.count_rows(check, "sources") == 1
        assert store.count_rows(check, "posts") + store.count_rows(check, "health_problems")
