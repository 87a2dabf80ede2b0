"""The outbox: queue one alert per flagged post, then deliver the queue over SMTP.

Two pipeline stages, both driven by rows in the store so a crash loses nothing:

* ``queue_alerts`` adds an ``alerts`` row (status ``queued``) for every post the store
  says needs one, with its recipients, language and Message-ID fixed at that moment.
* ``deliver`` claims the due deliveries of each alert (one ``deliveries`` row per
  recipient: ``sending``), composes the email from the post, verdict and evidence rows,
  sends it to those recipients in one conversation, and records each recipient's
  outcome (``alerts.smtp`` says which reply means what):

  ==============================  ===========================================================
  outcome for one recipient       its delivery becomes
  ==============================  ===========================================================
  accepted (2xx to the message)   ``sent``; an error after that (e.g. at QUIT) changes nothing
  temporary (4xx, broken off      ``queued`` again, next try after 1 min × 2^attempts (max 6 h);
  before the message was sent)    the other recipients keep their own outcome
  server unavailable              as above, and the pass stops: the next alerts would fail alike
  permanent (5xx)                 ``failed`` for this recipient only (a human decides)
  too big (552)                   sent again at once without attachments; then as above
  cut off after the message was   ``uncertain``: resent with the same Message-ID after the
  sent (deadline, dropped)        retry delay, up to ``store.MAX_UNCERTAIN_ATTEMPTS`` tries
  process died mid-send           ``uncertain`` at the next pass, and resent at once with the
                                  same Message-ID (receivers can tell a copy from a new alert)
  cannot compose                  ``failed``
  ==============================  ===========================================================

Only a successful claim (queued/uncertain → sending) leads to sending, so two workers
never send the same delivery. A recipient is sent a second copy only when the first may
have arrived (``uncertain``), and always under the alert's one Message-ID.
``pantau deliver --list`` shows the failed and uncertain deliveries, ``--requeue ID``
puts them back in the queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlite_utils import Database

from alerts.compose import compose_alert
from alerts.smtp import FAILED, RETRY, SENT, UNCERTAIN, Outcome, SendResult, send_to
from crawler import store
from crawler.config import AlertConfig, SmtpConfig

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
CLAIM_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``deliver`` pass did, counted per recipient; ``errors`` has one line per
    recipient that was not simply sent."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
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
    """Send up to ``limit`` alerts with due deliveries (all waiting ones with
    ``ignore_backoff``) and record each recipient's outcome (see the module docstring).
    With ``review_base_url`` each email links to its post's page on the review desk."""
    # A live sender finishes within the conversation's deadline: a claim older than that
    # (plus a margin) belongs to a process that died.
    stale = (now or datetime.now(UTC)) - timedelta(seconds=smtp.timeout_seconds) - CLAIM_MARGIN
    recovered = store.recover_interrupted_alerts(db, stale, now)
    if recovered:
        log.warning("%d delivery(ies) were interrupted while sending; resending", recovered)
    tally = _Tally()
    for alert in store.alerts_due(db, now, ignore_backoff)[:limit]:
        claimed = store.claim_deliveries(db, alert["due"], now)
        if claimed and not _deliver_one(db, alert, claimed, smtp, now, tally, review_base_url):
            break
    return tally.report()


class _Tally:
    def __init__(self) -> None:
        self.counts = {"sent": 0, "retried": 0, "failed": 0, "uncertain": 0}
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
    claimed: list[dict[str, Any]],
    smtp: SmtpConfig,
    now: datetime | None,
    tally: _Tally,
    review_base_url: str = "",
) -> bool:
    """Compose, send and record one alert to its claimed recipients; False when the
    pass should stop."""
    recipients = [row["recipient"] for row in claimed]
    try:
        message = _compose(db, alert, smtp, now, review_base_url=review_base_url)
    except Exception as exc:  # a bad row must not leave the deliveries stuck in "sending"
        log.exception("Cannot compose the alert for %s", alert["post_key"])
        error = f"cannot compose: {type(exc).__name__}: {exc}"
        result = SendResult({r: Outcome(FAILED, error) for r in recipients})
        _record(db, alert, claimed, result, now, tally)
        return True
    result = send_to(message, smtp, recipients)
    if result.too_big:
        result = _without_attachments(db, alert, smtp, now, result, review_base_url)
    _record(db, alert, claimed, result, now, tally)
    return not result.stop


def _without_attachments(
    db: Database,
    alert: dict[str, Any],
    smtp: SmtpConfig,
    now: datetime | None,
    first: SendResult,
    review_base_url: str = "",
) -> SendResult:
    """Send once more, without attachments, to the recipients a 552 (too big) left
    waiting; the others keep their first outcome."""
    waiting = [r for r, o in first.outcomes.items() if o.status == RETRY]
    log.warning(
        "Alert for %s too big for the server; sending it without attachments", alert["post_key"]
    )
    try:
        message = _compose(db, alert, smtp, now, attachments=False, review_base_url=review_base_url)
    except Exception as exc:  # as in _deliver_one: never leave a delivery in "sending"
        log.exception("Cannot compose the alert for %s without attachments", alert["post_key"])
        error = f"cannot compose: {type(exc).__name__}: {exc}"
        return SendResult({**first.outcomes, **{r: Outcome(FAILED, error) for r in waiting}})
    second = send_to(message, smtp, waiting)
    if second.too_big:  # even the bare message is too big: no point retrying it
        second.outcomes = {
            r: Outcome(FAILED, o.error) if o.status == RETRY else o
            for r, o in second.outcomes.items()
        }
    return SendResult({**first.outcomes, **second.outcomes}, stop=second.stop)


def _compose(
    db: Database,
    alert: dict[str, Any],
    smtp: SmtpConfig,
    now: datetime | None,
    *,
    attachments: bool = True,
    review_base_url: str = "",
) -> EmailMessage:
    key = alert["post_key"]
    post, verdict = store.get_post(db, key), store.get_verdict(db, key)
    if post is None or verdict is None:
        raise LookupError("post or verdict missing from the store")
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
        max_bytes=smtp.max_message_bytes if attachments else 0,
        review_base_url=review_base_url,
    )


def _record(
    db: Database,
    alert: dict[str, Any],
    claimed: list[dict[str, Any]],
    result: SendResult,
    now: datetime | None,
    tally: _Tally,
) -> None:
    key = alert["post_key"]
    for row in claimed:
        outcome = result.outcomes.get(row["recipient"], Outcome(RETRY, "no outcome recorded"))
        error = outcome.error
        if outcome.status == SENT:
            store.record_delivery(db, row["id"], store.ALERT_SENT, now=now)
            tally.add("sent")
            log.info("Alert for %s sent to %s", key, row["recipient"])
            continue
        line = f"{key} → {row['recipient']}: {error}"
        if outcome.status == FAILED:
            store.record_delivery(db, row["id"], store.ALERT_FAILED, error, now=now)
            tally.add("failed", line)
            log.error("Alert for %s failed for good: %s", key, error)
            continue
        delay = retry_delay(row["attempts"] - 1)
        status = store.ALERT_UNCERTAIN if outcome.status == UNCERTAIN else store.ALERT_QUEUED
        store.record_delivery(
            db, row["id"], status, error, next_try=(now or datetime.now(UTC)) + delay, now=now
        )
        tally.add("uncertain" if outcome.status == UNCERTAIN else "retried", line)
        log.warning(
            "Alert for %s not surely sent (%s, next try in %s): %s", key, status, delay, error
        )
