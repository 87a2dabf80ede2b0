"""Hand one composed alert to the SMTP server and say, per recipient, how it went.

``send_to`` opens one connection per message (alerts are few; a long-lived connection
would only add states to get wrong), speaks the conversation step by step so that it
knows how far it got, always closes the connection, and returns a ``SendResult``: one
``Outcome`` per recipient.

    outcome      when
    ===========  ==============================================================
    sent         the server answered 2xx to the end of the message. Whatever happens
                 afterwards (a 500 or a dropped connection at QUIT) changes nothing.
    retry        a 4xx for this recipient (RCPT) or for the message, or the conversation
                 broke off before the end of the message was sent: it surely did not arrive
    failed       a 5xx for this recipient, or for the message (except 552, see below)
    uncertain    the end of the message was sent but no reply came (dropped connection,
                 or the deadline passed): it may have arrived

``SendResult.stop`` says the server cannot take any alert now (down, unreachable, 421,
our TLS/login/sender settings do not fit it, or it is too slow): the pass should stop,
since the next alerts would fail alike. Login and TLS problems count as temporary: they
are configuration problems that hit every alert alike, and keeping the alerts queued
means they go out as soon as the operator fixes the setting.

``SendResult.too_big`` is set when the server refused the message for its size (552 to
MAIL with ``SIZE=`` or to the end of DATA): the caller sends it again without
attachments.

The whole conversation has a deadline (``smtp.timeout_seconds``, plus one second per
``SEND_RATE`` bytes of message once the message itself is being sent, so that a big alert
over a slow line is not mistaken for a stuck server), not only each socket operation: a
watchdog thread shuts the socket down when it passes, so a server that trickles one byte
at a time cannot hold the caller.

``send_message`` is the simple form for one-off messages (tests, notices): it raises a
``DeliveryError`` when no recipient took the message.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from types import TracebackType

from crawler.config import SmtpConfig
from crawler.errors import DeliveryError, PermanentDeliveryError

log = logging.getLogger(__name__)

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
UNCERTAIN = "uncertain"
TOO_BIG = 552
# Bytes per second a message is given on top of smtp.timeout_seconds while it is sent
# (about 0.8 Mbit/s: a 10 MB alert gets 100 s more).
SEND_RATE = 100_000


class ServerUnavailable(DeliveryError):
    """The SMTP server cannot take any alert right now (down, unreachable, or it does not
    accept our TLS/login settings). Later alerts of the same pass would fail alike."""


@dataclass(frozen=True)
class Outcome:
    """How the message went for one recipient, and why when it did not simply go."""

    status: str
    error: str | None = None


@dataclass
class SendResult:
    """Per-recipient outcomes of one conversation (see the module docstring)."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    stop: bool = False
    too_big: bool = False
    cause: BaseException | None = None

    def recipients(self, status: str) -> list[str]:
        return [r for r, outcome in self.outcomes.items() if outcome.status == status]


def send_to(message: EmailMessage, smtp: SmtpConfig, recipients: list[str]) -> SendResult:
    """Send ``message`` to ``recipients`` through the server in ``smtp``, within
    ``smtp.timeout_seconds`` for the whole conversation; never raises for SMTP, socket or
    TLS problems (they become outcomes)."""
    talk = _Conversation(smtp, recipients)
    talk.run(message)
    return talk.result


def send_message(message: EmailMessage, smtp: SmtpConfig) -> dict[str, Outcome]:
    """Send ``message`` to the addresses in its To/Cc headers; the recipients it did not
    reach when some took it. Raises a ``DeliveryError`` subclass (chained with ``from``
    to the original error when there is one) when no recipient took it."""
    recipients = [address for _, address in getaddresses(message.get_all("To", []))]
    recipients += [address for _, address in getaddresses(message.get_all("Cc", []))]
    result = send_to(message, smtp, recipients)
    missed = {r: o for r, o in result.outcomes.items() if o.status != SENT}
    if len(missed) < len(result.outcomes):
        if missed:
            log.warning(
                "Message %s not taken for some recipients: %s", message["Message-ID"], missed
            )
        return missed
    raise _as_error(result) from result.cause


def _as_error(result: SendResult) -> DeliveryError:
    text = "; ".join(sorted({o.error or o.status for o in result.outcomes.values()}))
    if result.stop:
        return ServerUnavailable(text)
    if all(o.status == FAILED for o in result.outcomes.values()):
        return PermanentDeliveryError(text)
    return DeliveryError(text)


class _Conversation:
    """One SMTP conversation, tracking how far it got (see ``send_to``)."""

    def __init__(self, smtp: SmtpConfig, recipients: list[str]) -> None:
        self.smtp = smtp
        self.result = SendResult()
        self.pending = list(dict.fromkeys(recipients))  # no outcome yet
        self.accepted: list[str] = []  # RCPT said yes; waiting for the message's fate
        self.end_sent = False
        self.client = _client(smtp)
        self.watchdog: _Watchdog

    def run(self, message: EmailMessage) -> None:
        with _Watchdog(self.client, self.smtp.timeout_seconds) as watchdog:
            self.watchdog = watchdog
            try:
                self._converse(message)
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                self._broken_off(exc, watchdog.expired)
            finally:
                self._close()

    def _converse(self, message: EmailMessage) -> None:
        data, options = _flatten(message)
        self.client.connect(self.smtp.host, self.smtp.port)
        _start_session(self.client, self.smtp)
        if "size" in self.client.esmtp_features:
            options.append(f"SIZE={len(data)}")
        if self._mail(options) and self._rcpt_all() and self._data(data):
            self._end()

    def _mail(self, options: list[str]) -> bool:
        code, reply = self.client.mail(self.smtp.sender, options)
        if code == 250:
            return True
        # The sender comes from our settings: every alert would be refused alike.
        self.result.too_big = code == TOO_BIG
        self.result.stop = code != TOO_BIG
        self._settle(self.pending, RETRY, f"sender refused: {code} {_text(reply)}")
        return False

    def _rcpt_all(self) -> bool:
        for recipient in list(self.pending):
            code, reply = self.client.rcpt(recipient)
            text = f"refused at RCPT: {code} {_text(reply)}"
            if code in (250, 251):
                self.accepted.append(recipient)
                self.pending.remove(recipient)
            elif code == 421:
                self.result.stop = True
                self._settle(self.pending + self.accepted, RETRY, text)
                return False
            elif code >= 500 and code != TOO_BIG:  # 552 here is "too many recipients": 452
                self._settle([recipient], FAILED, text)
            else:
                self._settle([recipient], RETRY, text)
        if not self.accepted:
            self.client.rset()
        return bool(self.accepted)

    def _data(self, data: bytes) -> bool:
        """DATA, the message, and the server's verdict on it; True when it was taken."""
        code, reply = self.client.docmd("data")
        if code != 354:
            self._message_refused(code, reply)
            return False
        payload = _dot_quoted(data)
        # A big message over a slow line is not a trickling server: it gets time by size,
        # both in all and for each write or read (the reply waits for the server to read).
        allowance = len(payload) / SEND_RATE
        self.watchdog.extend(allowance)
        if self.client.sock is not None:
            self.client.sock.settimeout(self.smtp.timeout_seconds + allowance)
        self.client.send(payload)
        self.end_sent = True
        code, reply = self.client.getreply()
        if 200 <= code < 300:
            self._settle(self.accepted, SENT)
            return True
        self._message_refused(code, reply)
        return False

    def _message_refused(self, code: int, reply: bytes) -> None:
        text = f"message refused: {code} {_text(reply)}"
        self.result.too_big = code == TOO_BIG
        self.result.stop = code == 421
        permanent = code >= 500 and code != TOO_BIG
        self._settle(self.accepted, FAILED if permanent else RETRY, text)

    def _end(self) -> None:
        # The message is accepted: nothing said after this (a 500 to QUIT, a dropped
        # connection) makes it less sent.
        try:
            code, reply = self.client.docmd("quit")
            if code != 221:
                log.info("Server answered %d %s to QUIT (ignored)", code, _text(reply))
        except (smtplib.SMTPException, OSError) as exc:
            log.info("Error after the message was accepted (ignored): %s", _describe(exc))

    def _broken_off(self, exc: BaseException, expired: bool) -> None:
        text = (
            f"not done within smtp.timeout_seconds ({self.smtp.timeout_seconds:g} s, "
            f"plus 1 s per {SEND_RATE // 1000} kB of message once it is being sent)"
            if expired
            else describe_failure(exc)
        )
        self.result.cause = exc
        if self.end_sent:
            self._settle(self.accepted, UNCERTAIN, f"cut off after the message was sent: {text}")
        else:
            self.result.stop = expired or isinstance(classify_failure(exc), ServerUnavailable)
            self._settle(self.accepted, RETRY, text)
        self._settle(self.pending, RETRY, text)

    def _settle(self, recipients: list[str], status: str, error: str | None = None) -> None:
        for recipient in list(recipients):
            self.result.outcomes[recipient] = Outcome(status, error)
            for waiting in (self.pending, self.accepted):
                if recipient in waiting:
                    waiting.remove(recipient)

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self.client.close()


class _Watchdog:
    """Shuts the client's socket down once ``seconds`` have passed, and keeps doing so
    for any socket opened later, until the ``with`` block ends."""

    def __init__(self, client: smtplib.SMTP, seconds: float) -> None:
        self.client = client
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="smtp-deadline", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def extend(self, seconds: float) -> None:
        """Move the deadline ``seconds`` later (unless it has passed already)."""
        self.deadline += seconds

    def _watch(self) -> None:
        # Wait until the deadline, which ``extend`` may move while we wait.
        while (remaining := self.deadline - time.monotonic()) > 0:
            if self._done.wait(remaining):
                return
        self.expired = True
        passed = getattr(self.client, "deadline_passed", None)
        if passed is not None:
            passed.set()
        while True:
            self._cut()
            if self._done.wait(0.05):
                return

    def _cut(self) -> None:
        sock = getattr(self.client, "sock", None)
        if sock is None:
            return
        # The plain socket's shutdown, also for a TLS socket: it wakes a blocked
        # recv/send in the other thread without touching the TLS state.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _DeadlineReplies:
    """Mixed into the client: a reply read once the deadline has passed is refused, since
    the watchdog's cut may have ended it early (``smtplib`` takes a cut ``250 ...``
    without its line end as a whole reply)."""

    deadline_passed: threading.Event

    def getreply(self) -> tuple[int, bytes]:
        reply = super().getreply()  # type: ignore[misc]
        if self.deadline_passed.is_set():
            raise smtplib.SMTPServerDisconnected("the conversation's deadline passed")
        return reply  # type: ignore[no-any-return]


class _PlainClient(_DeadlineReplies, smtplib.SMTP):
    pass


class _SslClient(_DeadlineReplies, smtplib.SMTP_SSL):
    pass


def _client(smtp: SmtpConfig) -> smtplib.SMTP:
    """An unconnected client (``connect`` comes later, under the watchdog)."""
    client: _PlainClient | _SslClient
    if smtp.security == "ssl":
        client = _SslClient(timeout=smtp.timeout_seconds, context=ssl.create_default_context())
    else:
        client = _PlainClient(timeout=smtp.timeout_seconds)
    client.deadline_passed = threading.Event()
    # The name TLS checks the certificate against (set by the constructor's host,
    # which we leave out so that connecting happens under the watchdog).
    client._host = smtp.host  # noqa: SLF001
    return client


def _start_session(client: smtplib.SMTP, smtp: SmtpConfig) -> None:
    client.ehlo()
    if smtp.security == "starttls":
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    if smtp.username:
        client.login(smtp.username, smtp.password)


def _flatten(message: EmailMessage) -> tuple[bytes, list[str]]:
    """The message as sent (CRLF line ends, no Bcc) and the MAIL options it needs."""
    if "Bcc" in message:
        message = copy.copy(message)
        del message["Bcc"]
    try:
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n")), []
    except UnicodeEncodeError:  # an address outside ASCII needs SMTPUTF8
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n", utf8=True))
        return data, ["SMTPUTF8", "BODY=8BITMIME"]


def _dot_quoted(data: bytes) -> bytes:
    """``data`` as the DATA payload: leading dots doubled, ended by CRLF.CRLF."""
    quoted = smtplib._quote_periods(data)  # noqa: SLF001 - the standard dot-stuffing
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def classify_failure(exc: BaseException) -> DeliveryError:
    """The ``DeliveryError`` that says how to treat ``exc``, an exception of ``smtplib``
    or of a socket (ServerUnavailable for everything not about one message)."""
    text = describe_failure(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _by_recipient_codes([code for code, _ in exc.recipients.values()], text)
    if isinstance(exc, _SERVER_LEVEL):
        return ServerUnavailable(text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, text)
    # Sockets, TLS, timeouts (OSError; note smtplib's own errors are OSErrors too).
    return ServerUnavailable(text)


# Failures that say nothing about the alert itself. SMTPSenderRefused is here because the
# sender comes from our settings: every alert would be refused alike.
_SERVER_LEVEL = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
)


def _by_recipient_codes(codes: list[int], text: str) -> DeliveryError:
    if 421 in codes:
        return ServerUnavailable(text)
    if codes and all(code >= 500 for code in codes):
        return PermanentDeliveryError(text)
    return DeliveryError(text)


def _by_code(code: int, text: str) -> DeliveryError:
    if code == 421:  # "service not available, closing channel"
        return ServerUnavailable(text)
    if code >= 500:
        return PermanentDeliveryError(text)
    return DeliveryError(text)


def describe_failure(exc: BaseException) -> str:
    """One line saying what went wrong, with a hint at the setting when there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()]
        return "recipients refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"server does not support it: {exc} (check smtp.security / smtp.username)"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


_describe = describe_failure


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
