"""The store: Pantau's SQLite database, its schema, migrations and queries.

The database is the state machine of the pipeline. A post is crawled into ``posts``;
``classify`` writes its ``verdicts`` row; a suspicious verdict gets an ``evidence`` row
once captured; ``queue_alerts`` adds one ``alerts`` row (the outbox) per flagged post;
``deliver`` moves that row from ``queued`` to ``sent``. Each stage selects the rows the
previous stage finished, so a crash means the next pass picks up where it stopped.

Every SQL statement of the project lives in this module, so that another database can
stand behind the same functions later.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from crawler.errors import StoreError

migrations = Migrations("pantau")

ALERT_QUEUED = "queued"
ALERT_SENDING = "sending"
ALERT_SENT = "sent"
ALERT_FAILED = "failed"
ALERT_UNCERTAIN = "uncertain"
REVIEW_DECISIONS = ("confirmed", "false_positive")
MAX_CAPTURE_ATTEMPTS = 3


def now_iso(now: datetime | None = None) -> str:
    """UTC time as ISO 8601 with seconds, the only time format stored."""
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY, spider TEXT NOT NULL, args TEXT NOT NULL DEFAULT '{}',
            last_run_at TEXT, last_status TEXT, last_error TEXT
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, source TEXT, spider TEXT NOT NULL,
            started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL DEFAULT 'running',
            reason TEXT, items_scraped INTEGER NOT NULL DEFAULT 0,
            items_new INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE posts (
            key TEXT PRIMARY KEY, platform TEXT NOT NULL, source TEXT, post_id TEXT NOT NULL,
            url TEXT NOT NULL, author TEXT, author_url TEXT, text TEXT NOT NULL DEFAULT '',
            posted_at TEXT, images TEXT NOT NULL DEFAULT '[]', extra TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL, first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
            first_run_id INTEGER, last_run_id INTEGER
        );
        CREATE INDEX posts_source ON posts (platform, source);
        CREATE TABLE verdicts (
            post_key TEXT PRIMARY KEY REFERENCES posts(key), score REAL NOT NULL,
            label TEXT NOT NULL, indicators TEXT NOT NULL, entities TEXT NOT NULL DEFAULT '[]',
            model_version TEXT NOT NULL, content_hash TEXT NOT NULL, classified_at TEXT NOT NULL
        );
        CREATE INDEX verdicts_label ON verdicts (label);
        CREATE TABLE evidence (
            post_key TEXT PRIMARY KEY REFERENCES posts(key), status TEXT NOT NULL,
            path TEXT, manifest_sha256 TEXT, captured_at TEXT, attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY, post_key TEXT NOT NULL UNIQUE REFERENCES posts(key),
            status TEXT NOT NULL, recipients TEXT NOT NULL, language TEXT NOT NULL,
            message_id TEXT NOT NULL, created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL, sent_at TEXT, last_error TEXT
        );
        CREATE INDEX alerts_status ON alerts (status, next_try_at);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY, post_key TEXT NOT NULL REFERENCES posts(key),
            decision TEXT NOT NULL, note TEXT, reviewer TEXT, created_at TEXT NOT NULL
        );
        CREATE INDEX reviews_post ON reviews (post_key);
        """
    )


@migrations()
def m002_intelligence(db: Database) -> None:
    """OCR text of images, contact entities linking posts into networks, repost
    clusters, and the licensed-agency list that operators import."""
    db.executescript(
        """
        CREATE TABLE image_texts (
            url TEXT PRIMARY KEY, text TEXT NOT NULL DEFAULT '', error TEXT, ocr_at TEXT NOT NULL
        );
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (kind, value)
        );
        CREATE TABLE post_entities (
            post_key TEXT NOT NULL REFERENCES posts(key), entity_id INTEGER NOT NULL
            REFERENCES entities(id), PRIMARY KEY (post_key, entity_id)
        );
        CREATE INDEX post_entities_entity ON post_entities (entity_id);
        ALTER TABLE posts ADD COLUMN cluster_id TEXT;
        CREATE INDEX posts_cluster ON posts (cluster_id);
        CREATE TABLE agencies (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, licence TEXT, status TEXT,
            imported_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m003_run_warc(db: Database) -> None:
    """The WARC file that recorded each run's HTTP exchanges."""
    db.execute("ALTER TABLE runs ADD COLUMN warc_path TEXT")


def open_store(path: str | Path) -> Database:
    """Open (creating if needed) the database at ``path``, in WAL mode, migrated."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        migrations.apply(db)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from exc
    return db


@contextmanager
def connect(path: str | Path) -> Iterator[Database]:
    """``with connect(path) as db``: the migrated database, closed afterwards."""
    db = open_store(path)
    try:
        yield db
    finally:
        db.close()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# Sources and runs ---------------------------------------------------------------------


def sync_sources(db: Database, sources: Any) -> None:
    """Record the configured sources (name, spider, arguments)."""
    with db.atomic():
        for source in sources:
            db.execute(
                "INSERT INTO sources (name, spider, args) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET spider = excluded.spider, args = excluded.args",
                [source.name, source.spider, _json(dict(source.args))],
            )


def start_run(db: Database, spider: str, source: str | None, now: datetime | None = None) -> int:
    cursor = db.execute(
        "INSERT INTO runs (source, spider, started_at) VALUES (?, ?, ?)",
        [source, spider, now_iso(now)],
    )
    return int(cursor.lastrowid or 0)


def finish_run(
    db: Database,
    run_id: int,
    status: str,
    reason: str | None,
    counts: Mapping[str, int],
    now: datetime | None = None,
    warc_path: str | None = None,
) -> None:
    """Close a run with its status (``ok``, ``blocked`` or ``failed``), reason, item counts and the
    WARC file that recorded it."""
    finished = now_iso(now)
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, reason = ?, items_scraped = ?, "
            "items_new = ?, errors = ?, warc_path = COALESCE(?, warc_path) WHERE id = ?",
            [
                finished,
                status,
                reason,
                counts.get("scraped", 0),
                counts.get("new", 0),
                counts.get("errors", 0),
                warc_path,
                run_id,
            ],
        )
        db.execute(
            "UPDATE sources SET last_run_at = ?, last_status = ?, last_error = ? WHERE name = "
            "(SELECT source FROM runs WHERE id = ?)",
            [finished, status, None if status == "ok" else reason, run_id],
        )


def get_run(db: Database, run_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
    return rows[0] if rows else None


# Posts --------------------------------------------------------------------------------

POST_FIELDS = ("platform", "source", "post_id", "url", "author", "author_url", "text", "posted_at")


def post_key(platform: str, post_id: str) -> str:
    return f"{platform}:{post_id}"


def content_hash(text: str, images: list[str]) -> str:
    return hashlib.sha256(_json([text, images]).encode()).hexdigest()


_UPSERT_POST = (
    "INSERT INTO posts (key, platform, source, post_id, url, author, author_url, text, "
    "posted_at, images, extra, content_hash, first_seen_at, last_seen_at, first_run_id, "
    "last_run_id) VALUES (:key, :platform, :source, :post_id, :url, :author, :author_url, "
    ":text, :posted_at, :images, :extra, :content_hash, :seen, :seen, :run_id, :run_id) "
    "ON CONFLICT(key) DO UPDATE SET url = excluded.url, author = excluded.author, "
    "author_url = excluded.author_url, text = excluded.text, "
    "posted_at = COALESCE(excluded.posted_at, posts.posted_at), images = excluded.images, "
    "extra = excluded.extra, content_hash = excluded.content_hash, "
    "last_seen_at = excluded.last_seen_at, last_run_id = excluded.last_run_id, "
    "source = COALESCE(excluded.source, posts.source)"
)


def upsert_post(
    db: Database, item: Mapping[str, Any], run_id: int | None = None, now: datetime | None = None
) -> bool:
    """Insert a crawled post or update the stored copy; True when it was new.

    Fields beyond the stable contract (``POST_FIELDS`` and ``images``) go into ``extra``.
    """
    return save_posts(db, [item], run_id, now) == 1


def save_posts(
    db: Database,
    items: list[Mapping[str, Any]],
    run_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Insert or update ``items`` in one transaction (one commit for the batch, where a
    commit each cost most of a crawl's time); returns how many were new."""
    seen = now_iso(now)
    rows = [_post_row(item, run_id, seen) for item in items]
    with db.atomic():
        known = _stored_keys(db, [row["key"] for row in rows])
        new = 0
        for row in rows:
            new += row["key"] not in known
            known.add(row["key"])
        db.conn.executemany(_UPSERT_POST, rows)
    return new


def _post_row(item: Mapping[str, Any], run_id: int | None, seen: str) -> dict[str, Any]:
    key = post_key(str(item["platform"]), str(item["post_id"]))
    images = list(item.get("images") or [])
    text = str(item.get("text") or "")
    extra = {k: v for k, v in item.items() if k not in POST_FIELDS and k != "images"}
    row = {field: item.get(field) for field in POST_FIELDS}
    row.update(
        key=key,
        post_id=str(item["post_id"]),
        text=text,
        images=_json(images),
        extra=_json(extra),
        content_hash=content_hash(text, images),
        seen=seen,
        run_id=run_id,
    )
    return row


def _stored_keys(db: Database, keys: list[str]) -> set[str]:
    """Which of ``keys`` are in ``posts`` (asked 500 at a time, under SQLite's limit)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT key FROM posts WHERE key IN ({marks})", chunk).fetchall()
        found.update(row[0] for row in rows)
    return found


def has_post(db: Database, key: str) -> bool:
    return bool(list(db.query("SELECT 1 FROM posts WHERE key = ?", [key])))


def stored_post_ids(db: Database, platform: str, post_ids: list[str]) -> set[str]:
    """Which of ``post_ids`` of ``platform`` are already stored."""
    keys = [post_key(platform, post_id) for post_id in post_ids]
    if not keys:
        return set()
    marks = ",".join("?" * len(keys))
    rows = db.query(f"SELECT post_id FROM posts WHERE key IN ({marks})", keys)
    return {row["post_id"] for row in rows}


def get_post(db: Database, key: str) -> dict[str, Any] | None:
    """A stored post, with ``images_text``: the OCR text of its images."""
    rows = list(db.query("SELECT * FROM posts WHERE key = ?", [key]))
    if not rows:
        return None
    post = _decode_post(rows[0])
    post["images_text"] = images_text(db, post["images"])
    return post


def _decode_post(row: dict[str, Any]) -> dict[str, Any]:
    row["images"] = json.loads(row["images"])
    row["extra"] = json.loads(row["extra"])
    return row


def count_rows(db: Database, table: str) -> int:
    return int(next(iter(db.query(f"SELECT count(*) AS n FROM [{table}]")))["n"])


# Images and their OCR text ------------------------------------------------------------


def images_without_text(db: Database, keys: list[str]) -> list[str]:
    """Image URLs of the posts ``keys`` that have not been OCR'd yet."""
    urls: list[str] = []
    for key in keys:
        for row in db.query("SELECT images FROM posts WHERE key = ?", [key]):
            urls += [url for url in json.loads(row["images"]) if url not in urls]
    if not urls:
        return []
    marks = ",".join("?" * len(urls))
    done = {r["url"] for r in db.query(f"SELECT url FROM image_texts WHERE url IN ({marks})", urls)}
    return [url for url in urls if url not in done]


def save_image_text(
    db: Database, url: str, text: str, error: str | None = None, now: datetime | None = None
) -> None:
    db.execute(
        "INSERT INTO image_texts (url, text, error, ocr_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET text = excluded.text, error = excluded.error, "
        "ocr_at = excluded.ocr_at",
        [url, text, error, now_iso(now)],
    )


def images_text(db: Database, urls: list[str]) -> str:
    """The OCR text of ``urls``, in their order, separated by blank lines."""
    if not urls:
        return ""
    marks = ",".join("?" * len(urls))
    found = {
        r["url"]: r["text"]
        for r in db.query(f"SELECT url, text FROM image_texts WHERE url IN ({marks})", urls)
    }
    return "\n\n".join(found[url] for url in urls if found.get(url))


# Verdicts -----------------------------------------------------------------------------


def posts_to_classify(db: Database, limit: int = 1000) -> Iterator[dict[str, Any]]:
    """Posts never classified, or whose text or images changed since."""
    rows = db.query(
        "SELECT posts.* FROM posts LEFT JOIN verdicts ON verdicts.post_key = posts.key "
        "WHERE verdicts.post_key IS NULL OR verdicts.content_hash != posts.content_hash "
        "ORDER BY posts.first_seen_at LIMIT ?",
        [limit],
    )
    for row in rows:
        yield _decode_post(row)


def save_verdict(
    db: Database, key: str, verdict: Mapping[str, Any], digest: str, now: datetime | None = None
) -> None:
    db.execute(
        "INSERT INTO verdicts (post_key, score, label, indicators, entities, model_version, "
        "content_hash, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(post_key) DO UPDATE SET score = excluded.score, label = excluded.label, "
        "indicators = excluded.indicators, entities = excluded.entities, "
        "model_version = excluded.model_version, content_hash = excluded.content_hash, "
        "classified_at = excluded.classified_at",
        [
            key,
            float(verdict["score"]),
            verdict["label"],
            _json(verdict.get("indicators", [])),
            _json(verdict.get("entities", [])),
            verdict.get("model_version", ""),
            digest,
            now_iso(now),
        ],
    )


def save_entities(db: Database, key: str, entities: list[Mapping[str, Any]]) -> None:
    """Link ``key`` to its contact entities (phone, handles, emails, companies), replacing
    the links of an earlier classification."""
    with db.atomic():
        db.execute("DELETE FROM post_entities WHERE post_key = ?", [key])
        for entity in {(e["kind"], e["value"]) for e in entities}:
            db.execute(
                "INSERT INTO entities (kind, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                list(entity),
            )
            db.execute(
                "INSERT OR IGNORE INTO post_entities (post_key, entity_id) "
                "SELECT ?, id FROM entities WHERE kind = ? AND value = ?",
                [key, *entity],
            )


def linked_posts(db: Database, key: str) -> list[dict[str, Any]]:
    """Other posts sharing a contact entity with ``key``: one recruiter network."""
    return list(
        db.query(
            "SELECT DISTINCT other.post_key AS key, entities.kind, entities.value, posts.url "
            "FROM post_entities mine JOIN post_entities other ON other.entity_id = mine.entity_id "
            "AND other.post_key != mine.post_key JOIN entities ON entities.id = mine.entity_id "
            "JOIN posts ON posts.key = other.post_key WHERE mine.post_key = ? "
            "ORDER BY other.post_key",
            [key],
        )
    )


def set_cluster(db: Database, key: str, cluster_id: str) -> None:
    db.execute("UPDATE posts SET cluster_id = ? WHERE key = ?", [cluster_id, key])


def cluster_members(db: Database, key: str) -> list[dict[str, Any]]:
    """Other posts in the repost cluster of ``key``."""
    return list(
        db.query(
            "SELECT key, url FROM posts WHERE cluster_id = (SELECT cluster_id FROM posts "
            "WHERE key = ?) AND key != ? ORDER BY first_seen_at",
            [key, key],
        )
    )


def cluster_texts(db: Database, since: datetime | None = None) -> list[tuple[str, str]]:
    """``(key, text)`` of posts first seen since ``since`` (all when None), oldest first,
    to rebuild the repost index."""
    rows = db.query(
        "SELECT key, text FROM posts WHERE first_seen_at >= ? ORDER BY first_seen_at, key",
        [now_iso(since) if since else ""],
    )
    return [(row["key"], row["text"]) for row in rows]


def get_verdict(db: Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM verdicts WHERE post_key = ?", [key]))
    if not rows:
        return None
    row = rows[0]
    row["indicators"] = json.loads(row["indicators"])
    row["entities"] = json.loads(row["entities"])
    return row


# A post counts as a false positive when its latest review says so, or when a repost of
# it (same cluster) was marked false positive: a reviewer decides once per template.
_FALSE_POSITIVE = (
    "EXISTS (SELECT 1 FROM posts fp_post JOIN reviews r ON r.post_key = fp_post.key "
    "WHERE (fp_post.key = {col} OR fp_post.cluster_id = "
    "(SELECT cluster_id FROM posts WHERE key = {col})) AND r.decision = 'false_positive' "
    "AND r.id = (SELECT max(id) FROM reviews WHERE post_key = fp_post.key))"
)


# Evidence -----------------------------------------------------------------------------


def posts_to_capture(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Suspicious posts without successful evidence, not marked false positive,
    with capture attempts left."""
    fp = _FALSE_POSITIVE.format(col="posts.key")
    rows = db.query(
        "SELECT posts.* FROM posts JOIN verdicts ON verdicts.post_key = posts.key "
        "LEFT JOIN evidence ON evidence.post_key = posts.key "
        "WHERE verdicts.label = 'suspicious' AND (evidence.post_key IS NULL OR "
        f"(evidence.status = 'failed' AND evidence.attempts < ?)) AND NOT {fp} "
        "ORDER BY verdicts.score DESC LIMIT ?",
        [MAX_CAPTURE_ATTEMPTS, limit],
    )
    return [_decode_post(row) for row in rows]


def save_evidence(
    db: Database,
    key: str,
    *,
    path: str | None,
    manifest_sha256: str | None,
    error: str | None,
    now: datetime | None = None,
) -> None:
    """Record a capture attempt: ``path`` and ``manifest_sha256`` on success, ``error``
    on failure (the attempt counter goes up either way)."""
    status = "ok" if error is None else "failed"
    db.execute(
        "INSERT INTO evidence (post_key, status, path, manifest_sha256, captured_at, attempts, "
        "error) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT(post_key) DO UPDATE SET "
        "status = excluded.status, path = COALESCE(excluded.path, evidence.path), "
        "manifest_sha256 = COALESCE(excluded.manifest_sha256, evidence.manifest_sha256), "
        "captured_at = excluded.captured_at, attempts = evidence.attempts + 1, "
        "error = excluded.error",
        [key, status, path, manifest_sha256, now_iso(now), error],
    )


def get_evidence(db: Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM evidence WHERE post_key = ?", [key]))
    return rows[0] if rows else None


# Alerts (the outbox) ------------------------------------------------------------------


def posts_to_alert(db: Database) -> list[str]:
    """Keys of suspicious posts with no alert yet, not marked false positive, whose
    evidence is captured or has run out of attempts."""
    fp = _FALSE_POSITIVE.format(col="verdicts.post_key")
    rows = db.query(
        "SELECT verdicts.post_key FROM verdicts "
        "LEFT JOIN alerts ON alerts.post_key = verdicts.post_key "
        "LEFT JOIN evidence ON evidence.post_key = verdicts.post_key "
        "WHERE verdicts.label = 'suspicious' AND alerts.id IS NULL "
        f"AND NOT {fp} AND (evidence.status = 'ok' OR evidence.attempts >= ?) "
        "ORDER BY verdicts.score DESC",
        [MAX_CAPTURE_ATTEMPTS],
    )
    return [row["post_key"] for row in rows]


def queue_alert(
    db: Database,
    key: str,
    recipients: list[str],
    language: str,
    message_id: str,
    now: datetime | None = None,
) -> bool:
    """Add an alert for ``key`` to the outbox; False if it already had one."""
    stamp = now_iso(now)
    cursor = db.execute(
        "INSERT INTO alerts (post_key, status, recipients, language, message_id, created_at, "
        "next_try_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(post_key) DO NOTHING",
        [key, ALERT_QUEUED, _json(recipients), language, message_id, stamp, stamp],
    )
    return cursor.rowcount == 1


def alerts_due(
    db: Database, now: datetime | None = None, ignore_backoff: bool = False
) -> list[dict[str, Any]]:
    """Queued alerts whose next try is due (all queued ones with ``ignore_backoff``),
    leaving out posts that a reviewer has since marked false positive."""
    fp = _FALSE_POSITIVE.format(col="alerts.post_key")
    rows = db.query(
        f"SELECT alerts.* FROM alerts WHERE status = ? AND (? OR next_try_at <= ?) AND NOT {fp} "
        "ORDER BY id",
        [ALERT_QUEUED, int(ignore_backoff), now_iso(now)],
    )
    return [_decode_alert(row) for row in rows]


def _decode_alert(row: dict[str, Any]) -> dict[str, Any]:
    row["recipients"] = json.loads(row["recipients"])
    return row


def claim_alert(db: Database, alert_id: int) -> bool:
    """Move a queued alert to ``sending``; False if another worker took it first.

    An alert left in ``sending`` (the process died during the SMTP conversation) is
    never retried automatically: it may have gone out, and none is sent twice.
    """
    cursor = db.execute(
        "UPDATE alerts SET status = ?, attempts = attempts + 1 WHERE id = ? AND status = ?",
        [ALERT_SENDING, alert_id, ALERT_QUEUED],
    )
    return cursor.rowcount == 1


def mark_alert_sent(db: Database, alert_id: int, now: datetime | None = None) -> None:
    db.execute(
        "UPDATE alerts SET status = ?, sent_at = ?, last_error = NULL WHERE id = ?",
        [ALERT_SENT, now_iso(now), alert_id],
    )


def mark_alert_retry(
    db: Database, alert_id: int, error: str, delay: timedelta, now: datetime | None = None
) -> None:
    """Put an alert back in the queue after a temporary failure."""
    when = (now or datetime.now(UTC)) + delay
    db.execute(
        "UPDATE alerts SET status = ?, next_try_at = ?, last_error = ? WHERE id = ?",
        [ALERT_QUEUED, now_iso(when), error, alert_id],
    )


def mark_alert_failed(db: Database, alert_id: int, error: str) -> None:
    db.execute(
        "UPDATE alerts SET status = ?, last_error = ? WHERE id = ?",
        [ALERT_FAILED, error, alert_id],
    )


def recover_interrupted_alerts(db: Database) -> int:
    """Mark alerts left in ``sending`` by a crash as ``uncertain`` (never resent)."""
    cursor = db.execute(
        "UPDATE alerts SET status = ?, last_error = 'interrupted while sending; check the "
        "mailbox, then requeue by hand if it did not arrive' WHERE status = ?",
        [ALERT_UNCERTAIN, ALERT_SENDING],
    )
    return cursor.rowcount


def get_alert(db: Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM alerts WHERE post_key = ?", [key]))
    return _decode_alert(rows[0]) if rows else None


# Licensed agencies ----------------------------------------------------------------------


def replace_agencies(
    db: Database, rows: list[Mapping[str, str]], now: datetime | None = None
) -> int:
    """Replace the licensed-agency list with ``rows`` (name, licence, status)."""
    stamp = now_iso(now)
    with db.atomic():
        db.execute("DELETE FROM agencies")
        for row in rows:
            db.execute(
                "INSERT INTO agencies (name, licence, status, imported_at) VALUES (?, ?, ?, ?)",
                [row["name"], row.get("licence"), row.get("status"), stamp],
            )
    return len(rows)


def agencies(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT name, licence, status FROM agencies ORDER BY id"))


# Reviews ------------------------------------------------------------------------------


def add_review(
    db: Database,
    key: str,
    decision: str,
    note: str | None = None,
    reviewer: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record a reviewer's decision; the latest one per post counts."""
    if decision not in REVIEW_DECISIONS:
        raise ValueError(f"decision must be one of {REVIEW_DECISIONS}")
    if not has_post(db, key):
        raise KeyError(key)
    db.execute(
        "INSERT INTO reviews (post_key, decision, note, reviewer, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [key, decision, note, reviewer, now_iso(now)],
    )


def reviewed_posts(db: Database) -> list[dict[str, Any]]:
    """Posts with their latest review decision and their posters' OCR text (training)."""
    rows = db.query(
        "SELECT posts.key, posts.text, posts.images, r.decision FROM posts JOIN reviews r "
        "ON r.post_key = posts.key WHERE r.id = (SELECT max(id) FROM reviews WHERE post_key = "
        "posts.key) ORDER BY r.id"
    )
    return [{**row, "images_text": images_text(db, json.loads(row["images"]))} for row in rows]


def flagged_posts(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """Suspicious posts with their latest review and alert status, highest score first."""
    return list(
        db.query(
            "SELECT posts.key, posts.url, posts.author, substr(posts.text, 1, 120) AS excerpt, "
            "verdicts.score, alerts.status AS alert_status, "
            "(SELECT decision FROM reviews WHERE post_key = posts.key ORDER BY id DESC LIMIT 1) "
            "AS decision FROM posts JOIN verdicts ON verdicts.post_key = posts.key "
            "LEFT JOIN alerts ON alerts.post_key = posts.key "
            "WHERE verdicts.label = 'suspicious' ORDER BY verdicts.score DESC LIMIT ?",
            [limit],
        )
    )


def status_counts(db: Database) -> dict[str, Any]:
    """Counts an operator wants at a glance: posts, verdicts, evidence, alert states."""
    alerts = {
        row["status"]: row["n"]
        for row in db.query("SELECT status, count(*) AS n FROM alerts GROUP BY status")
    }
    return {
        "posts": count_rows(db, "posts"),
        "suspicious": int(
            next(iter(db.query("SELECT count(*) AS n FROM verdicts WHERE label = 'suspicious'")))[
                "n"
            ]
        ),
        "evidence": int(
            next(iter(db.query("SELECT count(*) AS n FROM evidence WHERE status = 'ok'")))["n"]
        ),
        "alerts": alerts,
        "sources": list(db.query("SELECT * FROM sources ORDER BY name")),
    }
