"""The store: migrations, WAL, upserts without duplicates, stage queries, reviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
            names = [m.name for m in store.migrations.applied(db)]
            assert names[:3] == ["m001_initial", "m002_intelligence", "m003_run_warc"]
            assert len(names) == len(set(names))
            assert store.migrations.pending(db) == []


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
    assert store.get_alert(db, key)["status"] == store.ALERT_SENDING


def test_retry_waits_for_its_time(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    alert_id = store.get_alert(db, key)["id"]
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    [alert] = store.alerts_due(db, ignore_backoff=True)
    [row] = store.claim_deliveries(db, alert["due"], now)
    later = now + timedelta(minutes=2)
    store.record_delivery(db, row["id"], store.ALERT_QUEUED, "refused", next_try=later, now=now)
    assert store.alerts_due(db, now=now) == []
    assert [a["id"] for a in store.alerts_due(db, now=now + timedelta(minutes=3))] == [alert_id]
    assert [a["id"] for a in store.alerts_due(db, now=now, ignore_backoff=True)] == [alert_id]


def test_false_positive_is_never_captured_nor_alerted(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    store.add_review(db, key, "false_positive", note="berita")
    assert store.posts_to_capture(db) == []
    assert store.alerts_due(db, ignore_backoff=True) == []


def test_false_positive_silences_its_cluster_and_no_other(db: Database) -> None:
    first, repost, other = (add_flagged(db, f"chan/{n}") for n in (1, 2, 3))
    for key, cluster in ((first, "c1"), (repost, "c1"), (other, "c2")):
        store.set_cluster(db, key, cluster)
    store.add_review(db, first, "false_positive")
    # Every stage query, not only the one asked about one post, keeps posts of other clusters.
    assert [p["key"] for p in store.posts_to_capture(db)] == [other]
    assert store.is_false_positive(db, repost)
    assert not store.is_false_positive(db, other)


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


def test_report_is_kept_with_its_entities_but_never_captured_nor_alerted(db: Database) -> None:
    store.upsert_post(db, {**POST, "post_id": "chan/8"})
    key = store.post_key("telegram", "chan/8")
    entities = [{"kind": "phone", "value": "+6281234567890", "text": "0812", "start": 0, "end": 4}]
    report = {"score": 0.9, "label": "report", "indicators": [], "entities": entities,
              "model_version": "t"}  # fmt: skip
    store.save_verdict(db, key, report, store.get_post(db, key)["content_hash"])
    store.save_entities(db, key, entities)
    assert store.posts_to_capture(db) == [] and store.posts_to_alert(db) == []
    assert [row["key"] for row in store.flagged_posts(db, label="report")] == [key]
    assert store.flagged_posts(db) == []
    counts = store.status_counts(db)
    assert (counts["report"], counts["suspicious"]) == (1, 0)
    linked = db.query("SELECT count(*) AS n FROM post_entities WHERE post_key = ?", [key])
    assert next(iter(linked))["n"] == 1


def test_a_dead_senders_claim_becomes_uncertain_and_due_again(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    claimed_at = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert store.claim_alert(db, store.get_alert(db, key)["id"], now=claimed_at)
    assert store.recover_interrupted_alerts(db, claimed_at - timedelta(seconds=1)) == 0
    assert store.recover_interrupted_alerts(db, claimed_at + timedelta(seconds=1)) == 1
    assert store.get_alert(db, key)["status"] == store.ALERT_UNCERTAIN
    [alert] = store.alerts_due(db, ignore_backoff=True)
    assert (alert["message_id"], [d["recipient"] for d in alert["due"]]) == ("<m@x>", ["a@b.c"])


def test_each_recipient_has_its_own_delivery(db: Database) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c", "d@e.f", "a@b.c"], "id", "<m@x>")
    [alert] = store.alerts_due(db, ignore_backoff=True)
    first, second = store.claim_deliveries(db, alert["due"])
    store.record_delivery(db, first["id"], store.ALERT_SENT)
    store.record_delivery(db, second["id"], store.ALERT_FAILED, "550 no such user")
    deliveries = store.get_deliveries(db, key)
    assert {r: d["status"] for r, d in deliveries.items()} == {"a@b.c": "sent", "d@e.f": "failed"}
    assert store.get_alert(db, key)["status"] == store.ALERT_FAILED
    assert [d["recipient"] for d in store.troubled_deliveries(db)] == ["d@e.f"]
    assert store.requeue_alert(db, alert["id"]) == 1
    [again] = store.alerts_due(db, ignore_backoff=True)
    assert [d["recipient"] for d in again["due"]] == ["d@e.f"]


def test_an_uncertain_delivery_is_resent_a_few_times_then_waits_for_a_human(
    db: Database,
) -> None:
    key = add_flagged(db)
    store.queue_alert(db, key, ["a@b.c"], "id", "<m@x>")
    for _ in range(store.MAX_UNCERTAIN_ATTEMPTS):
        [alert] = store.alerts_due(db, ignore_backoff=True)
        [row] = store.claim_deliveries(db, alert["due"])
        store.record_delivery(db, row["id"], store.ALERT_UNCERTAIN, "dropped after the message")
    assert store.alerts_due(db, ignore_backoff=True) == []
    assert [d["status"] for d in store.troubled_deliveries(db)] == ["uncertain"]
    assert store.requeue_alert(db, store.get_alert(db, key)["id"]) == 1
    [alert] = store.alerts_due(db, ignore_backoff=True)
    assert [(d["status"], d["attempts"]) for d in alert["due"]] == [("queued", 0)]


def test_migration_gives_every_old_alert_recipient_a_delivery(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    store.migrations.apply(db, stop_before="m004_outbox_deliveries")
    keys = [add_flagged(db, f"chan/{n}") for n in range(3)]
    for key, status in zip(keys, ("sent", "queued", "sending"), strict=True):
        db.execute(
            "INSERT INTO alerts (post_key, status, recipients, language, message_id, "
            "created_at, attempts, next_try_at, last_error) VALUES (?, ?, ?, 'id', ?, "
            "'2026-11-01T00:00:00+00:00', 1, '2026-11-01T00:01:00+00:00', 'x')",
            [key, status, '["a@b.c", "d@e.f"]', f"<{status}@x>"],
        )
    store.migrations.apply(db)
    rows = db.query("SELECT alert_id, recipient, status, attempts FROM deliveries ORDER BY id")
    assert [tuple(row.values()) for row in rows] == [
        (n + 1, recipient, status, 1)
        for n, status in enumerate(("sent", "queued", "sending"))
        for recipient in ("a@b.c", "d@e.f")
    ]
    assert store.recover_interrupted_alerts(db) == 2


@pytest.mark.parametrize(
    ("before", "walked", "after", "gap"),
    [
        (None, (120, 101), (120, 101), ""),
        ((113, 101), (125, 110), (125, 101), ""),  # reached covered ground: ranges join
        ((113, 101), (125, 113), (125, 101), ""),  # stopped exactly at the old top
        ((113, 101), (140, 120), (140, 120), "posts between 113 and 120 were not read"),
        (
            ("2026-03-01T10:00:00+00:00", "2026-02-01T00:00:00+00:00"),
            ("2026-03-02T08:00:00+00:00", "2026-03-01T09:00:00+00:00"),
            ("2026-03-02T08:00:00+00:00", "2026-02-01T00:00:00+00:00"),
            "",
        ),
    ],
)
def test_move_watermark(
    db: Database, before: tuple[Any, Any] | None, walked: tuple[Any, Any], after: Any, gap: str
) -> None:
    if before is not None:
        store.move_watermark(db, "demo", *before, run_id=1)
    said = store.move_watermark(db, "demo", *walked, run_id=2)
    row = store.get_watermark(db, "demo")
    assert row is not None and (row["top"], row["floor"], row["run_id"]) == (*after, 2)
    assert said.startswith(gap)


def test_capture_given_up_after_configured_attempts_keeps_the_reason(db: Database) -> None:
    key = add_flagged(db)
    for attempt in range(5):
        assert [p["key"] for p in store.posts_to_capture(db, max_attempts=5)] == [key]
        store.save_evidence(
            db, key, path=None, manifest_sha256=None, error=f"timed out {attempt}", max_attempts=5
        )
    assert store.posts_to_capture(db, max_attempts=5) == []
    assert store.get_evidence(db, key)["status"] == "given_up"  # type: ignore[index]
    assert store.posts_to_alert(db) == [key]
    assert [(r["post_key"], r["error"]) for r in store.evidence_given_up(db)] == [
        (key, "timed out 4")
    ]


def test_write_failure_does_not_use_up_attempts(db: Database) -> None:
    key = add_flagged(db)
    for _ in range(10):
        store.save_evidence(
            db, key, path=None, manifest_sha256=None, error="disk full", count_attempt=False
        )
    row = store.get_evidence(db, key)
    assert (row["status"], row["attempts"]) == ("failed", 0)  # type: ignore[index]
    assert [p["key"] for p in store.posts_to_capture(db)] == [key]


def test_old_failed_rows_out_of_attempts_are_given_up_by_the_migration(tmp_path: Path) -> None:
    with store.connect(tmp_path / "p.db") as db:
        key = add_flagged(db)
        db.execute(
            "INSERT INTO evidence (post_key, status, attempts, error) VALUES (?, 'failed', 3, 'x')",
            [key],
        )
        store.m004_fence_evidence_given_up(db)
        assert store.get_evidence(db, key)["status"] == "given_up"  # type: ignore[index]


def test_recorded_evidence_by_path_then_by_post_key(db: Database) -> None:
    key = add_flagged(db)
    store.save_evidence(db, key, path="/data/evidence/a/1", manifest_sha256="ab", error=None)
    assert store.recorded_evidence(db, ["/data/evidence/a/1"], None)["manifest_sha256"] == "ab"  # type: ignore[index]
    assert store.recorded_evidence(db, ["/usb/copy"], key)["manifest_sha256"] == "ab"  # type: ignore[index]
    assert store.recorded_evidence(db, ["/usb/copy"], "telegram:lain/1") is None


def test_open_readonly_refuses_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot read the database"):
        store.open_readonly(tmp_path / "tidak-ada.db")
    assert not (tmp_path / "tidak-ada.db").exists()


def test_save_posts_stores_a_batch_larger_than_one_query(db: Database) -> None:
    items = [
        {"platform": "olx", "source": "s", "post_id": str(n), "url": f"u{n}", "text": "t"}
        for n in range(600)
    ]
    assert store.save_posts(db, items) == 600
    assert store.save_posts(db, items) == 0
    assert store.count_rows(db, "posts") == 600


@pytest.mark.parametrize(
    ("text", "images"),
    [
        ("", []),
        ("Loker admin Kamboja", []),
        ('Gaji "15 jt"\nABK Taiwan 🇹🇼 é', ["https://cdn.example/a.jpg", "https://c.example/é.jpg"]),
    ],
)
def test_a_stored_posts_hash_is_the_content_hash_of_its_text_and_images(
    db: Database, text: str, images: list[str]
) -> None:
    store.upsert_post(db, {**POST, "text": text, "images": images})
    stored = store.get_post(db, store.post_key("telegram", POST["post_id"]))
    assert stored["content_hash"] == store.content_hash(text, images)
    assert stored["images"] == images
