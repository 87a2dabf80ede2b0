"""``pantau demo``: the whole job on embedded defaults, with nothing leaving the machine.

It serves the bundled replica Telegram channel on 127.0.0.1, starts a local SMTP
server that saves every message as an ``.eml`` file (unless ``PANTAU_SMTP_HOST`` points
elsewhere), runs one full cycle (crawl, classify, capture, alert) and says what it
found and where the emails and evidence are. Without ``--once`` it also serves the review
desk on 127.0.0.1 with a demo reviewer account, links the alert emails to it, and keeps
watching the channel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from alerts.sink import MailSink
from crawler import store
from crawler.config import Config, SmtpConfig, Source
from crawler.crawl import CrawlRunner
from crawler.fence import parse_allow
from pantau.replica import serve_replica
from scheduler import CycleReport, process

DEMO_CHANNEL = "lokerluarnegeri_demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "pantau-demo"  # the demo desk listens on loopback only
DESK_PORT = 8080


def demo_config(config: Config, base_url: str, smtp: SmtpConfig) -> Config:
    """The operator's configuration with the demo source and mail server in place, and
    their loopback addresses let through the network fence."""
    source = Source(
        name="demo",
        spider="telegram",
        interval_minutes=5,
        jitter_seconds=0,
        args={"channel": DEMO_CHANNEL, "base_url": base_url, "max_pages": "3"},
    )
    hosts = {urlsplit(base_url).hostname or "127.0.0.1", smtp.host}
    allow = config.network.allow + parse_allow(sorted(h for h in hosts if _is_address(h)))
    network = dataclasses.replace(config.network, allow=allow)
    return dataclasses.replace(config, sources=(source,), smtp=smtp, network=network)


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
        serve_replica() as site,
        mail_server(config, env) as (smtp, mail_folder),
        review_desk(config, enabled=not once) as desk_url,
    ):
        config = demo_config(config, site.base_url, smtp)
        if desk_url:
            config = dataclasses.replace(
                config, review=dataclasses.replace(config.review, base_url=desk_url)
            )
        echo(f"Sample channel served at {site.base_url}/s/{DEMO_CHANNEL}")
        report = cycle(config, echo)
        summarise(config, report, mail_folder, echo)
        if desk_url:
            echo(f"Review desk: {desk_url}/ (log in as {DEMO_USER} / {DEMO_PASSWORD})")
        if not once:
            watch(config, echo)
    return report


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


def cycle(config: Config, echo: Callable[[str], None]) -> CycleReport:
    result = CrawlRunner(config, timeout_seconds=300, log_level="WARNING").run(config.sources[0])
    echo(
        f"Crawl: {result.status}, {result.items_scraped} posts ({result.items_new} new)"
        + (f": {result.reason}" if result.status != "ok" else "")
    )
    with store.connect(config.db_path) as db:
        return process(db, config, ignore_backoff=True)


def summarise(
    config: Config, report: CycleReport, mail_folder: Path | None, echo: Callable[[str], None]
) -> None:
    echo(f"Classified {report.classified} posts; {report.flagged} flagged as suspicious:")
    with store.connect(config.db_path) as db:
        flagged = store.flagged_posts(db)
        alerts = store.status_counts(db)["alerts"]
    for row in flagged:
        excerpt = " ".join((row["excerpt"] or "[image only]").split())[:80]
        echo(f"  {row['score']:.2f}  {row['key']}  {excerpt}")
    echo(f"Evidence captured for {report.captured} posts in {config.evidence_dir}")
    where = f"saved in {mail_folder}" if mail_folder else f"sent via {config.smtp.host}"
    echo(
        f"Alert emails: {alerts.get('sent', 0)} sent ({where}), {alerts.get('queued', 0)} "
        f"queued for retry, {alerts.get('failed', 0)} failed"
    )
    if report.delivery.errors:
        echo(f"  last delivery error: {report.delivery.errors[-1]}")
    echo(f"Database: {config.db_path}")
    echo("Check a bundle with: pantau verify <evidence folder>; review with: pantau review list")


def watch(config: Config, echo: Callable[[str], None]) -> None:
    """Keep crawling the sample channel every few minutes until Ctrl-C or SIGTERM."""
    from scheduler import Service

    echo("Watching the sample channel every 5 minutes; press Ctrl-C to stop.")
    Service(config).serve()
