"""``pantau deliver --list`` and ``--requeue ID`` against a real store and SMTP servers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from alerts.outbox import queue_alerts
from alerts.sink import MailSink
from crawler import store
from crawler.config import AlertConfig
from pantau.cli import main
from tests.support.alerts import (
    NOW,
    SENDER,
    ScriptedHandler,
    scripted_server,
    seed_flagged_post,
    wait_for_messages,
)

FIRST, SECOND = "penyidik@example.org", "analis@example.org"


def write_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "pantau.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "{SENDER}"\ntimeout_seconds = 5\n'
        f'[alerts]\nrecipients = ["{FIRST}", "{SECOND}"]\n',
        encoding="utf-8",
    )
    return config


def pantau(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["deliver", "--config", str(config), *args])


def queued_alert(tmp_path: Path) -> tuple[str, int]:
    with store.connect(tmp_path / "data" / "pantau.db") as db:
        key = seed_flagged_post(db, tmp_path / "evidence")
        queue_alerts(db, AlertConfig(recipients=(FIRST, SECOND)), SENDER, now=NOW)
        return key, store.get_alert(db, key)["id"]


def test_a_refused_recipient_is_listed_and_requeued_by_hand(tmp_path: Path) -> None:
    key, alert_id = queued_alert(tmp_path)
    handler = ScriptedHandler(rcpt={SECOND: ["550 5.1.1 Kotak surat tidak ada"]})
    with scripted_server(handler) as port:
        first = pantau(write_config(tmp_path, port))
    assert first.exit_code == 1
    assert "sent 1, still queued 0, failed 1, uncertain 0" in first.output

    listed = pantau(write_config(tmp_path, port), "--list")
    assert listed.exit_code == 0
    assert (
        f"alert {alert_id} failed {SECOND} ({key}, 1 tries): refused at RCPT: 550 5.1.1"
        in listed.output
    )
    assert FIRST not in listed.output

    with MailSink(tmp_path / "mail") as sink:
        again = pantau(write_config(tmp_path, sink.port), "--requeue", str(alert_id))
        [path] = wait_for_messages(sink, 1)
    assert again.exit_code == 0, again.output
    assert f"alert {alert_id}: 1 delivery(ies) requeued" in again.output
    assert "sent 1," in again.output
    assert f"To: {FIRST}, {SECOND}" in path.read_text(encoding="utf-8")
    assert handler.copies() == {FIRST: 1}
    assert "no failed or uncertain deliveries" in pantau(write_config(tmp_path, 1), "--list").output


def test_requeue_of_an_unknown_or_healthy_alert_says_so(tmp_path: Path) -> None:
    _, alert_id = queued_alert(tmp_path)
    config = write_config(tmp_path, 1)
    unknown = pantau(config, "--requeue", "999")
    assert unknown.exit_code == 2
    assert "no alert with id 999" in unknown.output
    healthy = pantau(config, "--requeue", str(alert_id))
    assert healthy.exit_code == 2
    assert "has no failed or uncertain delivery" in healthy.output
