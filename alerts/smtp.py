"""Hand one composed alert to the SMTP server, and say how a failure should be treated.

``send_message`` opens one connection per message (alerts are few; a long-lived
connection would only add states to get wrong), always closes it, and turns every
``smtplib``/socket/TLS failure into one of three errors:

    DeliveryError                     temporary; this alert is retried later
    ├── ServerUnavailable             temporary and not about this alert: the server is
    │                                 down, unreachable, or our settings do not fit it
    │                                 (no STARTTLS, login refused); stop the pass
    └── PermanentDeliveryError        the server refused this alert for good (5xx on every
                                      recipient, or on the message itself)

Why login and TLS problems are *temporary*: they are configuration problems that hit
every alert alike. Marking each alert failed would lose the whole outbox to one typo;
keeping them queued means they go out as soon as the operator fixes the setting.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from crawler.config import SmtpConfig
from crawler.errors import DeliveryError, PermanentDeliveryError

log = logging.getLogger(__name__)


class ServerUnavailable(DeliveryError):
    """The SMTP server cannot take any alert right now (down, unreachable, or it does not
    accept our TLS/login settings). Later alerts of the same pass would fail alike."""


def send_message(message: EmailMessage, smtp: SmtpConfig) -> None:
    """Send ``message`` through the server in ``smtp``; raise a ``DeliveryError`` subclass
    (chained with ``from``) when it was not accepted."""
    try:
        with _connect(smtp) as client:
            _start_session(client, smtp)
            refused = client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise classify_failure(exc) from exc
    if refused:
        # Accepted for the other recipients: the alert is out and must not be resent.
        log.warning("Alert %s refused for some recipients: %s", message["Message-ID"], refused)


def _connect(smtp: SmtpConfig) -> smtplib.SMTP:
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(
            smtp.host,
            smtp.port,
            timeout=smtp.timeout_seconds,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)


def _start_session(client: smtplib.SMTP, smtp: SmtpConfig) -> None:
    client.ehlo()
    if smtp.security == "starttls":
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    if smtp.username:
        client.login(smtp.username, smtp.password)


def classify_failure(exc: BaseException) -> DeliveryError:
    """The ``DeliveryError`` that says how to treat ``exc`` (see the module docstring)."""
    text = _describe(exc)
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


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()]
        return "recipients refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"server does not support it: {exc} (check smtp.security / smtp.username)"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
