"""Real faults for the tests: a damaged database, a database held locked by another
connection, a database that may not grow (SQLite's answer is the one of a full disk)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler import store


def garbage_database(path: Path) -> Path:
    """A file of random bytes where the database should be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(64 * 1024))
    return path


def damaged_database(path: Path) -> Path:
    """A real database of 300 posts whose last pages are overwritten with random bytes:
    it opens, but reading the posts fails."""
    with store.connect(path) as db:
        for number in range(300):
            post = {"platform": "telegram", "post_id": f"c/{number}", "url": "u", "text": "x" * 500}
            store.upsert_post(db, post)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size - 4096 * 20)
        file.write(os.urandom(4096 * 10))
    return path


@contextmanager
def write_locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock (``BEGIN IMMEDIATE``) until the end."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def cap_growth(db: Any) -> None:
    """Let ``db`` (this connection) grow no further: SQLite answers "database or disk is
    full", as on a full disk."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
