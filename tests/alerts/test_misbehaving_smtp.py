"""The outbox against real SMTP servers on loopback that misbehave in ordinary ways.

Each server here does something real servers do: refuse one recipient for a while or
for good, answer 500 to QUIT after taking the message, refuse a message for its size,
trickle bytes, or drop the connection once the message is in.
"""

from __future__ import annotations

import email
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlite_utils import Database

from alerts.outbox import DeliveryReport, deliver, queue_alerts
from alerts.sink import MailSink
from crawler import store
from crawler.config import AlertConfig, SmtpConfig
from tests.support.alerts import (
    NOW,
    SENDER,
    ScriptedHandler,
    TricklingServer,
    scripted_server,
    seed_flagged_post,
    wait_for_messages,
)

FIRST, SECOND = "penyidik@example.org", "analis@example.org"
TWO = AlertConfig(recipients=(FIRST, SECOND), language="id")
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = store.open_store(tmp_path / "t.db")
    try:
        yield database
    finally:
        database.close()


def smtp_for(port: int, **changes: object) -> SmtpConfig:
    settings: dict[str, object] = {"host": "127.0.0.1", "port": port, "sender": SENDER}
    settings.update({"timeout_seconds": 5, **changes})
    return SmtpConfig(**settings)  # type: ignore[arg-type]


def queued(db: Database, tmp_path: Path, alerts: AlertConfig = TWO) -> str:
    key = seed_flagged_post(db, tmp_path / "evidence")
    assert queue_alerts(db, alerts, SENDER, now=NOW) == 1
    return key


def statuses(db: Database, key: str) -> dict[str, str]:
    return {r: d["status"] for r, d in store.get_deliveries(db, key).items()}


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def counts(report: DeliveryReport) -> tuple[int, int, int, int]:
    return report.sent, report.retried, report.failed, report.uncertain


def test_450_for_one_recipient_retries_that_recipient_only(db: Database, tmp_path: Path) -> None:
    key = queued(db, tmp_path)
    handler = ScriptedHandler(rcpt={SECOND: ["450 4.2.1 Kotak surat sibuk, coba lagi"]})
    with scripted_server(handler) as port:
        first = deliver(db, smtp_for(port), now=NOW)
        assert statuses(db, key) == {FIRST: "sent", SECOND: "queued"}
        second = deliver(db, smtp_for(port), now=LATER)
        third = deliver(db, smtp_for(port), now=LATER + timedelta(hours=7), ignore_backoff=True)
    assert (counts(first), counts(second), counts(third)) == (
        (1, 1, 0, 0),
        (1, 0, 0, 0),
        (0, 0, 0, 0),
    )
    assert handler.copies() == {FIRST: 1, SECOND: 1}
    ids = {parsed(raw)["Message-ID"] for _, raw in handler.received}
    assert ids == {store.get_alert(db, key)["message_id"]}
    assert statuses(db, key) == {FIRST: "sent", SECOND: "sent"}
    assert store.get_alert(db, key)["status"] == "sent"


def test_550_for_one_recipient_fails_that_recipient_only(db: Database, tmp_path: Path) -> None:
    key = queued(db, tmp_path)
    handler = ScriptedHandler(rcpt={SECOND: ["550 5.1.1 Kotak surat tidak ada"] * 9})
    with scripted_server(handler) as port:
        report = deliver(db, smtp_for(port), now=NOW)
        again = deliver(db, smtp_for(port), now=LATER + timedelta(hours=7), ignore_backoff=True)
    assert (counts(report), counts(again)) == ((1, 0, 1, 0), (0, 0, 0, 0))
    assert handler.copies() == {FIRST: 1}
    assert statuses(db, key) == {FIRST: "sent", SECOND: "failed"}
    [trouble] = store.troubled_deliveries(db)
    assert (trouble["recipient"], trouble["post_key"]) == (SECOND, key)
    assert "550 5.1.1" in trouble["last_error"]
    assert store.get_alert(db, key)["status"] == "failed", "one investigator missed it"


def test_500_to_quit_after_the_message_was_taken_is_sent(db: Database, tmp_path: Path) -> None:
    key = queued(db, tmp_path)
    handler = ScriptedHandler(quit="500 5.5.1 Kesalahan internal")
    with scripted_server(handler) as port:
        report = deliver(db, smtp_for(port), now=NOW)
    assert counts(report) == (2, 0, 0, 0)
    assert handler.copies() == {FIRST: 1, SECOND: 1}
    assert store.get_alert(db, key)["status"] == "sent"


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param({"data_size_limit": 60_000}, id="SIZE-limit-at-MAIL"),
        pytest.param({"data": "552 5.3.4 Pesan terlalu besar"}, id="552-to-the-message"),
    ],
)
def test_a_message_too_big_goes_again_without_attachments(
    db: Database, tmp_path: Path, refusal: dict[str, object]
) -> None:
    key = queued(db, tmp_path)
    folder = Path(store.get_evidence(db, key)["path"])
    (folder / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 800)
    limit = refusal.pop("data_size_limit", None)
    handler = TooBig(**refusal) if refusal else ScriptedHandler()
    options = {"data_size_limit": limit} if limit else {}
    with scripted_server(handler, **options) as port:
        report = deliver(db, smtp_for(port), now=NOW)
    assert counts(report) == (2, 0, 0, 0)
    [(recipients, raw)] = handler.received[-1:]
    message = parsed(raw)
    assert sorted(recipients) == sorted((FIRST, SECOND))
    assert [p.get_content_type() for p in message.walk() if p.get_filename()] == []
    text = message.get_body(("plain",)).get_content()
    assert "Tidak dilampirkan" in text and "screenshot.png" in text and str(folder) in text
    assert store.get_alert(db, key)["status"] == "sent"


class TooBig(ScriptedHandler):
    """Refuses every message that carries an attachment with ``data``; takes the rest."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = envelope.original_content or b""  # type: ignore[attr-defined]
        if b"filename=" in raw:
            return self.data
        self.received.append((list(envelope.rcpt_tos), raw))  # type: ignore[attr-defined]
        return "250 OK"


def test_a_bare_message_too_big_for_the_server_fails(db: Database, tmp_path: Path) -> None:
    key = queued(db, tmp_path)
    with scripted_server(ScriptedHandler(data="552 5.3.4 Terlalu besar")) as port:
        report = deliver(db, smtp_for(port), now=NOW)
    assert counts(report) == (0, 0, 2, 0)
    assert statuses(db, key) == {FIRST: "failed", SECOND: "failed"}


def delivering(db: Database, smtp: SmtpConfig) -> tuple[threading.Thread, list[DeliveryReport]]:
    """``deliver`` running in a thread (so a hang shows as a thread still alive)."""
    reports: list[DeliveryReport] = []
    thread = threading.Thread(
        target=lambda: reports.append(deliver(db, smtp, now=NOW)), daemon=True
    )
    thread.start()
    return thread, reports


@pytest.fixture
def thread_db(tmp_path: Path) -> Iterator[Database]:
    """A store usable from the delivering thread too."""
    store.open_store(tmp_path / "t.db").close()
    database = Database(sqlite3.connect(tmp_path / "t.db", check_same_thread=False))
    try:
        yield database
    finally:
        database.close()


@pytest.mark.parametrize(("at", "status"), [("greeting", "queued"), ("end", "uncertain")])
def test_a_trickling_server_cannot_hold_delivery_past_its_deadline(
    thread_db: Database, tmp_path: Path, at: str, status: str
) -> None:
    key = queued(thread_db, tmp_path)
    with TricklingServer(at) as server:
        started = time.monotonic()
        # 3 s: time enough to send the message on a busy machine before the deadline.
        thread, reports = delivering(thread_db, smtp_for(server.port, timeout_seconds=3))
        thread.join(8)  # a trickle would last half an hour
        assert not thread.is_alive(), "deliver is still talking to the trickling server"
    assert time.monotonic() - started < 8
    assert server.message_received.is_set() is (at == "end")
    assert statuses(thread_db, key) == {FIRST: status, SECOND: status}
    assert "smtp.timeout_seconds" in store.get_deliveries(thread_db, key)[FIRST]["last_error"]
    [report] = reports
    assert (report.retried, report.uncertain) == ((2, 0) if at == "greeting" else (0, 2))


def test_a_big_message_read_slowly_gets_time_by_its_size(
    thread_db: Database, tmp_path: Path
) -> None:
    key = queued(thread_db, tmp_path)
    folder = Path(store.get_evidence(thread_db, key)["path"])
    (folder / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2000)
    with TricklingServer("slow-read") as server:
        started = time.monotonic()
        thread, reports = delivering(thread_db, smtp_for(server.port, timeout_seconds=1))
        thread.join(20)
        assert not thread.is_alive()
    assert time.monotonic() - started > 2, "the message took longer than the bare deadline"
    assert server.message_received.is_set()
    assert statuses(thread_db, key) == {FIRST: "sent", SECOND: "sent"}
    assert counts(reports[0]) == (2, 0, 0, 0)


def test_a_connection_dropped_after_the_message_is_resent_under_the_same_id(
    db: Database, tmp_path: Path
) -> None:
    key = queued(db, tmp_path)
    dropping = ScriptedHandler(drop=True)
    with scripted_server(dropping) as port:
        report = deliver(db, smtp_for(port), now=NOW)
    assert counts(report) == (0, 0, 0, 2)
    assert statuses(db, key) == {FIRST: "uncertain", SECOND: "uncertain"}
    assert [r["recipient"] for r in store.troubled_deliveries(db)] == [FIRST, SECOND]
    with MailSink(tmp_path / "mail") as sink:
        assert deliver(db, smtp_for(sink.port), now=NOW + timedelta(seconds=30)).sent == 0
        assert deliver(db, smtp_for(sink.port), now=LATER).sent == 2
        [path] = wait_for_messages(sink, 1)
    [(_, first_copy)] = dropping.received
    assert parsed(path.read_bytes())["Message-ID"] == parsed(first_copy)["Message-ID"]
    assert statuses(db, key) == {FIRST: "sent", SECOND: "sent"}


def test_an_alert_cut_mid_send_by_a_crash_is_resent_under_the_same_id(
    db: Database, tmp_path: Path
) -> None:
    key = queued(db, tmp_path)
    assert store.claim_alert(db, store.get_alert(db, key)["id"], now=NOW)  # a worker died here
    with MailSink(tmp_path / "mail") as sink:
        report = deliver(db, smtp_for(sink.port), now=NOW + timedelta(minutes=1))
        [path] = wait_for_messages(sink, 1)
    assert counts(report) == (2, 0, 0, 0)
    assert parsed(path.read_bytes())["Message-ID"] == store.get_alert(db, key)["message_id"]
    assert store.get_alert(db, key)["status"] == "sent"


def test_a_live_senders_claim_is_left_alone(db: Database, tmp_path: Path) -> None:
    key = queued(db, tmp_path)
    assert store.claim_alert(db, store.get_alert(db, key)["id"], now=NOW)  # sending right now
    with MailSink(tmp_path / "mail") as sink:
        report = deliver(db, smtp_for(sink.port), now=NOW + timedelta(seconds=5))
        assert sink.messages() == []
    assert counts(report) == (0, 0, 0, 0)
    assert store.get_alert(db, key)["status"] == "sending"
