"""The local mail sink (a real aiosmtpd server) and send_message's success and error paths."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from alerts.sink import MailSink
from alerts.smtp import ServerUnavailable, classify_failure, send_message
from crawler.config import SmtpConfig
from crawler.errors import DeliveryError, PermanentDeliveryError
from tests.support.alerts import SENDER, dead_port, refusing_server, wait_for_messages

# aiosmtpd itself still sets the deprecated Session.login_data after a successful AUTH.
LOGIN_DATA_WARNING = "ignore:Session.login_data is deprecated:DeprecationWarning"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail") as server:
        yield server


def note(subject: str = "Uji Pantau", body: str = "Halo penyidik.") -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "penyidik@example.org"
    message["Subject"] = subject
    message.set_content(body)
    return message


def config(port: int, **changes: object) -> SmtpConfig:
    settings: dict[str, object] = {"host": "127.0.0.1", "port": port, "sender": SENDER}
    settings.update(timeout_seconds=5, **changes)
    return SmtpConfig(**settings)  # type: ignore[arg-type]


# The sink -----------------------------------------------------------------------------


def test_sink_listens_on_a_free_loopback_port(sink: MailSink) -> None:
    assert sink.host == "127.0.0.1"
    assert sink.port > 0


def test_two_sinks_get_different_ports(tmp_path: Path, sink: MailSink) -> None:
    with MailSink(tmp_path / "other") as other:
        assert other.port != sink.port


def test_sink_saves_the_raw_message_as_eml(sink: MailSink) -> None:
    raw = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: mentah\r\n\r\nisi\r\n"
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        client.sendmail("a@example.org", ["b@example.org"], raw)
    [path] = wait_for_messages(sink, 1)
    assert path.suffix == ".eml"
    assert path.stem.endswith("-1")
    assert path.read_bytes() == raw


def test_sink_numbers_messages_in_arrival_order(sink: MailSink) -> None:
    for number in range(3):
        send_message(note(subject=f"pesan {number}"), config(sink.port))
    paths = wait_for_messages(sink, 3)
    assert [b"pesan %d" % n in p.read_bytes() for n, p in enumerate(paths)] == [True] * 3


def test_sink_accepts_a_screenshot_sized_message(sink: MailSink) -> None:
    message = note()
    message.add_attachment(b"\x00" * 3_000_000, "image", "png", filename="screenshot.png")
    send_message(message, config(sink.port))
    [path] = wait_for_messages(sink, 1)
    assert path.stat().st_size > 3_000_000


def test_stopped_sink_frees_its_port(tmp_path: Path) -> None:
    with MailSink(tmp_path / "mail") as server:
        port = server.port
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 2):
        pass


# send_message -------------------------------------------------------------------------


def test_send_message_delivers(sink: MailSink) -> None:
    send_message(note(), config(sink.port))
    [path] = wait_for_messages(sink, 1)
    assert b"Subject: Uji Pantau" in path.read_bytes()


def test_nothing_listening_is_server_unavailable() -> None:
    with pytest.raises(ServerUnavailable, match="ConnectionRefusedError") as caught:
        send_message(note(), config(dead_port()))
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


def test_starttls_against_a_server_without_it_is_a_clear_error(sink: MailSink) -> None:
    with pytest.raises(ServerUnavailable, match="smtp.security"):
        send_message(note(), config(sink.port, security="starttls"))
    assert sink.messages() == []


def test_ssl_against_a_plain_server_is_a_delivery_error(sink: MailSink) -> None:
    with pytest.raises(ServerUnavailable, match="SSL"):
        send_message(note(), config(sink.port, security="ssl"))


def test_login_against_a_server_without_auth_is_a_clear_error(sink: MailSink) -> None:
    with pytest.raises(ServerUnavailable, match="smtp.username"):
        send_message(note(), config(sink.port, username="pantau", password="rahasia"))


@pytest.mark.filterwarnings(LOGIN_DATA_WARNING)
def test_login_with_the_right_password_delivers(tmp_path: Path) -> None:
    with MailSink(tmp_path / "mail", credentials=("pantau", "rahasia")) as server:
        send_message(note(), config(server.port, username="pantau", password="rahasia"))
        assert len(wait_for_messages(server, 1)) == 1


def test_login_with_a_wrong_password_is_temporary(tmp_path: Path) -> None:
    with MailSink(tmp_path / "mail", credentials=("pantau", "rahasia")) as server:
        with pytest.raises(ServerUnavailable, match="535"):
            send_message(note(), config(server.port, username="pantau", password="salah"))
        assert server.messages() == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("550 5.1.1 Mailbox tidak ada", PermanentDeliveryError),
        ("450 4.2.1 Coba lagi nanti", DeliveryError),
        ("421 4.3.2 Layanan tidak tersedia", ServerUnavailable),
    ],
)
def test_refused_recipients(reply: str, error: type[DeliveryError]) -> None:
    with refusing_server(reply) as (port, _), pytest.raises(error) as caught:
        send_message(note(), config(port))
    assert type(caught.value) is error
    assert reply[:3] in str(caught.value)


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (smtplib.SMTPServerDisconnected("closed"), ServerUnavailable),
        (smtplib.SMTPAuthenticationError(535, b"no"), ServerUnavailable),
        (smtplib.SMTPSenderRefused(553, b"bad sender", SENDER), ServerUnavailable),
        (smtplib.SMTPDataError(554, b"spam"), PermanentDeliveryError),
        (smtplib.SMTPDataError(451, b"later"), DeliveryError),
        (smtplib.SMTPDataError(421, b"closing"), ServerUnavailable),
        (TimeoutError("timed out"), ServerUnavailable),
        (
            smtplib.SMTPRecipientsRefused({"a@x": (550, b"no"), "b@x": (451, b"later")}),
            DeliveryError,
        ),
    ],
)
def test_classify_failure(failure: Exception, error: type[DeliveryError]) -> None:
    assert type(classify_failure(failure)) is error
