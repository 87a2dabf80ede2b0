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
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from crawler.errors import AccountError, StoreError, describe_fault

migrations = Migrations("pantau")

RUN_INTERRUPTED = "interrupted"
ALERT_QUEUED = "queued"
ALERT_SENDING = "sending"
ALERT_SENT = "sent"
ALERT_FAILED = "failed"
ALERT_UNCERTAIN = "uncertain"
REVIEW_DECISIONS = ("confirmed", "false_positive", "needs_follow_up")
# Decisions that say what a post is; "needs_follow_up" says only that it is not settled.
TRAINING_DECISIONS = ("confirmed", "false_positive")
ROLES = ("admin", "reviewer", "viewer")
USER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_CAPTURE_ATTEMPTS = 3
EVIDENCE_OK = "ok"
EVIDENCE_FAILED = "failed"
EVIDENCE_GIVEN_UP = "given_up"
# An uncertain delivery (it may have arrived) is resent with the same Message-ID until it
# has been tried this many times; then it waits for `pantau deliver --requeue`.
MAX_UNCERTAIN_ATTEMPTS = 5
INTERRUPTED = "interrupted while sending; resent with the same Message-ID"


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


@migrations()
def m004_health(db: Database) -> None:
    """Health problems the service found (a failing source, stuck work, low disk): one row
    per episode, from the check that opened it to the one that saw it gone, with whether
    the administrators were told of each end."""
    db.executescript(
        """
        CREATE TABLE health_problems (
            id INTEGER PRIMARY KEY, key TEXT NOT NULL, source TEXT, kind TEXT NOT NULL,
            message TEXT NOT NULL, opened_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
            closed_at TEXT, told_opened INTEGER NOT NULL DEFAULT 0,
            told_closed INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX health_problems_open ON health_problems (key)
            WHERE closed_at IS NULL;
        CREATE INDEX runs_source ON runs (source, id);
        """
    )


@migrations()
def m004_outbox_deliveries(db: Database) -> None:
    """One delivery row per recipient of an alert (the outbox's real state), filled from
    the existing alerts; ``alerts.status`` becomes a summary of its deliveries."""
    db.executescript(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL REFERENCES alerts(id),
            recipient TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL, last_error TEXT, sent_at TEXT, claimed_at TEXT,
            UNIQUE (alert_id, recipient)
        );
        CREATE INDEX deliveries_due ON deliveries (status, next_try_at);
        INSERT OR IGNORE INTO deliveries (alert_id, recipient, status, attempts, next_try_at,
            last_error, sent_at, claimed_at)
        SELECT alerts.id, recipient.value, alerts.status, alerts.attempts, alerts.next_try_at,
            alerts.last_error, alerts.sent_at, CASE WHEN alerts.status = 'sending'
            THEN alerts.next_try_at END
        FROM alerts, json_each(alerts.recipients) AS recipient;
        """
    )


@migrations()
def m004_crashsafe_watermarks(db: Database) -> None:
    """How far back each source has been read completely (``top`` and ``floor`` are the
    newest and oldest positions of the covered range: message ids or ISO times, so the
    columns carry no type), and the process that runs each crawl (``pid``), so that a run
    left ``running`` by a dead process can be told apart from one still going."""
    db.executescript(
        """
        CREATE TABLE watermarks (
            source TEXT PRIMARY KEY, top, floor, run_id INTEGER, updated_at TEXT NOT NULL
        );
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        """
    )


@migrations()
def m004_fence_evidence_given_up(db: Database) -> None:
    """Captures out of attempts are ``given_up`` (the attempt limit is configurable)."""
    db.execute(
        "UPDATE evidence SET status = 'given_up' WHERE status = 'failed' AND attempts >= ?",
        [MAX_CAPTURE_ATTEMPTS],
    )


@migrations()
def m005_review_desk(db: Database) -> None:
    """The review desk: accounts, the audit log, failed logins (throttling) and a full-text
    index of posts kept in sync by triggers."""
    db.executescript(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
            password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
            session_version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
            last_login_at TEXT
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT, action TEXT NOT NULL,
            target TEXT, detail TEXT, address TEXT
        );
        CREATE INDEX audit_at ON audit (at);
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE INDEX login_failures_name ON login_failures (name, at);
        CREATE INDEX login_failures_address ON login_failures (address, at);
        """
    )
    db["posts"].enable_fts(["text", "author"], fts_version="FTS5", create_triggers=True)


@migrations()
def m005_social_run_pages(db: Database) -> None:
    """How many pages each run read (a run record holds pages, items, new items, errors)."""
    db.execute("ALTER TABLE runs ADD COLUMN pages INTEGER NOT NULL DEFAULT 0")


@migrations()
def m006_fts_in_bulk(db: Database) -> None:
    """The full-text index of posts filled in bulk instead of by a trigger per inserted
    post (that trigger was half the store's cost in a crawl). A new post's rowid goes into
    ``posts_fts_pending``, in the transaction that stores it, and ``index_pending_posts``
    indexes the queue in one statement: what a crash leaves queued is indexed by the next
    call. An update reindexes a post only when its text or author changed, and only when
    it is indexed already; a deleted post leaves the index, or the queue."""
    db.executescript(
        """
        CREATE TABLE posts_fts_pending (post_rowid INTEGER PRIMARY KEY);
        DROP TRIGGER posts_ai;
        DROP TRIGGER posts_au;
        DROP TRIGGER posts_ad;
        CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN
            INSERT INTO posts_fts_pending (post_rowid) VALUES (new.rowid);
        END;
        CREATE TRIGGER posts_au AFTER UPDATE ON posts
        WHEN (old.text IS NOT new.text OR old.author IS NOT new.author
            OR old.rowid IS NOT new.rowid)
            AND NOT EXISTS (SELECT 1 FROM posts_fts_pending WHERE post_rowid = old.rowid)
        BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, text, author)
                VALUES ('delete', old.rowid, old.text, old.author);
            INSERT INTO posts_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);
        END;
        CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, text, author)
                SELECT 'delete', old.rowid, old.text, old.author WHERE NOT EXISTS
                (SELECT 1 FROM posts_fts_pending WHERE post_rowid = old.rowid);
            DELETE FROM posts_fts_pending WHERE post_rowid = old.rowid;
        END;
        """
    )


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
        raise StoreError(f"cannot open the database {path}: {describe_fault(exc)}") from exc
    return db


@contextmanager
def connect(path: str | Path) -> Iterator[Database]:
    """``with connect(path) as db``: the migrated database, closed afterwards."""
    db = open_store(path)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock first (``BEGIN IMMEDIATE``, waiting up to
    the busy timeout), for one that reads before it writes. The service and its crawl
    children write the store at once; in WAL mode a deferred transaction that read and
    then finds another process committed meanwhile fails "database is locked" at once,
    without waiting. Nested in another transaction it is a savepoint of that one."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.conn.rollback()  # also when COMMIT itself failed (a full disk)
        raise


# One encoder for every call (``json.dumps`` with options builds a new one each time).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


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


def start_run(
    db: Database,
    spider: str,
    source: str | None,
    now: datetime | None = None,
    pid: int | None = None,
) -> int:
    """Open a ``running`` run of ``source``, carried out by process ``pid``."""
    cursor = db.execute(
        "INSERT INTO runs (source, spider, started_at, pid) VALUES (?, ?, ?, ?)",
        [source, spider, now_iso(now), pid],
    )
    return int(cursor.lastrowid or 0)


def running_runs(db: Database) -> list[dict[str, Any]]:
    """Runs still marked ``running`` (id, source, pid, started_at), oldest first."""
    return list(
        db.query(
            "SELECT id, source, pid, started_at FROM runs WHERE status = 'running' ORDER BY id"
        )
    )


def close_interrupted_run(
    db: Database, run_id: int, reason: str, now: datetime | None = None
) -> None:
    """Close a run whose process died as ``interrupted`` with ``reason`` (its source's
    watermark stays where it was, so the pages it did not finish are read again)."""
    finish_run(db, run_id, RUN_INTERRUPTED, reason, {}, now=now)


def finish_run(
    db: Database,
    run_id: int,
    status: str,
    reason: str | None,
    counts: Mapping[str, int],
    now: datetime | None = None,
    warc_path: str | None = None,
) -> None:
    """Close a run with its status (``ok``, ``blocked``, ``failed`` or ``interrupted``), reason,
    counts (``scraped``, ``new``, ``errors``, ``pages``) and the WARC file that recorded it;
    counts already recorded are kept when ``counts`` leaves them out."""
    finished = now_iso(now)
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, reason = ?, "
            "items_scraped = COALESCE(?, items_scraped), items_new = COALESCE(?, items_new), "
            "errors = COALESCE(?, errors), pages = COALESCE(?, pages), "
            "warc_path = COALESCE(?, warc_path) WHERE id = ?",
            [
                finished,
                status,
                reason,
                counts.get("scraped"),
                counts.get("new"),
                counts.get("errors"),
                counts.get("pages"),
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


# Watermarks: how far back each source has been read completely ----------------------------


def get_watermark(db: Database, source: str) -> dict[str, Any] | None:
    """The covered range of ``source`` (``top``, ``floor``, ``run_id``), or None."""
    rows = list(db.query("SELECT * FROM watermarks WHERE source = ?", [source]))
    return rows[0] if rows else None


def move_watermark(
    db: Database,
    source: str,
    top: Any,
    floor: Any,
    run_id: int | None,
    now: datetime | None = None,
) -> str:
    """Record that a finished run read ``source`` completely from ``top`` back to ``floor``.

    When the run reached the range already covered (``floor`` at or below the old top) the
    two join; otherwise the run stopped at its page limit above the covered range and the
    posts in between were never read: the new range starts afresh and the returned sentence
    says so ("" when the ranges joined). Only a run that finished may call this.
    """
    old = get_watermark(db, source)
    gap = ""
    if old is None or old["top"] is None:
        new_top, new_floor = top, floor
    elif type(floor) is type(old["top"]) and floor <= old["top"]:
        new_top, new_floor = max(top, old["top"]), min(floor, old["floor"])
    else:
        new_top, new_floor = top, floor
        gap = f"posts between {old['top']} and {floor} were not read (the page limit stopped "
        gap += "the walk back): raise max_pages or crawl more often"
    db.execute(
        "INSERT INTO watermarks (source, top, floor, run_id, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(source) DO UPDATE SET top = excluded.top, floor = excluded.floor, "
        "run_id = excluded.run_id, updated_at = excluded.updated_at",
        [source, new_top, new_floor, run_id, now_iso(now)],
    )
    return gap


# Posts --------------------------------------------------------------------------------

POST_FIELDS = ("platform", "source", "post_id", "url", "author", "author_url", "text", "posted_at")


_NOT_EXTRA = frozenset((*POST_FIELDS, "images"))


def post_key(platform: str, post_id: str) -> str:
    return f"{platform}:{post_id}"


def content_hash(text: str, images: list[str]) -> str:
    return _sha256(_json([text, images]))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
    *,
    index: bool = True,
) -> int:
    """Insert or update ``items`` in one transaction (one commit for the batch, where a
    commit each cost most of a crawl's time); returns how many were new.

    New posts are full-text indexed in the same transaction, unless ``index`` is False:
    then they wait in the queue for ``index_pending_posts`` (a crawl indexes once, at its
    end, which costs a fraction of indexing every batch)."""
    return save_post_rows(db, [post_row(item) for item in items], run_id, now, index=index)


def save_post_rows(
    db: Database,
    rows: list[Mapping[str, Any]],
    run_id: int | None = None,
    now: datetime | None = None,
    *,
    index: bool = True,
) -> int:
    """``save_posts`` for posts already made rows by ``post_row``."""
    seen = now_iso(now)
    params = [{**row, "seen": seen, "run_id": run_id} for row in rows]
    with write_transaction(db):
        known = _stored_keys(db, [row["key"] for row in rows])
        new = 0
        for row in rows:
            new += row["key"] not in known
            known.add(row["key"])
        db.conn.executemany(_UPSERT_POST, params)
        if index and new and _indexes_in_bulk(db):
            index_pending_posts(db)
    return new


def index_pending_posts(db: Database) -> int:
    """Full-text index the posts queued since the last call (``m006_fts_in_bulk``), in one
    transaction; returns how many. Search covers a post once this has run after it was
    stored: at the end of every crawl, in every classify pass, and on every ``save_posts``
    that indexes."""
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO posts_fts (rowid, text, author) SELECT posts.rowid, posts.text, "
            "posts.author FROM posts_fts_pending JOIN posts ON posts.rowid = "
            "posts_fts_pending.post_rowid ORDER BY posts.rowid"
        )
        db.execute("DELETE FROM posts_fts_pending")
    return max(cursor.rowcount, 0)


def _indexes_in_bulk(db: Database) -> bool:
    """Whether the schema has the queue of posts to index (a store migrated only part of
    the way, as the migration tests make, has neither it nor the index)."""
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts_fts_pending'"
    return db.execute(query).fetchone() is not None


def post_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` as a row of ``posts`` for ``save_post_rows``: the fields beyond
    ``POST_FIELDS`` and ``images`` in ``extra``, lists and mappings as JSON. Nothing in it
    but strings, numbers and None, so the garbage collector does not track it: a crawl's
    queue of rows costs no collections, where a queue of items cost one more full one."""
    # A plain copy first: each lookup in a Scrapy item is a Python call, in a dict a C one.
    values = dict(item)
    post_id = str(values["post_id"])
    images = list(values.get("images") or [])
    text = str(values.get("text") or "")
    images_json = _json(images) if images else "[]"
    row = {field: values.get(field) for field in POST_FIELDS}
    row["key"] = post_key(str(values["platform"]), post_id)
    row["post_id"] = post_id
    row["text"] = text
    row["images"] = images_json
    row["extra"] = _json({k: v for k, v in values.items() if k not in _NOT_EXTRA})
    # content_hash(text, images), from the JSON already made: _json([text, images]).
    row["content_hash"] = _sha256(f"[{_json(text)}, {images_json}]")
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


def stored_posts(db: Database, platform: str, post_ids: list[str]) -> list[dict[str, Any]]:
    """The stored posts among ``post_ids`` of ``platform`` (``images`` and ``extra`` decoded)."""
    keys = [post_key(platform, post_id) for post_id in post_ids]
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    return [_decode_post(r) for r in db.query(f"SELECT * FROM posts WHERE key IN ({marks})", keys)]


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
# The inner posts table has its own alias: with a bare "posts" there, a {col} of
# "posts.key" would name the inner table and every post would take the first post's cluster.
_FALSE_POSITIVE = (
    "EXISTS (SELECT 1 FROM posts fp_post JOIN reviews r ON r.post_key = fp_post.key "
    "WHERE (fp_post.key = {col} OR fp_post.cluster_id = "
    "(SELECT fp_self.cluster_id FROM posts fp_self WHERE fp_self.key = {col})) "
    "AND r.decision = 'false_positive' "
    "AND r.id = (SELECT max(id) FROM reviews WHERE post_key = fp_post.key))"
)


# Evidence -----------------------------------------------------------------------------


def posts_to_capture(
    db: Database, limit: int = 100, max_attempts: int = MAX_CAPTURE_ATTEMPTS
) -> list[dict[str, Any]]:
    """Suspicious posts without successful evidence, not marked false positive,
    with capture attempts left."""
    fp = _FALSE_POSITIVE.format(col="posts.key")
    rows = db.query(
        "SELECT posts.* FROM posts JOIN verdicts ON verdicts.post_key = posts.key "
        "LEFT JOIN evidence ON evidence.post_key = posts.key "
        "WHERE verdicts.label = 'suspicious' AND (evidence.post_key IS NULL OR "
        f"(evidence.status = 'failed' AND evidence.attempts < ?)) AND NOT {fp} "
        "ORDER BY verdicts.score DESC LIMIT ?",
        [max_attempts, limit],
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
    max_attempts: int = MAX_CAPTURE_ATTEMPTS,
    count_attempt: bool = True,
) -> None:
    """Record a capture attempt: ``path`` and ``manifest_sha256`` on success, ``error``
    on failure. The attempt counter goes up either way, unless ``count_attempt`` is
    false (a fault of ours, such as a full disk, not of the page); a failure that
    reaches ``max_attempts`` is ``given_up``, and the alert goes out without evidence."""
    status = EVIDENCE_OK if error is None else EVIDENCE_FAILED
    step = 1 if count_attempt else 0
    db.execute(
        "INSERT INTO evidence (post_key, status, path, manifest_sha256, captured_at, attempts, "
        "error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(post_key) DO UPDATE SET "
        "status = excluded.status, path = COALESCE(excluded.path, evidence.path), "
        "manifest_sha256 = COALESCE(excluded.manifest_sha256, evidence.manifest_sha256), "
        "captured_at = excluded.captured_at, attempts = evidence.attempts + ?, "
        "error = excluded.error",
        [key, status, path, manifest_sha256, now_iso(now), step, error, step],
    )
    db.execute(
        "UPDATE evidence SET status = ? WHERE post_key = ? AND status = ? AND attempts >= ?",
        [EVIDENCE_GIVEN_UP, key, EVIDENCE_FAILED, max_attempts],
    )


def get_evidence(db: Database, key: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM evidence WHERE post_key = ?", [key]))
    return rows[0] if rows else None


def evidence_given_up(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """Posts whose capture was given up, with the last reason, newest first."""
    return list(
        db.query(
            "SELECT post_key, attempts, error, captured_at FROM evidence WHERE status = ? "
            "ORDER BY captured_at DESC LIMIT ?",
            [EVIDENCE_GIVEN_UP, limit],
        )
    )


def recorded_evidence(
    db: Database, paths: list[str], post_key: str | None
) -> dict[str, Any] | None:
    """The evidence row of a bundle: by its folder (any of ``paths``), else by the
    post key its manifest names."""
    marks = ", ".join("?" for _ in paths)
    rows = list(db.query(f"SELECT * FROM evidence WHERE path IN ({marks})", paths))
    if not rows and post_key:
        rows = list(db.query("SELECT * FROM evidence WHERE post_key = ?", [post_key]))
    return rows[0] if rows else None


def open_readonly(path: str | Path) -> Database:
    """The database at ``path`` opened read-only (never created, never migrated);
    ``StoreError`` when there is none or it cannot be read."""
    try:
        where = quote(str(Path(path).absolute()))
        connection = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
        db = Database(connection)
        db.execute("SELECT count(*) FROM evidence").fetchall()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the database {path}: {exc}") from exc
    return db


# Alerts (the outbox) ------------------------------------------------------------------


def posts_to_alert(db: Database) -> list[str]:
    """Keys of suspicious posts with no alert yet, not marked false positive, whose
    evidence is captured or was given up (out of attempts)."""
    fp = _FALSE_POSITIVE.format(col="verdicts.post_key")
    rows = db.query(
        "SELECT verdicts.post_key FROM verdicts "
        "LEFT JOIN alerts ON alerts.post_key = verdicts.post_key "
        "LEFT JOIN evidence ON evidence.post_key = verdicts.post_key "
        "WHERE verdicts.label = 'suspicious' AND alerts.id IS NULL "
        f"AND NOT {fp} AND evidence.status IN (?, ?) "
        "ORDER BY verdicts.score DESC",
        [EVIDENCE_OK, EVIDENCE_GIVEN_UP],
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
    """Add an alert for ``key`` to the outbox, one queued delivery per recipient; False
    if it already had one."""
    stamp = now_iso(now)
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO alerts (post_key, status, recipients, language, message_id, "
            "created_at, next_try_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(post_key) DO NOTHING",
            [key, ALERT_QUEUED, _json(recipients), language, message_id, stamp, stamp],
        )
        if cursor.rowcount != 1:
            return False
        for recipient in dict.fromkeys(recipients):
            db.execute(
                "INSERT INTO deliveries (alert_id, recipient, status, next_try_at) "
                "VALUES (?, ?, ?, ?)",
                [cursor.lastrowid, recipient, ALERT_QUEUED, stamp],
            )
    return True


def alerts_due(
    db: Database, now: datetime | None = None, ignore_backoff: bool = False
) -> list[dict[str, Any]]:
    """Alerts with at least one delivery due, each with ``due``: those delivery rows.

    A delivery is due when it is ``queued`` (or ``uncertain`` with resends left) and its
    next try has come (any time with ``ignore_backoff``). Posts that a reviewer has since
    marked false positive are left out.
    """
    fp = _FALSE_POSITIVE.format(col="alerts.post_key")
    rows = db.query(
        "SELECT deliveries.*, alerts.post_key, alerts.recipients AS alert_recipients, "
        "alerts.language, alerts.message_id FROM deliveries "
        "JOIN alerts ON alerts.id = deliveries.alert_id "
        "WHERE (deliveries.status = ? OR (deliveries.status = ? AND deliveries.attempts < ?)) "
        f"AND (? OR deliveries.next_try_at <= ?) AND NOT {fp} "
        "ORDER BY deliveries.alert_id, deliveries.id",
        [ALERT_QUEUED, ALERT_UNCERTAIN, MAX_UNCERTAIN_ATTEMPTS, int(ignore_backoff), now_iso(now)],
    )
    alerts: dict[int, dict[str, Any]] = {}
    for row in rows:
        alert = alerts.setdefault(row["alert_id"], _alert_of(row))
        alert["due"].append(_delivery_of(row))
    return list(alerts.values())


def _alert_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["alert_id"],
        "post_key": row["post_key"],
        "recipients": json.loads(row["alert_recipients"]),
        "language": row["language"],
        "message_id": row["message_id"],
        "due": [],
    }


_DELIVERY_COLUMNS = (
    "id",
    "alert_id",
    "recipient",
    "status",
    "attempts",
    "next_try_at",
    "last_error",
    "sent_at",
    "claimed_at",
)


def _delivery_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {column: row[column] for column in _DELIVERY_COLUMNS}


def _decode_alert(row: dict[str, Any]) -> dict[str, Any]:
    row["recipients"] = json.loads(row["recipients"])
    return row


def claim_deliveries(
    db: Database, deliveries: list[Mapping[str, Any]], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Move each of ``deliveries`` from the status it was read in to ``sending``; the rows
    this worker got (another worker may have taken some first)."""
    claimed = []
    with db.atomic():
        for row in deliveries:
            cursor = db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, claimed_at = ? "
                "WHERE id = ? AND status = ?",
                [ALERT_SENDING, now_iso(now), row["id"], row["status"]],
            )
            if cursor.rowcount == 1:
                claimed.append({**row, "status": ALERT_SENDING, "attempts": row["attempts"] + 1})
        if claimed:
            db.execute(
                "UPDATE alerts SET attempts = attempts + 1 WHERE id = ?", [claimed[0]["alert_id"]]
            )
            _sync_alert(db, claimed[0]["alert_id"])
    return claimed


def claim_alert(db: Database, alert_id: int, now: datetime | None = None) -> bool:
    """Claim every queued delivery of an alert; False if there was none left to claim."""
    rows = db.query(
        "SELECT * FROM deliveries WHERE alert_id = ? AND status = ?", [alert_id, ALERT_QUEUED]
    )
    return bool(claim_deliveries(db, [_delivery_of(row) for row in rows], now))


def record_delivery(
    db: Database,
    delivery_id: int,
    status: str,
    error: str | None = None,
    *,
    next_try: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Record how one recipient's delivery ended: ``sent`` (at ``now``), ``queued`` or
    ``uncertain`` (tried again from ``next_try``), or ``failed`` (a human decides)."""
    with db.atomic():
        db.execute(
            "UPDATE deliveries SET status = ?, last_error = ?, claimed_at = NULL, "
            "sent_at = CASE WHEN ? THEN ? ELSE sent_at END, "
            "next_try_at = COALESCE(?, next_try_at) WHERE id = ?",
            [
                status,
                error,
                int(status == ALERT_SENT),
                now_iso(now),
                now_iso(next_try) if next_try else None,
                delivery_id,
            ],
        )
        _sync_alert(db, _alert_id_of(db, delivery_id))


def _alert_id_of(db: Database, delivery_id: int) -> int:
    rows = list(db.query("SELECT alert_id FROM deliveries WHERE id = ?", [delivery_id]))
    return int(rows[0]["alert_id"]) if rows else -1


# The alert's own status sums up its deliveries, most urgent first: one still sending or
# queued keeps the alert open; otherwise one uncertain or failed needs a human's eye.
_ALERT_SUMMARY = (
    "UPDATE alerts SET status = COALESCE((SELECT CASE "
    "WHEN sum(status = 'sending') THEN 'sending' WHEN sum(status = 'queued') THEN 'queued' "
    "WHEN sum(status = 'uncertain') THEN 'uncertain' WHEN sum(status = 'failed') THEN 'failed' "
    "ELSE 'sent' END FROM deliveries WHERE alert_id = alerts.id), status), "
    "next_try_at = COALESCE((SELECT min(next_try_at) FROM deliveries WHERE alert_id = alerts.id "
    "AND status IN ('queued', 'uncertain')), next_try_at), "
    "sent_at = (SELECT max(sent_at) FROM deliveries WHERE alert_id = alerts.id), "
    "last_error = (SELECT group_concat(recipient || ': ' || last_error, '; ') FROM deliveries "
    "WHERE alert_id = alerts.id AND last_error IS NOT NULL) WHERE id = ?"
)


def _sync_alert(db: Database, alert_id: int) -> None:
    db.execute(_ALERT_SUMMARY, [alert_id])


def recover_interrupted_alerts(
    db: Database, claimed_before: datetime | None = None, now: datetime | None = None
) -> int:
    """Deliveries left in ``sending`` by a process that died, claimed before
    ``claimed_before`` (all when None), become ``uncertain`` and due now: they are resent
    with the same Message-ID, so the receiving side can tell a copy from a new alert."""
    cutoff = now_iso(claimed_before) if claimed_before else "9999"
    with write_transaction(db):
        rows = list(
            db.query(
                "SELECT id, alert_id FROM deliveries WHERE status = ? AND claimed_at < ?",
                [ALERT_SENDING, cutoff],
            )
        )
        for row in rows:
            db.execute(
                "UPDATE deliveries SET status = ?, last_error = ?, next_try_at = ?, "
                "claimed_at = NULL WHERE id = ?",
                [ALERT_UNCERTAIN, INTERRUPTED, now_iso(now), row["id"]],
            )
        for alert_id in {row["alert_id"] for row in rows}:
            _sync_alert(db, alert_id)
    return len(rows)


def requeue_alert(db: Database, alert_id: int, now: datetime | None = None) -> int:
    """Put the failed and uncertain deliveries of an alert back in the queue, due now and
    with a fresh count of attempts; how many were requeued."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE deliveries SET status = ?, attempts = 0, next_try_at = ?, "
            "last_error = 'requeued by hand after: ' || COALESCE(last_error, status) "
            "WHERE alert_id = ? AND status IN (?, ?)",
            [ALERT_QUEUED, now_iso(now), alert_id, ALERT_FAILED, ALERT_UNCERTAIN],
        )
        _sync_alert(db, alert_id)
    return cursor.rowcount


def troubled_deliveries(db: Database) -> list[dict[str, Any]]:
    """Failed and uncertain deliveries with their alert's id, post and Message-ID, oldest
    alert first: what ``pantau deliver --list`` shows."""
    return list(
        db.query(
            "SELECT deliveries.*, alerts.post_key, alerts.message_id FROM deliveries "
            "JOIN alerts ON alerts.id = deliveries.alert_id WHERE deliveries.status IN (?, ?) "
            "ORDER BY deliveries.alert_id, deliveries.id",
            [ALERT_FAILED, ALERT_UNCERTAIN],
        )
    )


def get_deliveries(db: Database, key: str) -> dict[str, dict[str, Any]]:
    """The deliveries of the alert for post ``key``, by recipient."""
    rows = db.query(
        "SELECT deliveries.* FROM deliveries JOIN alerts ON alerts.id = deliveries.alert_id "
        "WHERE alerts.post_key = ? ORDER BY deliveries.id",
        [key],
    )
    return {row["recipient"]: _delivery_of(row) for row in rows}


def get_alert_by_id(db: Database, alert_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    return _decode_alert(rows[0]) if rows else None


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
    """Posts whose latest review decides what they are (confirmed or false positive), with
    that decision and their posters' OCR text (training). Posts left at "needs follow-up"
    are not settled, so they teach nothing."""
    rows = db.query(
        "SELECT posts.key, posts.text, posts.images, r.decision FROM posts JOIN reviews r "
        "ON r.post_key = posts.key WHERE r.id = (SELECT max(id) FROM reviews WHERE post_key = "
        "posts.key) AND r.decision IN ('confirmed', 'false_positive') ORDER BY r.id"
    )
    return [{**row, "images_text": images_text(db, json.loads(row["images"]))} for row in rows]


def flagged_posts(db: Database, limit: int = 50, label: str = "suspicious") -> list[dict[str, Any]]:
    """Posts with verdict ``label`` (suspicious by default; or report) with their latest
    review and alert status, highest score first."""
    return list(
        db.query(
            "SELECT posts.key, posts.url, posts.author, substr(posts.text, 1, 120) AS excerpt, "
            "verdicts.score, alerts.status AS alert_status, "
            "(SELECT decision FROM reviews WHERE post_key = posts.key ORDER BY id DESC LIMIT 1) "
            "AS decision FROM posts JOIN verdicts ON verdicts.post_key = posts.key "
            "LEFT JOIN alerts ON alerts.post_key = posts.key "
            "WHERE verdicts.label = ? ORDER BY verdicts.score DESC LIMIT ?",
            [label, limit],
        )
    )


def labels_by_source(db: Database) -> list[dict[str, Any]]:
    """How many posts of each source carry each label (``label`` None: not classified)."""
    return list(
        db.query(
            "SELECT posts.source, verdicts.label, count(*) AS n FROM posts "
            "LEFT JOIN verdicts ON verdicts.post_key = posts.key "
            "GROUP BY posts.source, verdicts.label ORDER BY posts.source, verdicts.label"
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
        "report": int(
            next(iter(db.query("SELECT count(*) AS n FROM verdicts WHERE label = 'report'")))["n"]
        ),
        "evidence": int(
            next(iter(db.query("SELECT count(*) AS n FROM evidence WHERE status = 'ok'")))["n"]
        ),
        "alerts": alerts,
        "sources": list(db.query("SELECT * FROM sources ORDER BY name")),
    }


# Health -------------------------------------------------------------------------------


def recent_runs(db: Database, source: str, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` finished runs of ``source``, newest first."""
    return list(
        db.query(
            "SELECT * FROM runs WHERE source = ? AND status != 'running' ORDER BY id DESC LIMIT ?",
            [source, limit],
        )
    )


def runs_before_silence(db: Database, source: str, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` finished runs of ``source`` up to its newest run that was not
    ``ok`` with zero posts (none when it never had one), newest first."""
    return list(
        db.query(
            "SELECT * FROM runs WHERE source = ? AND status != 'running' AND id <= "
            "(SELECT max(id) FROM runs WHERE source = ? AND status != 'running' AND NOT "
            "(status = 'ok' AND items_scraped = 0)) ORDER BY id DESC LIMIT ?",
            [source, source, limit],
        )
    )


def runs_started_before(db: Database, started_before: datetime) -> list[dict[str, Any]]:
    """Runs still marked running that started before ``started_before``."""
    return list(
        db.query(
            "SELECT * FROM runs WHERE status = 'running' AND started_at < ? ORDER BY id",
            [now_iso(started_before)],
        )
    )


def oldest_pending(db: Database) -> dict[str, str | None]:
    """When the oldest piece of unfinished work of each stage arrived: posts waiting to
    be classified, suspicious posts waiting for evidence, alerts waiting to be sent."""
    fp = _FALSE_POSITIVE.format(col="verdicts.post_key")
    queries = {
        "classify": "SELECT min(posts.first_seen_at) AS t FROM posts LEFT JOIN verdicts "
        "ON verdicts.post_key = posts.key WHERE verdicts.post_key IS NULL",
        "capture": "SELECT min(verdicts.classified_at) AS t FROM verdicts LEFT JOIN evidence "
        "ON evidence.post_key = verdicts.post_key WHERE verdicts.label = 'suspicious' "
        f"AND NOT {fp} AND (evidence.post_key IS NULL OR "
        f"(evidence.status = 'failed' AND evidence.attempts < {MAX_CAPTURE_ATTEMPTS}))",
        "deliver": f"SELECT min(created_at) AS t FROM alerts WHERE status = '{ALERT_QUEUED}'",
    }
    return {stage: next(iter(db.query(sql)))["t"] for stage, sql in queries.items()}


def open_problems(db: Database) -> list[dict[str, Any]]:
    """Health problems not yet seen gone, oldest first."""
    return list(db.query("SELECT * FROM health_problems WHERE closed_at IS NULL ORDER BY id"))


def sync_problems(
    db: Database, found: list[Mapping[str, Any]], now: datetime | None = None
) -> tuple[int, int]:
    """Make the open problems those in ``found`` (each with key, source, kind, message):
    new ones are opened, gone ones closed, the rest get their message and time refreshed.
    Returns how many were opened and closed."""
    stamp = now_iso(now)
    keys = {problem["key"] for problem in found}
    with write_transaction(db):
        before = {row["key"] for row in open_problems(db)}
        for problem in found:
            db.execute(
                "INSERT INTO health_problems (key, source, kind, message, opened_at, "
                "last_seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) WHERE closed_at IS "
                "NULL DO UPDATE SET message = excluded.message, "
                "last_seen_at = excluded.last_seen_at",
                [
                    problem["key"],
                    problem.get("source"),
                    problem["kind"],
                    problem["message"],
                    stamp,
                    stamp,
                ],
            )
        gone = sorted(before - keys)
        for key in gone:
            db.execute(
                "UPDATE health_problems SET closed_at = ? WHERE key = ? AND closed_at IS NULL",
                [stamp, key],
            )
    return len(keys - before), len(gone)


def problems_to_tell(db: Database) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Problems whose start, and problems whose end, the administrators were not told of.
    A problem that began and ended between two emails is not told at all."""
    opened = list(
        db.query(
            "SELECT * FROM health_problems WHERE told_opened = 0 AND closed_at IS NULL ORDER BY id"
        )
    )
    closed = list(
        db.query(
            "SELECT * FROM health_problems WHERE told_opened = 1 AND told_closed = 0 "
            "AND closed_at IS NOT NULL ORDER BY id"
        )
    )
    return opened, closed


def mark_problems_told(db: Database, ids: list[int]) -> None:
    """Record that the administrators were told of the current state of problems ``ids``;
    problems that ended before anyone was told are settled too."""
    with db.atomic():
        for problem_id in ids:
            db.execute(
                "UPDATE health_problems SET told_opened = 1, "
                "told_closed = (closed_at IS NOT NULL) WHERE id = ?",
                [problem_id],
            )
        db.execute(
            "UPDATE health_problems SET told_opened = 1, told_closed = 1 "
            "WHERE told_opened = 0 AND closed_at IS NOT NULL"
        )


def expired_warc_runs(db: Database, before: datetime) -> list[dict[str, Any]]:
    """Runs finished before ``before`` whose WARC file is still recorded."""
    return list(
        db.query(
            "SELECT id, warc_path FROM runs WHERE warc_path IS NOT NULL AND finished_at < ?",
            [now_iso(before)],
        )
    )


def forget_warc(db: Database, run_id: int) -> None:
    db.execute("UPDATE runs SET warc_path = NULL WHERE id = ?", [run_id])


def delete_old_quiet_posts(db: Database, before: datetime) -> int:
    """Delete posts last seen before ``before`` that were classified and never
    suspicious, never reviewed and never alerted, with their entity links; return how many."""
    condition = (
        "posts.last_seen_at < ? AND EXISTS (SELECT 1 FROM verdicts v WHERE v.post_key = "
        "posts.key AND v.label = 'not_suspicious') AND NOT EXISTS (SELECT 1 FROM alerts a "
        "WHERE a.post_key = posts.key) AND NOT EXISTS (SELECT 1 FROM reviews r WHERE "
        "r.post_key = posts.key) AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.post_key = "
        "posts.key)"
    )
    stamp = now_iso(before)
    with write_transaction(db):
        keys = [row["key"] for row in db.query(f"SELECT key FROM posts WHERE {condition}", [stamp])]
        for key in keys:
            db.execute("DELETE FROM post_entities WHERE post_key = ?", [key])
            db.execute("DELETE FROM verdicts WHERE post_key = ?", [key])
            db.execute("DELETE FROM posts WHERE key = ?", [key])
    return len(keys)


def move_evidence_paths(db: Database, old_root: str, new_root: str) -> int:
    """Point evidence rows under ``old_root`` at the same bundles under ``new_root``
    (after a restore into another data folder); return how many moved."""
    if old_root == new_root:
        return 0
    prefix = old_root.rstrip("/") + "/"
    cursor = db.execute(
        "UPDATE evidence SET path = ? || substr(path, ?) WHERE substr(path, 1, ?) = ?",
        [new_root.rstrip("/") + "/", len(prefix) + 1, len(prefix), prefix],
    )
    return cursor.rowcount


# Review desk: accounts, audit, login throttling ---------------------------------------


def add_user(
    db: Database, name: str, role: str, password_hash: str, now: datetime | None = None
) -> int:
    """Add an account; ``AccountError`` when the name is taken or the role unknown."""
    if role not in ROLES:
        raise AccountError(name, f"role must be one of {', '.join(ROLES)}, not {role!r}")
    try:
        cursor = db.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            [name, role, password_hash, now_iso(now)],
        )
    except sqlite3.IntegrityError:
        raise AccountError(name, "already exists") from None
    return int(cursor.lastrowid or 0)


def get_user(db: Database, name: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM users WHERE name = ?", [name]))
    return rows[0] if rows else None


def get_user_by_id(db: Database, user_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return rows[0] if rows else None


def list_users(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT id, name, role, disabled, created_at, last_login_at FROM users ORDER BY name"
        )
    )


def _update_user(db: Database, name: str, assignments: str, params: list[Any]) -> None:
    # Any change to an account ends its open sessions: they carry the session_version.
    cursor = db.execute(
        f"UPDATE users SET {assignments}, session_version = session_version + 1 WHERE name = ?",
        [*params, name],
    )
    if cursor.rowcount != 1:
        raise AccountError(name, "no such user")


def set_user_disabled(db: Database, name: str, disabled: bool = True) -> None:
    """Disable (or re-enable) an account; its open sessions end at once."""
    _update_user(db, name, "disabled = ?", [int(disabled)])


def set_password(db: Database, name: str, password_hash: str) -> None:
    """Replace an account's password hash; its open sessions end at once."""
    _update_user(db, name, "password_hash = ?", [password_hash])


def end_sessions(db: Database, name: str) -> None:
    """End every open session of the account (logout: a copied cookie is worth nothing)."""
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE name = ?", [name])


def record_login(db: Database, name: str, now: datetime | None = None) -> None:
    """A successful login: remember when, and forget the account's failed attempts."""
    with db.atomic():
        db.execute("UPDATE users SET last_login_at = ? WHERE name = ?", [now_iso(now), name])
        db.execute("DELETE FROM login_failures WHERE name = ?", [name])


LOGIN_FAILURES_KEPT = timedelta(days=1)


def record_login_failure(
    db: Database, name: str, address: str, now: datetime | None = None
) -> None:
    """Count a failed login; failures older than a day are dropped (they throttle nothing),
    so that guessing cannot grow the table without end."""
    when = now or datetime.now(UTC)
    with db.atomic():
        db.execute("DELETE FROM login_failures WHERE at < ?", [now_iso(when - LOGIN_FAILURES_KEPT)])
        db.execute(
            "INSERT INTO login_failures (name, address, at) VALUES (?, ?, ?)",
            [name[:200], address[:100], now_iso(when)],
        )


def login_failures(
    db: Database, since: datetime, *, name: str | None = None, address: str | None = None
) -> int:
    """Failed logins since ``since`` for the account ``name`` or from ``address``."""
    column, value = ("name", name) if name is not None else ("address", address)
    row = next(
        iter(
            db.query(
                f"SELECT count(*) AS n FROM login_failures WHERE {column} = ? AND at >= ?",
                [value, now_iso(since)],
            )
        )
    )
    return int(row["n"])


def add_audit(
    db: Database,
    user: str | None,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> None:
    """One line of the audit log: who did what to which post, from where."""
    db.execute(
        "INSERT INTO audit (at, user, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
        [now_iso(now), user, action, target, detail, address],
    )


def audit_log(db: Database, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The audit log, newest first."""
    return list(db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]))


# Review desk: the queue ----------------------------------------------------------------

QUEUE_STATUSES = ("todo", "unreviewed", "needs_follow_up", "confirmed", "false_positive", "all")
QUEUE_CAP = 5000
_LATEST_DECISION = (
    "(SELECT decision FROM reviews WHERE post_key = posts.key ORDER BY id DESC LIMIT 1)"
)
_POSTED = "COALESCE(posts.posted_at, posts.first_seen_at)"


def _queue_where(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The WHERE clause of the review queue for ``filters`` (see ``review_queue``)."""
    fp = _FALSE_POSITIVE.format(col="posts.key")
    clauses, params = ["verdicts.label = ?"], [filters.get("label") or "suspicious"]
    status = filters.get("status") or "todo"
    clauses.append(
        {
            "todo": f"NOT {fp} AND ({_LATEST_DECISION} IS NULL OR "
            f"{_LATEST_DECISION} = 'needs_follow_up')",
            "unreviewed": f"NOT {fp} AND {_LATEST_DECISION} IS NULL",
            "needs_follow_up": f"NOT {fp} AND {_LATEST_DECISION} = 'needs_follow_up'",
            "confirmed": f"NOT {fp} AND {_LATEST_DECISION} = 'confirmed'",
            "false_positive": fp,
            "all": "1",
        }.get(status, "0")
    )
    for column in ("platform", "source"):
        if filters.get(column):
            clauses.append(f"posts.{column} = ?")
            params.append(filters[column])
    if filters.get("indicator"):
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(verdicts.indicators) i "
            "WHERE json_extract(i.value, '$.code') = ?)"
        )
        params.append(filters["indicator"])
    if filters.get("destination"):
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(verdicts.indicators) i WHERE "
            "json_extract(i.value, '$.code') = 'DEST' AND "
            "substr(json_extract(i.value, '$.note'), 1, length(?) + 1) = ? || ' ')"
        )
        params += [filters["destination"], filters["destination"]]
    if filters.get("date_from"):
        clauses.append(f"{_POSTED} >= ?")
        params.append(str(filters["date_from"]))
    if filters.get("date_to"):
        # A bare date includes the whole day.
        clauses.append(f"{_POSTED} < ?")
        params.append(str(filters["date_to"]) + "\uffff")
    if filters.get("search"):
        words = fts_words(str(filters["search"]))
        clauses.append(
            "posts.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)" if words else "0"
        )
        params += [words] if words else []
    return " AND ".join(clauses), params


def fts_words(query: str) -> str:
    """``query`` as an FTS5 query in which every word must appear: each word quoted, so
    that FTS5 operators and quotes typed by a user are searched as words, never parsed."""
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", query)[:20])


def review_queue(
    db: Database, filters: Mapping[str, Any], limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of the review queue and the number of posts matching ``filters``.

    ``filters``: ``label`` (``suspicious`` by default; ``report`` for the reports tab),
    ``status`` (one of ``QUEUE_STATUSES``; ``todo``: not decided or needing follow-up, and
    not suppressed as a repost of a false positive), ``platform``, ``source``,
    ``indicator`` (a code), ``destination`` (a country code of a DEST indicator),
    ``date_from`` / ``date_to`` (ISO dates, on the posting time or else the first sighting),
    ``search`` (words, all of which must appear: SQLite FTS5 over text and author).
    Highest score first, then newest.
    """
    where, params = _queue_where(filters)
    base = f"FROM posts JOIN verdicts ON verdicts.post_key = posts.key WHERE {where}"
    total = int(next(iter(db.query(f"SELECT count(*) AS n {base}", params)))["n"])
    fp = _FALSE_POSITIVE.format(col="posts.key")
    rows = db.query(
        "SELECT posts.key, posts.platform, posts.source, posts.author, posts.url, "
        "posts.posted_at, posts.first_seen_at, posts.cluster_id, "
        "substr(posts.text, 1, 200) AS excerpt, verdicts.score, verdicts.label, "
        f"verdicts.indicators, {_LATEST_DECISION} AS decision, {fp} AS suppressed {base} "
        f"ORDER BY verdicts.score DESC, {_POSTED} DESC, posts.key LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_decode_verdict_row(row) for row in rows], total


def queue_keys(db: Database, filters: Mapping[str, Any], cap: int = QUEUE_CAP) -> list[str]:
    """Keys of the queue for ``filters`` in queue order (for next/previous), at most ``cap``."""
    where, params = _queue_where(filters)
    rows = db.query(
        "SELECT posts.key FROM posts JOIN verdicts ON verdicts.post_key = posts.key "
        f"WHERE {where} ORDER BY verdicts.score DESC, {_POSTED} DESC, posts.key LIMIT ?",
        [*params, cap],
    )
    return [row["key"] for row in rows]


def _decode_verdict_row(row: dict[str, Any]) -> dict[str, Any]:
    row["indicators"] = json.loads(row["indicators"])
    return row


def queue_facets(db: Database) -> dict[str, list[str]]:
    """The values the queue filters offer: platforms, sources, indicator codes and
    destination country codes seen in verdicts."""
    codes = db.query(
        "SELECT DISTINCT json_extract(i.value, '$.code') AS v FROM verdicts, "
        "json_each(verdicts.indicators) i WHERE verdicts.label != 'not_suspicious' ORDER BY v"
    )
    places = db.query(
        "SELECT DISTINCT substr(n, 1, instr(n || ' ', ' ') - 1) AS v FROM (SELECT "
        "json_extract(i.value, '$.note') AS n FROM verdicts, json_each(verdicts.indicators) i "
        "WHERE json_extract(i.value, '$.code') = 'DEST') ORDER BY v"
    )
    return {
        "platform": [
            r["v"] for r in db.query("SELECT DISTINCT platform AS v FROM posts ORDER BY v")
        ],
        "source": [
            r["v"]
            for r in db.query(
                "SELECT DISTINCT source AS v FROM posts WHERE source IS NOT NULL ORDER BY v"
            )
        ],
        "indicator": [r["v"] for r in codes if r["v"]],
        "destination": [r["v"] for r in places if r["v"]],
    }


# Review desk: one post, its network ------------------------------------------------------


def post_reviews(db: Database, key: str) -> list[dict[str, Any]]:
    """Every decision on ``key``, newest first."""
    return list(db.query("SELECT * FROM reviews WHERE post_key = ? ORDER BY id DESC", [key]))


def is_false_positive(db: Database, key: str) -> bool:
    """Whether ``key`` or a repost of it (same cluster) was last marked false positive."""
    fp = _FALSE_POSITIVE.format(col="?")
    return bool(next(iter(db.query(f"SELECT {fp} AS fp", [key] * fp.count("?"))))["fp"])


def post_entities(db: Database, key: str) -> list[dict[str, Any]]:
    """The contact entities of ``key`` with the number of posts each appears in."""
    return list(
        db.query(
            "SELECT entities.id, entities.kind, entities.value, (SELECT count(*) FROM "
            "post_entities pe WHERE pe.entity_id = entities.id) AS posts FROM post_entities "
            "JOIN entities ON entities.id = post_entities.entity_id WHERE post_entities.post_key "
            "= ? ORDER BY entities.kind, entities.value",
            [key],
        )
    )


def cluster_posts(db: Database, key: str) -> list[dict[str, Any]]:
    """Other posts in the repost cluster of ``key``, with their score and latest decision."""
    return list(
        db.query(
            "SELECT posts.key, posts.url, posts.source, posts.author, posts.first_seen_at, "
            f"verdicts.score, verdicts.label, {_LATEST_DECISION} AS decision FROM posts "
            "LEFT JOIN verdicts ON verdicts.post_key = posts.key WHERE posts.cluster_id = "
            "(SELECT cluster_id FROM posts WHERE key = ?) AND posts.key != ? "
            "ORDER BY posts.first_seen_at",
            [key, key],
        )
    )


def get_entity(db: Database, entity_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM entities WHERE id = ?", [entity_id]))
    return rows[0] if rows else None


def entity_posts(db: Database, entity_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """Posts carrying the entity, newest first, with their verdict and latest decision."""
    return list(
        db.query(
            "SELECT posts.key, posts.platform, posts.source, posts.author, posts.url, "
            "posts.posted_at, posts.first_seen_at, posts.last_seen_at, "
            "substr(posts.text, 1, 200) AS excerpt, verdicts.score, verdicts.label, "
            f"{_LATEST_DECISION} AS decision FROM post_entities JOIN posts ON posts.key = "
            "post_entities.post_key LEFT JOIN verdicts ON verdicts.post_key = posts.key "
            f"WHERE post_entities.entity_id = ? ORDER BY {_POSTED} DESC LIMIT ?",
            [entity_id, limit],
        )
    )


def co_entities(db: Database, entity_id: int, limit: int = 30) -> list[dict[str, Any]]:
    """Entities that appear in the same posts as ``entity_id``, with how many posts they
    share, most shared first."""
    return list(
        db.query(
            "SELECT entities.id, entities.kind, entities.value, count(*) AS shared "
            "FROM post_entities mine JOIN post_entities other ON other.post_key = mine.post_key "
            "AND other.entity_id != mine.entity_id JOIN entities ON entities.id = other.entity_id "
            "WHERE mine.entity_id = ? GROUP BY entities.id ORDER BY shared DESC, entities.value "
            "LIMIT ?",
            [entity_id, limit],
        )
    )


def entity_links(db: Database, entity_ids: list[int]) -> list[tuple[int, int, int]]:
    """``(a, b, posts shared)`` for every pair of ``entity_ids`` seen in a common post."""
    if not entity_ids:
        return []
    marks = ",".join("?" * len(entity_ids))
    rows = db.query(
        "SELECT a.entity_id AS a, b.entity_id AS b, count(*) AS n FROM post_entities a "
        "JOIN post_entities b ON b.post_key = a.post_key AND a.entity_id < b.entity_id "
        f"WHERE a.entity_id IN ({marks}) AND b.entity_id IN ({marks}) GROUP BY a.entity_id, "
        "b.entity_id",
        [*entity_ids, *entity_ids],
    )
    return [(row["a"], row["b"], row["n"]) for row in rows]


# Review desk: the dashboard -------------------------------------------------------------


def flagged_per_day(db: Database, since: datetime) -> list[dict[str, Any]]:
    """Suspicious posts per day (posting day, else the day first seen) since ``since``."""
    return list(
        db.query(
            f"SELECT substr({_POSTED}, 1, 10) AS day, count(*) AS n FROM posts JOIN verdicts "
            "ON verdicts.post_key = posts.key WHERE verdicts.label = 'suspicious' AND "
            f"{_POSTED} >= ? GROUP BY day ORDER BY day",
            [now_iso(since)[:10]],
        )
    )


def flagged_by(db: Database, what: str, limit: int = 15) -> list[dict[str, Any]]:
    """Suspicious posts counted by ``platform``, ``source``, ``indicator`` (code) or
    ``destination`` (country code of a DEST indicator), most first."""
    group = {
        "platform": "SELECT posts.platform AS v, posts.key FROM posts",
        "source": "SELECT posts.source AS v, posts.key FROM posts",
        "indicator": "SELECT DISTINCT json_extract(i.value, '$.code') AS v, posts.key FROM posts",
        "destination": "SELECT DISTINCT substr(json_extract(i.value, '$.note'), 1, "
        "instr(json_extract(i.value, '$.note') || ' ', ' ') - 1) AS v, posts.key FROM posts",
    }[what]
    join = "JOIN verdicts ON verdicts.post_key = posts.key"
    if what in ("indicator", "destination"):
        join += ", json_each(verdicts.indicators) i"
    only = " AND json_extract(i.value, '$.code') = 'DEST'" if what == "destination" else ""
    return list(
        db.query(
            f"SELECT v AS label, count(*) AS n FROM ({group} {join} "
            f"WHERE verdicts.label = 'suspicious'{only}) GROUP BY v ORDER BY n DESC, v LIMIT ?",
            [limit],
        )
    )


def top_contacts(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """Phone and WhatsApp numbers in the most suspicious posts."""
    return list(
        db.query(
            "SELECT entities.id, entities.kind, entities.value, count(*) AS n, "
            "min(posts.first_seen_at) AS first_seen, max(posts.last_seen_at) AS last_seen "
            "FROM entities JOIN post_entities pe ON pe.entity_id = entities.id "
            "JOIN posts ON posts.key = pe.post_key JOIN verdicts ON verdicts.post_key = posts.key "
            "WHERE entities.kind IN ('phone', 'whatsapp') AND verdicts.label = 'suspicious' "
            "GROUP BY entities.id ORDER BY n DESC, entities.value LIMIT ?",
            [limit],
        )
    )


def source_health(db: Database, since: datetime) -> list[dict[str, Any]]:
    """Each source's last run, its items, and its failed and blocked runs since ``since``."""
    return list(
        db.query(
            "SELECT sources.name, sources.spider, sources.last_run_at, sources.last_status, "
            "sources.last_error, (SELECT items_scraped FROM runs WHERE runs.source = sources.name "
            "ORDER BY id DESC LIMIT 1) AS last_items, (SELECT count(*) FROM runs WHERE "
            "runs.source = sources.name AND status = 'failed' AND started_at >= ?) AS failures, "
            "(SELECT count(*) FROM runs WHERE runs.source = sources.name AND status = 'blocked' "
            "AND started_at >= ?) AS blocked, (SELECT count(*) FROM posts WHERE posts.source = "
            "sources.name) AS posts FROM sources ORDER BY sources.name",
            [now_iso(since), now_iso(since)],
        )
    )
