"""The outbox against a real SQLite store and real SMTP servers on loopback."""

from __future__ import annotations

import email
import logging
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlite_utils import Database

from alerts.outbox import deliver, message_id_domain, queue_alerts, retry_delay
from alerts.sink import MailSink
from crawler import store
from crawler.config import AlertConfig, SmtpConfig
from tests.support.alerts import (
    NOW,
    RECIPIENTS,
    SENDER,
    dead_port,
    refusing_server,
    sample_post,
    sample_verdict,
    seed_flagged_post,
    wait_for_messages,
)

ALERTS = AlertConfig(recipients=RECIPIENTS, language="id")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = store.open_store(tmp_path / "t.db")
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail") as server:
        yield server


def smtp_for(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, sender=SENDER, timeout_seconds=5)


def queued_key(db: Database, tmp_path: Path, key_id: str = "100") -> str:
    key = seed_flagged_post(db, tmp_path / "evidence", key_id)
    queue_alerts(db, ALERTS, SENDER, now=NOW)
    return key


# Queueing -----------------------------------------------------------------------------


def test_queue_adds_one_row_per_flagged_post(db: Database, tmp_path: Path) -> None:
    key = seed_flagged_post(db, tmp_path / "evidence")
    assert queue_alerts(db, ALERTS, SENDER, now=NOW) == 1
    alert = store.get_alert(db, key)
    assert alert is not None
    assert (alert["status"], alert["recipients"], alert["language"]) == (
        "queued",
        list(RECIPIENTS),
        "id",
    )
    assert alert["message_id"].endswith("@pantau.example.org>")


def test_queue_twice_adds_nothing_the_second_time(db: Database, tmp_path: Path) -> None:
    queued_key(db, tmp_path)
    assert queue_alerts(db, ALERTS, SENDER, now=NOW) == 0


def test_queue_without_recipients_queues_nothing_and_warns(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed_flagged_post(db, tmp_path / "evidence")
    with caplog.at_level(logging.WARNING, logger="alerts.outbox"):
        assert queue_alerts(db, AlertConfig(recipients=()), SENDER, now=NOW) == 0
    assert [r.message for r in caplog.records if "recipients" in r.message]


@pytest.mark.parametrize(
    ("sender", "domain"),
    [
        ("pantau@pantau.example.org", "pantau.example.org"),
        ("Pantau <alerts@example.net>", "example.net"),
        ("tanpa-domain", "localhost"),
        ("x@", "localhost"),
    ],
)
def test_message_id_domain(sender: str, domain: str) -> None:
    assert message_id_domain(sender) == domain


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(0, 1), (1, 2), (3, 8), (8, 256), (9, 360), (50, 360)],
)
def test_retry_delay_doubles_up_to_six_hours(attempts: int, minutes: int) -> None:
    assert retry_delay(attempts) == timedelta(minutes=minutes)


# Delivering ---------------------------------------------------------------------------


def test_delivered_alert_arrives_and_is_marked_sent(
    db: Database, tmp_path: Path, sink: MailSink
) -> None:
    key = queued_key(db, tmp_path)
    report = deliver(db, smtp_for(sink.port), now=NOW)
    [path] = wait_for_messages(sink, 1)
    received = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert received["X-Pantau-Post"] == key
    assert received["Subject"] == "[Pantau] Dugaan rekrutmen ilegal: Kamboja — skor 0.92"
    assert store.get_alert(db, key)["status"] == "sent"


def test_delivering_twice_sends_once(db: Database, tmp_path: Path, sink: MailSink) -> None:
    queued_key(db, tmp_path)
    deliver(db, smtp_for(sink.port), now=NOW)
    second = deliver(db, smtp_for(sink.port), now=NOW + timedelta(hours=1), ignore_backoff=True)
    assert second.sent == 0
    assert len(wait_for_messages(sink, 1)) == 1


def test_server_down_keeps_the_alert_queued(db: Database, tmp_path: Path) -> None:
    key = queued_key(db, tmp_path)
    report = deliver(db, smtp_for(dead_port()), now=NOW)
    alert = store.get_alert(db, key)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert (alert["status"], alert["attempts"]) == ("queued", 1)
    assert "ConnectionRefusedError" in alert["last_error"]
    assert alert["next_try_at"] == store.now_iso(NOW + timedelta(minutes=1))


def test_server_down_stops_the_pass(db: Database, tmp_path: Path) -> None:
    first = queued_key(db, tmp_path, "100")
    second = queued_key(db, tmp_path, "200")
    report = deliver(db, smtp_for(dead_port()), now=NOW)
    attempts = {key: store.get_alert(db, key)["attempts"] for key in (first, second)}
    assert report.retried == 1
    assert sorted(attempts.values()) == [0, 1]


def test_backoff_holds_a_failed_alert_back(db: Database, tmp_path: Path, sink: MailSink) -> None:
    queued_key(db, tmp_path)
    deliver(db, smtp_for(dead_port()), now=NOW)
    report = deliver(db, smtp_for(sink.port), now=NOW + timedelta(seconds=30))
    assert report.sent == 0
    assert sink.messages() == []


def test_after_a_failure_the_alert_goes_out_exactly_once(
    db: Database, tmp_path: Path, sink: MailSink
) -> None:
    key = queued_key(db, tmp_path)
    deliver(db, smtp_for(dead_port()), now=NOW)
    later = NOW + timedelta(minutes=2)
    assert deliver(db, smtp_for(sink.port), now=later).sent == 1
    assert deliver(db, smtp_for(sink.port), now=later, ignore_backoff=True).sent == 0
    assert len(wait_for_messages(sink, 1)) == 1
    assert store.get_alert(db, key)["attempts"] == 2


def test_false_positive_reviewed_before_delivery_is_never_sent(
    db: Database, tmp_path: Path, sink: MailSink
) -> None:
    key = queued_key(db, tmp_path)
    store.add_review(db, key, "false_positive", note="iklan resmi P3MI", now=NOW)
    report = deliver(db, smtp_for(sink.port), now=NOW, ignore_backoff=True)
    assert report.sent == 0
    assert sink.messages() == []
    assert store.get_alert(db, key)["status"] == "queued"


def test_recipient_refused_with_550_fails_for_good(db: Database, tmp_path: Path) -> None:
    key = queued_key(db, tmp_path)
    with refusing_server("550 5.1.1 Mailbox tidak ada") as (port, handler):
        report = deliver(db, smtp_for(port), now=NOW)
    alert = store.get_alert(db, key)
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert alert["status"] == "failed"
    assert "550" in alert["last_error"]
    assert handler.data_calls == 0


def test_recipient_refused_with_450_is_retried_without_stopping_the_pass(
    db: Database, tmp_path: Path
) -> None:
    queued_key(db, tmp_path, "100")
    queued_key(db, tmp_path, "200")
    with refusing_server("450 4.2.1 Coba lagi nanti") as (port, _):
        report = deliver(db, smtp_for(port), now=NOW)
    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    assert len(report.errors) == 2


def test_post_without_evidence_is_alerted_without_attachments(
    db: Database, tmp_path: Path, sink: MailSink
) -> None:
    post = sample_post("300")
    store.upsert_post(db, post, now=NOW)
    key = store.post_key("telegram", post["post_id"])
    store.save_verdict(db, key, sample_verdict(), "digest", now=NOW)
    for _ in range(store.MAX_CAPTURE_ATTEMPTS):
        store.save_evidence(db, key, path=None, manifest_sha256=None, error="timeout", now=NOW)
    assert queue_alerts(db, ALERTS, SENDER, now=NOW) == 1
    assert deliver(db, smtp_for(sink.port), now=NOW).sent == 1
    [path] = wait_for_messages(sink, 1)
    received = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert list(received.iter_attachments()) == []


def test_limit_caps_the_pass(db: Database, tmp_path: Path, sink: MailSink) -> None:
    for key_id in ("100", "200", "300"):
        queued_key(db, tmp_path, key_id)
    assert deliver(db, smtp_for(sink.port), now=NOW, limit=2).sent == 2
    assert deliver(db, smtp_for(sink.port), now=NOW, limit=2).sent == 1


def test_delivered_alert_links_to_the_review_desk_when_it_is_configured(
    db: Database, tmp_path: Path, sink: MailSink
) -> None:
    key = queued_key(db, tmp_path)
    report = deliver(db, smtp_for(sink.port), now=NOW, review_base_url="https://desk.example.org")
    assert report.sent == 1
    (path,) = wait_for_messages(sink, 1)
    assert f"https://desk.example.org/post/{key}" in path.read_text(errors="replace")
