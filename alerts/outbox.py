"""The outbox: queue one alert per flagged post, then deliver the queue over SMTP.

Two pipeline stages, both driven by rows in the store so a crash loses nothing:

* ``queue_alerts`` adds an ``alerts`` row (status ``queued``) for every post the store
  says needs one, with its recipients, language and Message-ID fixed at that moment.
* ``deliver`` claims each due row (``sending``), composes the email from the post,
  verdict and evidence rows, sends it, and records the outcome:

  ========================  ==============================================================
  outcome                   row becomes
  ========================  ==============================================================
  accepted                  ``sent``
  temporary failure         ``queued`` again, next try after 1 min × 2^attempts (max 6 h)
  server unavailable        as above, and the pass stops: the next alerts would fail alike
  permanent refusal (5xx)   ``failed`` (a human decides; see ``alerts.smtp`` for which)
  cannot compose            ``failed``
  process died mid-send     ``uncertain`` at the next pass, never resent automatically
  ========================  ==============================================================

An alert is never sent twice: only a successful ``claim_alert`` (queued → sending)
leads to sending, and nothing moves a row out of ``sending`` back to ``queued``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlite_utils import Database

from alerts.compose import compose_alert
from alerts.smtp import ServerUnavailable, send_message
from crawler import store
from crawler.config import AlertConfig, SmtpConfig
from crawler.errors import DeliveryError, PermanentDeliveryError

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``deliver`` pass did; ``errors`` has one line per failed attempt."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def queue_alerts(
    db: Database, alerts: AlertConfig, sender: str, *, now: datetime | None = None
) -> int:
    """Add an outbox row for every flagged post that has none yet; how many were added.

    With no recipients configured nothing is queued (the posts stay waiting, so they are
    queued once recipients are set) and one warning is logged.
    """
    keys = store.posts_to_alert(db)
    if keys and not alerts.recipients:
        log.warning("%d alert(s) waiting but alerts.recipients is empty; none queued", len(keys))
        return 0
    domain = message_id_domain(sender)
    queued = 0
    for key in keys:
        message_id = make_msgid(domain=domain)
        if store.queue_alert(db, key, list(alerts.recipients), alerts.language, message_id, now):
            queued += 1
    log.info("Queued %d alert(s)", queued)
    return queued


def message_id_domain(sender: str) -> str:
    """The domain part of the sender address (``localhost`` when there is none)."""
    domain = sender.rpartition("@")[2].strip().strip(">")
    return domain if "@" in sender and domain else "localhost"


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try of an alert that has failed ``attempts`` times before
    this failure: 1 min, 2, 4, ... capped at 6 h."""
    return min(FIRST_RETRY * (2 ** min(max(attempts, 0), 20)), MAX_RETRY)


def deliver(
    db: Database,
    smtp: SmtpConfig,
    *,
    now: datetime | None = None,
    ignore_backoff: bool = False,
    limit: int = 100,
    review_base_url: str = "",
) -> DeliveryReport:
    """Send up to ``limit`` due alerts (all queued ones with ``ignore_backoff``) and
    record each outcome (see the module docstring). With ``review_base_url`` each email
    links to its post's page on the review desk."""
    recovered = store.recover_interrupted_alerts(db)
    if recovered:
        log.warning("%d alert(s) were interrupted while sending; marked uncertain", recovered)
    tally = _Tally()
    for alert in store.alerts_due(db, now, ignore_backoff)[:limit]:
        if not store.claim_alert(db, alert["id"]):
            continue
        if not _deliver_one(db, alert, smtp, now, tally, review_base_url):
            break
    return tally.report()


class _Tally:
    def __init__(self) -> None:
        self.counts = {"sent": 0, "retried": 0, "failed": 0}
        self.errors: list[str] = []

    def add(self, outcome: str, error: str | None = None) -> None:
        self.counts[outcome] += 1
        if error is not None:
            self.errors.append(error)

    def report(self) -> DeliveryReport:
        return DeliveryReport(errors=list(self.errors), **self.counts)


def _deliver_one(
    db: Database,
    alert: dict[str, Any],
    smtp: SmtpConfig,
    now: datetime | None,
    tally: _Tally,
    review_base_url: str = "",
) -> bool:
    """Compose, send and record one claimed alert; False when the pass should stop."""
    key = alert["post_key"]
    message = _compose(db, alert, smtp, now, tally, review_base_url)
    if message is None:
        return True
    try:
        send_message(message, smtp)
    except PermanentDeliveryError as exc:
        _fail(db, alert, str(exc), tally)
        return True
    except DeliveryError as exc:
        _retry(db, alert, str(exc), now, tally)
        return not isinstance(exc, ServerUnavailable)
    store.mark_alert_sent(db, alert["id"], now)
    tally.add("sent")
    log.info("Alert for %s sent to %s", key, ", ".join(alert["recipients"]))
    return True


def _compose(
    db: Database,
    alert: dict[str, Any],
    smtp: SmtpConfig,
    now: datetime | None,
    tally: _Tally,
    review_base_url: str = "",
) -> EmailMessage | None:
    key = alert["post_key"]
    post, verdict = store.get_post(db, key), store.get_verdict(db, key)
    if post is None or verdict is None:
        _fail(db, alert, "post or verdict missing from the store", tally)
        return None
    try:
        return compose_alert(
            post,
            verdict,
            store.get_evidence(db, key),
            sender=smtp.sender,
            recipients=alert["recipients"],
            language=alert["language"],
            message_id=alert["message_id"],
            now=now,
            linked=store.linked_posts(db, key),
            review_base_url=review_base_url,
        )
    except Exception as exc:  # a bad row must not leave the alert stuck in "sending"
        log.exception("Cannot compose the alert for %s", key)
        _fail(db, alert, f"cannot compose: {type(exc).__name__}: {exc}", tally)
        return None


def _retry(
    db: Database, alert: dict[str, Any], error: str, now: datetime | None, tally: _Tally
) -> None:
    delay = retry_delay(alert["attempts"])
    store.mark_alert_retry(db, alert["id"], error, delay, now)
    tally.add("retried", f"{alert['post_key']}: {error}")
    log.warning("Alert for %s not sent (retry in %s): %s", alert["post_key"], delay, error)


def _fail(db: Database, alert: dict[str, Any], error: str, tally: _Tally) -> None:
    store.mark_alert_failed(db, alert["id"], error)
    tally.add("failed", f"{alert['post_key']}: {error}")
    log.error("Alert for %s failed for good: %s", alert["post_key"], error)
