"""Health emails to the administrators: one when problems start, one when they end.

Composing is pure (``compose_health_email``); ``tell_admins`` reads what the store says the
administrators were not yet told, sends one message for all of it, and records that it
was told only once the server accepted the message, so a failed send is tried again on
the next check and nothing is told twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlite_utils import Database

from alerts.compose import header_text, load_strings
from alerts.outbox import message_id_domain
from alerts.smtp import send_message
from crawler import store
from crawler.config import Config
from crawler.errors import DeliveryError

log = logging.getLogger(__name__)


def compose_health_email(
    opened: Sequence[Mapping[str, Any]],
    closed: Sequence[Mapping[str, Any]],
    *,
    sender: str,
    recipients: Sequence[str],
    language: str,
    now: datetime | None = None,
) -> EmailMessage:
    """A plain-text message listing new and resolved problems (problem rows of the store)."""
    strings = load_strings(language)
    subject = strings["health_subject_problem" if opened else "health_subject_recovered"]
    message = EmailMessage()
    message["Subject"] = header_text(f"[Pantau] {subject}")
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid("health", domain=message_id_domain(sender))
    lines = _section(strings["health_new"], opened, "opened_at", strings)
    lines += _section(strings["health_gone"], closed, "closed_at", strings)
    message.set_content("\n".join([*lines, strings["health_footer"], ""]))
    return message


def _section(
    title: str, rows: Sequence[Mapping[str, Any]], when: str, strings: Mapping[str, Any]
) -> list[str]:
    if not rows:
        return []
    items = [
        f"- {' '.join(str(row['message']).split())[:500]} ({strings['health_since']} {row[when]})"
        for row in rows
    ]
    return [f"{title}:", *items, ""]


def tell_admins(db: Database, config: Config, now: datetime | None = None) -> int:
    """Email the administrators what changed since they were last told; return how many
    problems the email named (0 when nothing changed or nobody is configured)."""
    recipients = config.health.admin_recipients
    opened, closed = store.problems_to_tell(db)
    if not recipients or not (opened or closed):
        return 0
    message = compose_health_email(
        opened,
        closed,
        sender=config.smtp.sender,
        recipients=recipients,
        language=config.alerts.language,
        now=now,
    )
    try:
        send_message(message, config.smtp)
    except DeliveryError as exc:
        log.warning("health email not sent (tried again at the next check): %s", exc)
        return 0
    store.mark_problems_told(db, [row["id"] for row in (*opened, *closed)])
    return len(opened) + len(closed)
