"""The service commands: ``demo``, ``run``, ``crawl``, ``deliver``, ``status``."""

from __future__ import annotations

import logging
import os
import sys

import click

from crawler import store
from crawler.errors import ConfigError
from crawler.health import assess
from pantau.options import config_option, get_config, setup_logging


@click.command()
@config_option
@click.option("--once", is_flag=True, help="Exit after one cycle instead of watching on.")
def demo(config_path: str | None, once: bool) -> None:
    """Run Pantau against the bundled sample channel with a local mail sink.

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
    from scheduler import process

    setup_logging()
    config = get_config(config_path)
    source = next((s for s in config.sources if s.name == source_name), None)
    if source is None:
        raise ConfigError("sources", f"no source named {source_name!r}")
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
def deliver(config_path: str | None) -> None:
    """Send every queued alert now (also those waiting for their next retry).

    \b
    Example:
        pantau deliver --config pantau.toml
    """
    from alerts.outbox import deliver as deliver_alerts

    setup_logging()
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        report = deliver_alerts(
            db, config.smtp, ignore_backoff=True, review_base_url=config.review.base_url
        )
    click.echo(f"sent {report.sent}, still queued {report.retried}, failed {report.failed}")
    for error in report.errors:
        click.echo(f"  {error}")
    if report.retried or report.failed:
        sys.exit(1)


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
    click.echo(f"database: {config.db_path}")
    for source in counts["sources"]:
        error = f" — {source['last_error']}" if source["last_error"] else ""
        click.echo(
            f"source {source['name']}: last run {source['last_run_at'] or 'never'} "
            f"{source['last_status'] or ''}{error}"
        )
    click.echo(
        f"posts {counts['posts']}, suspicious {counts['suspicious']}, "
        f"evidence {counts['evidence']}, alerts "
        + (", ".join(f"{n} {state}" for state, n in sorted(counts["alerts"].items())) or "none")
    )
    click.echo(f"health: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    for problem in problems:
        click.echo(f"  {problem.kind}: {problem.message}")
    if problems:
        sys.exit(1)
