"""``pantau session import`` and ``pantau session list``: the logged-in sessions (cookies)
a source's crawls use where a platform shows posts only to an account."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from crawler import sessions
from crawler.config import Config
from crawler.errors import PantauError
from pantau.options import config_option, get_config


@click.group()
def session() -> None:
    """Sessions of the operator's accounts, one per source (see docs/sources.md).

    \b
    Example:
        pantau session list
    """


@session.command("import")
@config_option
@click.argument("source")
@click.argument("cookie_file", type=click.Path(exists=True, dir_okay=False))
def import_(config_path: str | None, source: str, cookie_file: str) -> None:
    """Store the cookies of COOKIE_FILE (a Netscape cookies.txt or a Playwright storage
    state JSON) as the session of the configured SOURCE, readable by this user only.

    \b
    Example:
        pantau session import fb-loker-ln ~/facebook-cookies.txt
    """
    config = get_config(config_path)
    check_source(config, source)
    stored = sessions.import_session(config.data_dir, source, Path(cookie_file))
    click.echo(
        f"session of {source} stored: {stored.cookies} cookies for {', '.join(stored.domains)}"
        f" ({stored.expired} already expired)"
    )


@session.command("list")
@config_option
def list_(config_path: str | None) -> None:
    """Each stored session: its source, cookies, age and last use (never the values).

    \b
    Example:
        pantau session list
    """
    config = get_config(config_path)
    now = datetime.now(UTC)
    found = sessions.list_sessions(config.data_dir, now)
    if not found:
        click.echo("no sessions stored")
    for item in found:
        used = age(item.last_used_at, now) + " ago" if item.last_used_at else "never"
        click.echo(
            f"{item.source}: {item.cookies} cookies ({item.expired} expired) for "
            f"{', '.join(item.domains)}; imported {age(item.imported_at, now)} ago, "
            f"last used {used}"
        )


def check_source(config: Config, source: str) -> None:
    names = [configured.name for configured in config.sources]
    if source not in names:
        known = ", ".join(names) or "none configured"
        raise PantauError(f"no source named {source!r} in the configuration (sources: {known})")


def age(stamp: str, now: datetime) -> str:
    """How long ago ``stamp`` was, in the largest whole unit: "3 d", "5 h", "12 min"."""
    seconds = max(0, int((now - datetime.fromisoformat(stamp)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
