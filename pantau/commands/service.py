"""The service commands: ``demo``, ``run``, ``crawl``, ``deliver``, ``status``."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click
from sqlite_utils import Database

from crawler import store
from crawler.errors import ConfigError
from crawler.health import assess
from pantau.options import config_option, get_config, refuse_root, setup_logging


@click.command()
@config_option
@click.option("--once", is_flag=True, help="Exit after one cycle instead of watching on.")
def demo(config_path: str | None, once: bool) -> None:
    """Run Pantau against the bundled sample Telegram channel and Facebook group,
    with a local mail sink.

    \b
    Example:
        PANTAU_DATA_DIR=/tmp/pantau-demo pantau demo --once
    """
    from pantau.demo import run_demo

    setup_logging(logging.WARNING)
    run_demo(get_config(config_path), os.environ, once=once, echo=click.echo)


@click.command()
@config_option
def run(config_path: str | None) -> None:
    """Run the service in the foreground: every source on its interval, then
    classify, capture and alert. Stops cleanly on SIGTERM or Ctrl-C.

    \b
    Example:
        pantau run --config /etc/pantau/pantau.toml
    """
    from scheduler import run_service

    setup_logging()
    config = get_config(config_path)
    refuse_root(config)
    if not config.sources:
        raise ConfigError("sources", "no source configured: add at least one [[sources]] table")
    run_service(config)


@click.command()
@config_option
@click.argument("source_name")
def crawl(config_path: str | None, source_name: str) -> None:
    """Crawl one configured source now, then classify, capture and alert.

    \b
    Example:
        pantau crawl --config pantau.toml loker-kamboja
    """
    from crawler.crawl import CrawlRunner
    from scheduler import process, start_up

    setup_logging()
    config = get_config(config_path)
    refuse_root(config)
    source = next((s for s in config.sources if s.name == source_name), None)
    if source is None:
        raise ConfigError("sources", f"no source named {source_name!r}")
    start_up(config)
    result = CrawlRunner(config).run(source)
    click.echo(
        f"{result.source}: {result.status} ({result.items_scraped} posts, "
        f"{result.items_new} new){': ' + str(result.reason) if result.status != 'ok' else ''}"
    )
    with store.connect(config.db_path) as db:
        process(db, config)
    if result.status != "ok":
        sys.exit(1)


@click.command()
@config_option
@click.option(
    "--list",
    "show_list",
    is_flag=True,
    help="List failed and uncertain deliveries with their reason; send nothing.",
)
@click.option(
    "--requeue",
    "requeue_id",
    type=int,
    metavar="ID",
    help="Put the failed and uncertain deliveries of alert ID back in the queue, then send.",
)
def deliver(config_path: str | None, show_list: bool, requeue_id: int | None) -> None:
    """Send every queued alert now (also those waiting for their next retry).

    Each recipient of an alert is delivered on its own: one can be sent while another
    waits for a retry or has failed. ``--list`` shows the failed and uncertain ones
    (uncertain: the message may have arrived), ``--requeue ID`` sends them again under
    the alert's same Message-ID.

    \b
    Example:
        pantau deliver --config pantau.toml
        pantau deliver --list
        pantau deliver --requeue 12
    """
    from alerts.outbox import deliver as deliver_alerts

    setup_logging()
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        if show_list:
            _list_troubled(store.troubled_deliveries(db))
            return
        if requeue_id is not None:
            _requeue(db, requeue_id)
        report = deliver_alerts(
            db, config.smtp, ignore_backoff=True, review_base_url=config.review.base_url
        )
    click.echo(
        f"sent {report.sent}, still queued {report.retried}, failed {report.failed}, "
        f"uncertain {report.uncertain}"
    )
    for error in report.errors:
        click.echo(f"  {error}")
    if report.retried or report.failed or report.uncertain:
        sys.exit(1)


def _list_troubled(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no failed or uncertain deliveries")
        return
    for row in rows:
        click.echo(
            f"alert {row['alert_id']} {row['status']} {row['recipient']} "
            f"({row['post_key']}, {row['attempts']} tries): {row['last_error'] or '-'}"
        )
    click.echo("requeue one with: pantau deliver --requeue ID")


def _requeue(db: Database, alert_id: int) -> None:
    if store.get_alert_by_id(db, alert_id) is None:
        raise click.BadParameter(f"no alert with id {alert_id}", param_hint="--requeue")
    count = store.requeue_alert(db, alert_id)
    if count == 0:
        raise click.BadParameter(
            f"alert {alert_id} has no failed or uncertain delivery", param_hint="--requeue"
        )
    click.echo(f"alert {alert_id}: {count} delivery(ies) requeued")


@click.command()
@config_option
def status(config_path: str | None) -> None:
    """Show sources, their last run, counts of posts, flags, evidence and alerts, and
    health problems (a blocked, failing or silent source, stuck work, low disk). Exits 1
    when there is a problem, so monitoring can run it.

    \b
    Example:
        pantau status
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        counts = store.status_counts(db)
        problems = assess(db, config)
        given_up = store.evidence_given_up(db, limit=10)
    click.echo(f"database: {config.db_path}")
    for source in counts["sources"]:
        error = f" — {source['last_error']}" if source["last_error"] else ""
        click.echo(
            f"source {source['name']}: last run {source['last_run_at'] or 'never'} "
            f"{source['last_status'] or ''}{error}"
        )
    click.echo(
        f"posts {counts['posts']}, suspicious {counts['suspicious']}, "
        f"reports {counts['report']}, "
        f"evidence {counts['evidence']}, alerts "
        + (", ".join(f"{n} {state}" for state, n in sorted(counts["alerts"].items())) or "none")
    )
    for row in given_up:
        click.echo(
            f"evidence given up for {row['post_key']} after {row['attempts']} attempts: "
            f"{row['error']}"
        )
    click.echo(f"health: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    for problem in problems:
        click.echo(f"  {problem.kind}: {problem.message}")
    if problems:
        sys.exit(1)
