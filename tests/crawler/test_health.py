"""Health: the problems a source's runs, stuck work and the disk show, their episodes in
the store, the admin email told once per start and end, /healthz and /metrics."""

from __future__ import annotations

import email
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from alerts.admin import compose_health_email, tell_admins
from alerts.sink import MailSink
from crawler import store
from crawler.config import HealthConfig, parse_config
from crawler.errors import ConfigError
from crawler.health import assess, disk_problems, serve_health, source_problems
from scheduler import watch_health
from tests.support.alerts import dead_port, wait_for_messages

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
HEALTH = HealthConfig(failure_streak=3, zero_item_runs=3)


def run(status: str, items: int = 5, reason: str | None = None) -> dict[str, Any]:
    return {"status": status, "items_scraped": items, "reason": reason}


@pytest.mark.parametrize(
    ("runs", "kind"),
    [
        ([], None),
        ([run("ok")], None),
        ([run("failed", 0, "refused"), run("failed", 0, "refused"), run("ok")], None),
        ([run("failed", 0, "refused")] * 3, "failing"),
        (
            [run("interrupted", 0, "killed"), run("failed", 0, "x"), run("failed", 0, "y")],
            "failing",
        ),
        ([run("blocked", 0, "blocked: login wall at https://www.facebook.com/login")], "blocked"),
        ([run("ok", 0)] * 3 + [run("ok", 12)] * 4, "silent"),
        ([run("ok", 0)] * 2 + [run("ok", 12)] * 4, None),
        ([run("ok", 0)] * 5, None),  # a quiet channel that never had posts is not broken
        ([run("ok", 3), run("ok", 0), run("ok", 0), run("ok", 0), run("ok", 9)], None),
    ],
)
def test_source_problems_from_runs(runs: list[dict[str, Any]], kind: str | None) -> None:
    problems = source_problems("loker", runs, HEALTH)
    assert [p.kind for p in problems] == ([kind] if kind else [])
    assert all(p.key == f"source:loker:{kind}" and p.source == "loker" for p in problems)


def test_failing_message_names_the_count_and_the_last_error() -> None:
    runs = [run("failed", 0, "Could not fetch http://127.0.0.1:9/s/x: refused")] * 4
    (problem,) = source_problems("loker", runs, HEALTH)
    assert problem.message == (
        "loker: the last 4 runs failed; last error: Could not fetch http://127.0.0.1:9/s/x: refused"
    )


@pytest.mark.parametrize(("free_mb", "expected"), [(2048, []), (100, ["disk"])])
def test_low_disk(tmp_path: Path, free_mb: int, expected: list[str]) -> None:
    found = disk_problems(tmp_path, HealthConfig(min_free_mb=1024), lambda _: free_mb << 20)
    assert [p.kind for p in found] == expected


def config_for(tmp_path: Path, **health: Any) -> Any:
    raw = {
        "data_dir": str(tmp_path / "data"),
        "health": {"admin_recipients": ["admin@example.org"], **health},
        "sources": [{"name": "loker", "spider": "telegram", "args": {"channel": "loker"}}],
    }
    return parse_config(raw, {})


def record_runs(db: Database, statuses: list[str], start: datetime = NOW) -> None:
    for number, status in enumerate(statuses):
        run_id = store.start_run(db, "telegram", "loker", now=start + timedelta(minutes=number))
        counts = {"scraped": 5 if status == "ok" else 0}
        reason = "finished" if status == "ok" else "Could not fetch: refused"
        store.finish_run(db, run_id, status, reason, counts, now=start + timedelta(minutes=number))


def test_stuck_run_and_stage(db: Database, tmp_path: Path) -> None:
    config = config_for(tmp_path, stuck_minutes=60)
    store.start_run(db, "telegram", "loker", now=NOW - timedelta(minutes=90))
    store.upsert_post(
        db,
        {
            "platform": "telegram",
            "source": "loker",
            "post_id": "loker/1",
            "url": "https://t.me/1",
            "text": "x",
            "images": [],
        },
        now=NOW - timedelta(minutes=65),
    )
    kinds = sorted(p.key for p in assess(db, config, NOW, free_bytes=lambda _: 1 << 40))
    assert kinds == ["stuck:classify", "stuck:run:1"]
    assert assess(db, config, NOW - timedelta(minutes=31), lambda _: 1 << 40) == []


def test_problem_episodes_are_told_once_at_start_and_once_at_end(
    db: Database, tmp_path: Path
) -> None:
    with MailSink(tmp_path / "mail") as sink:
        config = config_for(tmp_path, min_free_mb=0)
        config = _with_smtp(config, sink)
        store.sync_sources(db, config.sources)
        for status in ("failed", "failed"):
            record_runs(db, [status])
            assert watch_health(db, config, NOW) == 0
        record_runs(db, ["failed"])
        assert watch_health(db, config, NOW) == 1
        assert watch_health(db, config, NOW) == 1  # still broken: no second email
        (first,) = wait_for_messages(sink, 1)
        record_runs(db, ["ok"])
        assert watch_health(db, config, NOW) == 0
        messages = wait_for_messages(sink, 2)
    assert len(messages) == 2
    problem = email.message_from_bytes(first.read_bytes(), policy=default_policy)
    recovered = email.message_from_bytes(
        next(m for m in messages if m != first).read_bytes(), policy=default_policy
    )
    assert problem["Subject"] == "[Pantau] Pantau perlu diperiksa"
    assert "loker: the last 3 runs failed" in problem.get_content()
    assert recovered["Subject"] == "[Pantau] Pantau pulih"
    assert "Sudah teratasi" in recovered.get_content()
    assert store.open_problems(db) == []


def record_posts_per_run(db: Database, counts: list[int]) -> None:
    """Finished ``ok`` runs of source loker that brought ``counts`` posts each."""
    for number, scraped in enumerate(counts):
        when = NOW + timedelta(minutes=number)
        run_id = store.start_run(db, "telegram", "loker", now=when)
        store.finish_run(db, run_id, "ok", "finished", {"scraped": scraped}, now=when)


def test_a_silence_longer_than_the_runs_looked_at_stays_one_problem(
    db: Database, tmp_path: Path
) -> None:
    """The soak benchmark's changed page: once the empty runs outnumbered the runs health
    looked at, it forgot that the source used to bring posts and closed the problem (a
    recovery email for a source still broken)."""
    config = config_for(tmp_path, min_free_mb=0)
    store.sync_sources(db, config.sources)
    record_posts_per_run(db, [7] * 5)
    changes = []
    for _ in range(30):
        record_posts_per_run(db, [0])
        problems = assess(db, config, NOW, free_bytes=lambda _: 1 << 40)
        changes.append(store.sync_problems(db, [p.to_dict() for p in problems], NOW))
    assert [p.kind for p in problems] == ["silent"]
    assert sum(opened for opened, _ in changes) == 1
    assert sum(closed for _, closed in changes) == 0
    record_posts_per_run(db, [2])  # the spider is mended: posts again
    assert assess(db, config, NOW, free_bytes=lambda _: 1 << 40) == []


def test_an_unsent_health_email_is_tried_again(db: Database, tmp_path: Path) -> None:
    config = config_for(tmp_path, min_free_mb=0)
    config = _with_port(config, dead_port())
    record_runs(db, ["failed"] * 3)
    watch_health(db, config, NOW)
    assert store.problems_to_tell(db)[0]  # not sent: still to tell
    with MailSink(tmp_path / "mail") as sink:
        assert tell_admins(db, _with_smtp(config, sink), NOW) == 1
        wait_for_messages(sink, 1)
    assert store.problems_to_tell(db) == ([], [])


def test_health_email_escapes_nothing_and_cuts_long_messages() -> None:
    row = {"message": "x" * 2000 + "\nSubject: injected", "opened_at": "2026-12-02T08:00:00+00:00"}
    message = compose_health_email(
        [row], [], sender="pantau@example.org", recipients=["a@example.org"], language="en"
    )
    body = message.get_content()
    assert "Subject: injected" not in body
    assert message["Subject"] == "[Pantau] Pantau needs attention"


def test_healthz_and_metrics(db: Database, tmp_path: Path) -> None:
    config = config_for(tmp_path, min_free_mb=0)
    with store.connect(config.db_path) as own:
        store.sync_sources(own, config.sources)
        record_runs(own, ["ok"])
    with serve_health(config, ("127.0.0.1", 0)) as (host, port):
        with urllib.request.urlopen(f"http://{host}:{port}/healthz") as response:
            body = json.loads(response.read())
        assert body["status"] == "ok"
        with store.connect(config.db_path) as own:
            record_runs(own, ["failed"] * 3, start=NOW + timedelta(hours=1))
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"http://{host}:{port}/healthz")
        assert failed.value.code == 503
        with failed.value:
            problems = json.loads(failed.value.read())["problems"]
        assert [p["key"] for p in problems] == ["source:loker:failing"]
        with urllib.request.urlopen(f"http://{host}:{port}/metrics") as response:
            metrics = response.read().decode()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://{host}:{port}/admin")
        missing.value.close()
    assert 'pantau_health_problems{kind="failing"} 1.0' in metrics
    assert 'pantau_source_last_run_ok{source="loker"} 0.0' in metrics
    assert missing.value.code == 404


@pytest.mark.parametrize(
    ("health", "message"),
    [
        ({"listen": "9108"}, "health.listen: expected host:port"),
        ({"listen": "127.0.0.1:70000"}, "health.listen: port must be between 1 and 65535"),
        ({"admin_recipients": "admin@example.org"}, "health.admin_recipients: must be a list"),
        ({"failure_streak": 0}, "health.failure_streak: must be between 1 and 100"),
        ({"colour": "red"}, "health.colour: unknown setting"),
    ],
)
def test_wrong_health_settings_name_the_key(health: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"health": health}, {})


def _with_smtp(config: Any, sink: MailSink) -> Any:
    import dataclasses

    smtp = dataclasses.replace(config.smtp, host=sink.host, port=sink.port)
    return dataclasses.replace(config, smtp=smtp)


def _with_port(config: Any, port: int) -> Any:
    import dataclasses

    return dataclasses.replace(config, smtp=dataclasses.replace(config.smtp, port=port))
