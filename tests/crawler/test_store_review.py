"""The store's review-desk queries: accounts, throttling counts, the audit log, the queue
(paging, statuses, search), the dashboard's counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.errors import AccountError

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add(
    db: Database,
    number: int,
    score: float,
    text: str = "Loker admin Kamboja",
    label: str = "suspicious",
    indicators: list | None = None,
) -> str:
    item = {
        "platform": "telegram",
        "source": "demo",
        "post_id": f"c/{number}",
        "url": f"https://t.me/c/{number}",
        "text": text,
        "posted_at": (NOW - timedelta(hours=number)).isoformat(),
    }
    store.upsert_post(db, item, now=NOW)
    key = store.post_key("telegram", item["post_id"])
    verdict = {
        "score": score,
        "label": label,
        "model_version": "t",
        "indicators": indicators or [{"code": "DEST", "note": "KH (hub)", "text": "x"}],
    }
    store.save_verdict(db, key, verdict, store.get_post(db, key)["content_hash"])
    return key


def test_user_names_are_unique_and_roles_known(db: Database) -> None:
    store.add_user(db, "rina", "reviewer", "hash")
    with pytest.raises(AccountError, match="already exists"):
        store.add_user(db, "rina", "admin", "hash")
    with pytest.raises(AccountError, match="role must be one of"):
        store.add_user(db, "budi", "boss", "hash")


@pytest.mark.parametrize(
    "change",
    [
        lambda db: store.set_user_disabled(db, "rina"),
        lambda db: store.set_password(db, "rina", "new"),
        lambda db: store.end_sessions(db, "rina"),
    ],
)
def test_account_changes_bump_the_session_version(db: Database, change) -> None:
    store.add_user(db, "rina", "reviewer", "hash")
    before = store.get_user(db, "rina")["session_version"]
    change(db)
    assert store.get_user(db, "rina")["session_version"] == before + 1


def test_changing_an_unknown_account_fails(db: Database) -> None:
    with pytest.raises(AccountError, match="no such user"):
        store.set_user_disabled(db, "siapa")


def test_login_failures_count_inside_their_window(db: Database) -> None:
    for minutes in (1, 2, 20):
        store.record_login_failure(db, "rina", "10.0.0.1", now=NOW - timedelta(minutes=minutes))
    since = NOW - timedelta(minutes=15)
    assert store.login_failures(db, since, name="rina") == 2
    assert store.login_failures(db, since, address="10.0.0.1") == 2
    assert store.login_failures(db, since, address="10.0.0.2") == 0


def test_failures_older_than_a_day_are_dropped(db: Database) -> None:
    store.record_login_failure(db, "rina", "10.0.0.1", now=NOW - timedelta(days=2))
    store.record_login_failure(db, "budi", "10.0.0.2", now=NOW)
    assert store.count_rows(db, "login_failures") == 1


def test_successful_login_clears_the_account_failures(db: Database) -> None:
    store.add_user(db, "rina", "reviewer", "hash")
    store.record_login_failure(db, "rina", "10.0.0.1", now=NOW)
    store.record_login(db, "rina", now=NOW)
    assert store.login_failures(db, NOW - timedelta(hours=1), name="rina") == 0
    assert store.get_user(db, "rina")["last_login_at"] == store.now_iso(NOW)


def test_audit_log_is_newest_first(db: Database) -> None:
    for action in ("login", "decision", "export_case"):
        store.add_audit(db, "rina", action, "telegram:c/1", None, "10.0.0.1")
    assert [row["action"] for row in store.audit_log(db, limit=2)] == ["export_case", "decision"]


def test_queue_pages_and_total(db: Database) -> None:
    keys = [add(db, n, score=0.5 + n / 100) for n in range(1, 8)]
    first, total = store.review_queue(db, {}, limit=3)
    second, _ = store.review_queue(db, {}, limit=3, offset=3)
    assert total == 7
    assert [r["key"] for r in first + second] == list(reversed(keys))[:6]


def test_equal_scores_put_the_newest_first(db: Database) -> None:
    older, newer = add(db, 5, 0.9), add(db, 1, 0.9)
    assert [r["key"] for r in store.review_queue(db, {})[0]] == [newer, older]


@pytest.mark.parametrize(
    ("decisions", "status", "expected"),
    [
        ([], "todo", ["a", "b"]),
        ([("a", "needs_follow_up")], "todo", ["a", "b"]),
        ([("a", "needs_follow_up")], "unreviewed", ["b"]),
        ([("a", "confirmed")], "todo", ["b"]),
        ([("a", "confirmed")], "confirmed", ["a"]),
        ([("a", "false_positive"), ("a", "confirmed")], "confirmed", ["a"]),
        ([("a", "false_positive")], "false_positive", ["a"]),
        ([("a", "false_positive")], "all", ["a", "b"]),
        ([], "no-such-status", []),
    ],
)
def test_queue_status_follows_the_latest_decision(
    db: Database, decisions: list[tuple[str, str]], status: str, expected: list[str]
) -> None:
    keys = {"a": add(db, 1, 0.9), "b": add(db, 2, 0.8)}
    for name, decision in decisions:
        store.add_review(db, keys[name], decision)
    found = [r["key"] for r in store.review_queue(db, {"status": status})[0]]
    assert found == [keys[name] for name in expected]


@pytest.mark.parametrize(
    "query", ['"', "AND", "OR (", "NEAR(", "*", 'kamboja"; DROP TABLE posts; --']
)
def test_search_never_breaks_on_fts_syntax(db: Database, query: str) -> None:
    add(db, 1, 0.9)
    rows, total = store.review_queue(db, {"search": query})
    assert total == len(rows)


def test_search_matches_words_in_any_case(db: Database) -> None:
    key = add(db, 1, 0.9, text="Dicari operator di MYAWADDY")
    assert [r["key"] for r in store.review_queue(db, {"search": "myawaddy"})[0]] == [key]


def test_dashboard_counts(db: Database) -> None:
    add(db, 1, 0.9, indicators=[{"code": "DEST", "note": "KH (hub)"}, {"code": "FEE"}])
    add(
        db,
        2,
        0.9,
        indicators=[
            {"code": "DEST", "note": "MM (hub)"},
            {"code": "DEST", "note": "MM (paid in USD)"},
        ],
    )
    add(db, 3, 0.1, label="not_suspicious")
    assert {r["label"]: r["n"] for r in store.flagged_by(db, "destination")} == {"KH": 1, "MM": 1}
    assert {r["label"]: r["n"] for r in store.flagged_by(db, "indicator")} == {"DEST": 2, "FEE": 1}
    assert store.flagged_by(db, "platform") == [{"label": "telegram", "n": 2}]
    days = store.flagged_per_day(db, NOW - timedelta(days=3))
    assert sum(row["n"] for row in days) == 2


def test_source_health_counts_failed_and_blocked_runs(db: Database) -> None:
    db.execute("INSERT INTO sources (name, spider) VALUES ('demo', 'telegram')")
    for status in ("ok", "failed", "blocked", "blocked"):
        run = store.start_run(db, "telegram", "demo", NOW)
        store.finish_run(db, run, status, None, {"scraped": 4}, NOW)
    [row] = store.source_health(db, NOW - timedelta(days=1))
    assert (row["failures"], row["blocked"], row["last_items"], row["last_status"]) == (
        1,
        2,
        4,
        "blocked",
    )
