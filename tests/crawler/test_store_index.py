"""The store's full-text index of posts (the review desk's search): filled in bulk from a
queue that every insert joins, kept right through updates, deletions and crashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store


def post(number: int, text: str, author: str = "Info Loker") -> dict[str, object]:
    return {
        "platform": "telegram",
        "source": "demo",
        "post_id": f"chan/{number}",
        "url": f"https://t.me/chan/{number}",
        "author": author,
        "text": text,
    }


def found(db: Database, words: str) -> list[str]:
    """Keys of the posts whose text or author holds every word, as the index answers."""
    rows = db.query(
        "SELECT posts.key FROM posts_fts JOIN posts ON posts.rowid = posts_fts.rowid "
        "WHERE posts_fts MATCH ? ORDER BY posts.key",
        [store.fts_words(words)],
    )
    return [row["key"] for row in rows]


def assert_index_sound(db: Database) -> None:
    """FTS5's own check that the index holds exactly what ``posts`` holds (raises if not)."""
    db.execute("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)")


def test_a_saved_post_is_searchable_at_once(db: Database) -> None:
    store.save_posts(db, [post(1, "Loker admin Kamboja")])
    assert found(db, "kamboja") == ["telegram:chan/1"]
    assert store.count_rows(db, "posts_fts_pending") == 0


def test_a_batch_saved_without_indexing_waits_in_the_queue(db: Database) -> None:
    store.save_posts(db, [post(1, "Loker admin Kamboja"), post(2, "ABK Taiwan")], index=False)
    assert found(db, "kamboja") == []
    assert store.index_pending_posts(db) == 2
    assert found(db, "kamboja") == ["telegram:chan/1"]
    assert found(db, "info loker") == ["telegram:chan/1", "telegram:chan/2"]
    assert store.index_pending_posts(db) == 0
    assert_index_sound(db)


def test_posts_a_killed_crawl_left_unindexed_are_indexed_by_the_next_call(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.db"
    with store.connect(path) as crawl:  # the crawl ends without indexing, as when killed
        store.save_posts(crawl, [post(1, "Gaji 15 juta di Myawaddy")], index=False)
    with store.connect(path) as later:
        store.save_posts(later, [post(2, "Kasir minimarket Bekasi")])
        assert found(later, "myawaddy") == ["telegram:chan/1"]
        assert_index_sound(later)


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "queued"])
@pytest.mark.parametrize(
    ("change", "words", "expected"),
    [
        (lambda db: store.save_posts(db, [post(1, "Lowongan ABK Taiwan")]), "taiwan", [1]),
        (lambda db: store.save_posts(db, [post(1, "Lowongan ABK Taiwan")]), "kamboja", []),
        (lambda db: store.save_posts(db, [post(1, "Admin Kamboja", "Agen Budi")]), "budi", [1]),
        (lambda db: store.save_posts(db, [post(1, "Admin Kamboja", "Agen Budi")]), "info", [2]),
        (lambda db: store.save_posts(db, [post(1, "Admin Kamboja")]), "kamboja", [1]),
        (lambda db: store.set_cluster(db, "telegram:chan/1", "c1"), "kamboja", [1]),
        (lambda db: db.execute("DELETE FROM posts WHERE key = 'telegram:chan/1'"), "admin", []),
    ],
    ids=["new text", "old text", "new author", "old author", "same text", "cluster", "delete"],
)
def test_the_index_follows_updates_and_deletions(
    db: Database,
    indexed: bool,
    change: Callable[[Database], object],
    words: str,
    expected: list[int],
) -> None:
    store.save_posts(db, [post(1, "Admin Kamboja"), post(2, "Kasir Bekasi")], index=indexed)
    change(db)
    store.index_pending_posts(db)
    assert found(db, words) == [f"telegram:chan/{n}" for n in expected]
    assert_index_sound(db)


def test_a_new_post_taking_a_deleted_posts_rowid_is_indexed(db: Database) -> None:
    store.save_posts(db, [post(1, "Admin Kamboja"), post(2, "Kasir Bekasi")])
    db.execute("DELETE FROM posts WHERE key = 'telegram:chan/2'")  # the highest rowid
    store.save_posts(db, [post(3, "Operator Myawaddy")], index=False)
    store.index_pending_posts(db)
    assert found(db, "myawaddy") == ["telegram:chan/3"]
    assert found(db, "bekasi") == []
    assert_index_sound(db)


def test_posts_indexed_before_the_migration_stay_searchable(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    store.migrations.apply(db, stop_before="m006_fts_in_bulk")
    store.save_posts(db, [post(1, "Admin Kamboja")])  # indexed by the old trigger
    store.migrations.apply(db)
    assert store.count_rows(db, "posts_fts_pending") == 0
    store.save_posts(db, [post(1, "Admin Myawaddy"), post(2, "Kasir Bekasi")])
    assert found(db, "myawaddy") == ["telegram:chan/1"]
    assert found(db, "kamboja") == []
    assert found(db, "bekasi") == ["telegram:chan/2"]
    assert_index_sound(db)
