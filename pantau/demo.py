"""``pantau demo``: the whole job on embedded defaults, with nothing leaving the machine.

It serves the bundled replica Telegram channel and Facebook group on 127.0.0.1, starts a
local SMTP server that saves every message as an ``.eml`` file (unless ``PANTAU_SMTP_HOST``
points elsewhere), runs one full cycle (crawl both sources, classify, capture, alert) and
says what each source gave, what it flagged and kept as reports, and where the emails and
evidence are. Without ``--once`` it also serves the review desk on 127.0.0.1 with a demo
reviewer account, links the alert emails to it, and keeps watching both sources.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlite_utils import Database

from alerts.sink import MailSink
from crawler import store
from crawler.config import Config, SmtpConfig, Source
from crawler.crawl import CrawlResult, CrawlRunner
from crawler.fence import parse_allow
from pantau.facebook_replica import serve_facebook_replica
from pantau.replica import serve_replica
from scheduler import CycleReport, process

T = TypeVar("T")

DEMO_CHANNEL = "lokerluarnegeri_demo"
DEMO_GROUP = "lokerluarnegeri"
DEMO_USER = "demo"
DEMO_PASSWORD = "pantau-demo"  # the demo desk listens on loopback only
DESK_PORT = 8080
# The sample sites keep their ports from run to run where they are free, so that a post's
# links and image addresses, and so its content hash, stay the same in a reused data folder.
CHANNEL_PORT = 8081
GROUP_PORT = 8082


def demo_sources(telegram_url: str, facebook_url: str) -> tuple[Source, ...]:
    """The sample Telegram channel and Facebook group, served at these base URLs."""
    common: dict[str, Any] = {"interval_minutes": 5, "jitter_seconds": 0}
    return (
        Source(
            name="demo-telegram",
            spider="telegram",
            args={"channel": DEMO_CHANNEL, "base_url": telegram_url, "max_pages": "3"},
            **common,
        ),
        Source(
            name="demo-facebook",
            spider="facebook",
            args={"group": DEMO_GROUP, "base_url": facebook_url, "max_pages": "3"},
            **common,
        ),
    )


def demo_config(config: Config, telegram_url: str, facebook_url: str, smtp: SmtpConfig) -> Config:
    """The operator's configuration with the two demo sources and the mail server in place,
    and their loopback addresses let through the network fence."""
    urls = (telegram_url, facebook_url)
    hosts = {urlsplit(url).hostname or "127.0.0.1" for url in urls} | {smtp.host}
    allow = config.network.allow + parse_allow(sorted(h for h in hosts if _is_address(h)))
    network = dataclasses.replace(config.network, allow=allow)
    sources = demo_sources(telegram_url, facebook_url)
    return dataclasses.replace(config, sources=sources, smtp=smtp, network=network)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def mail_server(config: Config, env: Mapping[str, str]) -> Iterator[tuple[SmtpConfig, Path | None]]:
    """The configured SMTP server when ``PANTAU_SMTP_HOST`` is set, else a local sink."""
    if env.get("PANTAU_SMTP_HOST"):
        yield config.smtp, None
        return
    folder = config.data_dir / "mail"
    with MailSink(folder) as sink:
        smtp = SmtpConfig(host=sink.host, port=sink.port, sender=config.smtp.sender)
        yield smtp, folder


def run_demo(
    config: Config, env: Mapping[str, str], *, once: bool, echo: Callable[[str], None] = print
) -> CycleReport:
    """Run one demo cycle (and keep watching unless ``once``)."""
    with (
        on_port(serve_replica, CHANNEL_PORT) as channel,
        on_port(serve_facebook_replica, GROUP_PORT) as group,
        mail_server(config, env) as (smtp, mail_folder),
        review_desk(config, enabled=not once) as desk_url,
    ):
        config = demo_config(config, channel.base_url, group.base_url, smtp)
        if desk_url:
            config = dataclasses.replace(
                config, review=dataclasses.replace(config.review, base_url=desk_url)
            )
        echo(f"Sample Telegram channel served at {channel.base_url}/s/{DEMO_CHANNEL}")
        echo(f"Sample Facebook group served at {group.group_url}")
        crawls, report = cycle(config, echo)
        summarise(config, crawls, report, mail_folder, echo)
        if desk_url:
            echo(f"Review desk: {desk_url}/ (log in as {DEMO_USER} / {DEMO_PASSWORD})")
        if not once:
            watch(config, echo)
    return report


@contextlib.contextmanager
def on_port(serve: Callable[..., contextlib.AbstractContextManager[T]], port: int) -> Iterator[T]:
    """``serve(port=port)``, or on any free port when that one is taken."""
    with contextlib.ExitStack() as stack:
        try:
            served = stack.enter_context(serve(port=port))
        except OSError:
            served = stack.enter_context(serve(port=0))
        yield served


@contextlib.contextmanager
def review_desk(config: Config, *, enabled: bool) -> Iterator[str | None]:
    """The review desk on 127.0.0.1 (port 8080, or a free one) with the demo account;
    yields its address, or None when not ``enabled``."""
    if not enabled:
        yield None
        return
    from review import add_account, serve

    with store.connect(config.db_path) as db:
        if store.get_user(db, DEMO_USER) is None:
            add_account(db, DEMO_USER, "reviewer", DEMO_PASSWORD)
    try:
        desk = serve(config, "127.0.0.1", DESK_PORT)
    except OSError:  # 8080 taken: any free port
        desk = serve(config, "127.0.0.1", 0)
    try:
        yield desk.url.rstrip("/")
    finally:
        desk.stop()


def cycle(config: Config, echo: Callable[[str], None]) -> tuple[list[CrawlResult], CycleReport]:
    """Crawl every configured source once (saying how each went), then classify, capture
    and alert; the crawls' results and the stages' report."""
    runner = CrawlRunner(config, timeout_seconds=300, log_level="WARNING")
    crawls = []
    for source in config.sources:
        result = runner.run(source)
        crawls.append(result)
        echo(
            f"Crawl {source.name} ({source.spider}): {result.status}, "
            f"{result.items_scraped} posts ({result.items_new} new)"
            + (f": {result.reason}" if result.status != "ok" else "")
        )
    with store.connect(config.db_path) as db:
        return crawls, process(db, config, ignore_backoff=True)


def summarise(
    config: Config,
    crawls: list[CrawlResult],
    report: CycleReport,
    mail_folder: Path | None,
    echo: Callable[[str], None],
) -> None:
    """What each source gave, the flagged posts and the reports, evidence and emails."""
    with store.connect(config.db_path) as db:
        labels = labels_by_source(db)
        flagged = store.flagged_posts(db)
        reports = store.flagged_posts(db, label="report")
        alerts = store.status_counts(db)["alerts"]
    for crawl in crawls:
        counts = labels.get(crawl.source, {})
        echo(
            f"Source {crawl.source}: {sum(counts.values())} posts stored, "
            f"{counts.get('suspicious', 0)} suspicious, {counts.get('report', 0)} reports, "
            f"{counts.get('not_suspicious', 0)} not suspicious"
        )
    echo(f"Classified {report.classified} posts; {report.flagged} flagged as suspicious:")
    for row in flagged:
        echo(f"  {row['score']:.2f}  {row['key']}  {_excerpt(row)}")
    echo(f"{len(reports)} kept as reports about illegal recruitment (no evidence, no alert):")
    for row in reports:
        echo(f"        {row['key']}  {_excerpt(row)}")
    echo(f"Evidence captured for {report.captured} posts in {config.evidence_dir}")
    where = f"saved in {mail_folder}" if mail_folder else f"sent via {config.smtp.host}"
    echo(
        f"Alert emails: {alerts.get('sent', 0)} sent ({where}), {alerts.get('queued', 0)} "
        f"queued for retry, {alerts.get('failed', 0)} failed"
    )
    if report.delivery.errors:
        echo(f"  last delivery error: {report.delivery.errors[-1]}")
    echo(f"Database: {config.db_path}")
    echo(f"Check the evidence with: pantau verify {config.evidence_dir}")
    echo("Review with: pantau review list")


def _excerpt(row: Mapping[str, Any]) -> str:
    return " ".join((row["excerpt"] or "[image only]").split())[:80]


def labels_by_source(db: Database) -> dict[str, dict[str | None, int]]:
    """For each source, how many of its stored posts carry each label."""
    counts: dict[str, dict[str | None, int]] = {}
    for row in store.labels_by_source(db):
        counts.setdefault(row["source"], {})[row["label"]] = row["n"]
    return counts


def watch(config: Config, echo: Callable[[str], None]) -> None:
    """Keep crawling every demo source every few minutes until Ctrl-C or SIGTERM."""
    from scheduler import Service

    names = ", ".join(source.name for source in config.sources)
    echo(f"Watching {names} every 5 minutes; press Ctrl-C to stop.")
    # The crawls' own INFO lines (Scrapy's settings and statistics) would bury the demo's.
    Service(config, crawl_log_level="WARNING").serve()
