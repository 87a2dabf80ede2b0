"""The store: migrations, WAL, upserts without duplicates, stage queries, reviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.errors import StoreError

POST = {
    "platform": "telegram",
    "source": "demo",
    "post_id": "chan/7",
    "url": "https://t.me/chan/7",
    "author": "Info Loker",
    "text": "Loker admin Kamboja",
    "posted_at": "2026-11-01T02:03:04+00:00",
    "images": ["https://cdn.example/a.jpg"],
    "views": 120,
}
SUSPICIOUS = {"score": 0.9, "label": "suspicious", "indicators": [], "model_version": "t"}


def add_flagged(db: Database, post_id: str = "chan/7") -> str:
    store.upsert_post(db, {**POST, "post_id": post_id})
    key = store.post_key("telegram", post_id)
    store.save_verdict(db, key, SUSPICIOUS, store.get_post(db, key)["content_hash"])
    return key


def test_database_is_migrated_and_in_wal_mode(db: Database) -> None:
    assert {"sources", "runs", "posts", "verdicts", "evidence", "alerts", "reviews"} <= set(
        db.table_names()
    )
    assert db.journal_mode == "wal"


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    for _ in range(2):
        with store.connect(tmp_path / "p.db") as db:
            assert [m.name for m in store.migrations.applied(db)] == [
                "m001_initial",
                "m002_intelligence",
                "m003_run_warc",
            ]


def test_unusable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open the database"):
        store.open_store(tmp_path / "file" / "p.db")


def test_crawling_a_post_again_updates_it(db: Database) -> None:
    assert store.upsert_post(db, POST) is True
    assert store.upsert_post(db, {**POST, "text": "Loker admin Kamboja, gaji 15jt"}) is False
    assert store.count_rows(db, "posts") == 1
    post = store.get_post(db, "telegram:chan/7")
    assert post["text"] == "Loker admin Kamboja, gaji 15jt"
    assert post["images"] == ["https://cdn.example/a.jpg"]
    assert post["extra"] == {"views": 120}


def test_changed_text_is_classified_again(db: Database) -> None:
    key = add_flagged(db)
    assert list(store.posts_to_classify(db)) == []
    store.upsert_post(db, {**POST, "text": "edited"})
    assert [p["key"] for p in store.posts_to_classify(db)] == [key]


def test_stored_post_ids(db: Database) -> None:
    store.upsert_post(db, POST)
    assert store.stored_post_ids(db, "telegram", ["chan/7", "chan/8"]) == {"chan/7"}


def test_capture_is_retried_until_attempts_run_out(db: Database) -> None:
    key = add_flagged(db)
    for _ in range(store.MAX_CAPTURE_ATTEMPTS):
        assert [p["key"] for p in store.posts_to_capture(db)] == [key]
        assert store.posts_to_alert(db) == []
        store.save_evidence(db, key, path=None, manifest_sha256=None, error="timeout")
    assert store.posts_to_capture(db) == []
    assert store.posts_to_alert(db) == [key], "alert goes out without a screenshot at last"


def test_alert_is_queued_once(db: Database) -> None:
    key = add_flagged(db)
    store.save_evidence(db, key, path="/e", manifest_sha256="ab", error=None)
    assert store.posts_to_alert(db) == [key]
    assert store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>") is True
    assert store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>") is False
    assert store.posts_to_alert(db) == []


def test_claimed_alert_cannot_be_claimed_twice(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    alert_id = store.get_alert(db, key)["id"]
    assert store.claim_alert(db, alert_id) is True
    assert store.claim_alert(db, alert_id) is False
    assert store.recover_interrupted_alerts(db) == 1
    assert store.get_alert(db, key)["status"] == store.ALERT_UNCERTAIN
    assert store.alerts_due(db, ignore_backoff=True) == []


def test_retry_waits_for_its_time(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    alert_id = store.get_alert(db, key)["id"]
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    store.claim_alert(db, alert_id)
    store.mark_alert_retry(db, alert_id, "connection refused", timedelta(minutes=2), now=now)
    assert store.alerts_due(db, now=now) == []
    assert [a["id"] for a in store.alerts_due(db, now=now + timedelta(minutes=3))] == [alert_id]
    assert [a["id"] for a in store.alerts_due(db, now=now, ignore_backoff=True)] == [alert_id]


def test_false_positive_is_never_captured_nor_alerted(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    store.add_review(db, key, "false_positive", note="berita")
    assert store.posts_to_capture(db) == []
    assert store.alerts_due(db, ignore_backoff=True) == []


def test_latest_review_counts(db: Database) -> None:
    key = add_flagged(db)
    store.add_review(db, key, "false_positive")
    store.add_review(db, key, "confirmed")
    assert [p["key"] for p in store.posts_to_capture(db)] == [key]
    assert store.flagged_posts(db)[0]["decision"] == "confirmed"


def test_review_of_unknown_post_is_refused(db: Database) -> None:
    with pytest.raises(KeyError):
        store.add_review(db, "telegram:none/1", "confirmed")


def test_run_outcome_is_recorded_on_its_source(db: Database) -> None:
    from crawler.config import Source

    store.sync_sources(db, [Source(name="demo", spider="telegram", args={"channel": "c"})])
    run_id = store.start_run(db, "telegram", "demo")
    store.finish_run(db, run_id, "failed", "channel has no public preview", {"scraped": 0})
    source = next(iter(db.query("SELECT * FROM sources")))
    assert (source["last_status"], source["last_error"]) == (
        "failed",
        "channel has no public preview",
    )
    assert store.get_run(db, run_id)["status"] == "failed"


def test_save_posts_stores_a_batch_larger_than_one_query(db: Database) -> None:
    items = [
        {"platform": "olx", "source": "s", "post_id": str(n), "url": f"u{n}", "text": "t"}
        for n in range(600)
    ]
    assert store.save_posts(db, items) == 600
    assert store.save_posts(db, items) == 0
    assert store.count_rows(db, "posts") == 600
