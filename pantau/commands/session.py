"""``pantau session import``, ``pantau session list`` and ``pantau login``: the logged-in
sessions (cookies) a source's crawls use where a platform shows posts only to an account."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from crawler import sessions
from crawler.config import Config, Source
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


def check_source(config: Config, source: str) -> Source:
    for configured in config.sources:
        if configured.name == source:
            return configured
    known = ", ".join(c.name for c in config.sources) or "none configured"
    raise PantauError(f"no source named {source!r} in the configuration (sources: {known})")


# Where each platform's login form is (the spider's default site).
LOGIN_PAGES = {
    "facebook": "https://www.facebook.com/login/",
    "instagram": "https://www.instagram.com/accounts/login/",
    "tiktok": "https://www.tiktok.com/login",
    "x": "https://x.com/i/flow/login",
}


def login_page(source: Source) -> str:
    """The login page for ``source``'s platform; ``PantauError`` for a spider without one."""
    if source.spider not in LOGIN_PAGES:
        raise PantauError(f"source {source.name!r} ({source.spider}) needs no login")
    base = source.args.get("base_url")
    default = LOGIN_PAGES[source.spider]
    return base.rstrip("/") + "/" + default.split("/", 3)[3] if base else default


@click.command()
@config_option
@click.argument("source")
def login(config_path: str | None, source: str) -> None:
    """Open a visible Chromium at the platform's login page of SOURCE; log in there (solve
    any checkpoint), then close the window: its cookies become SOURCE's session. Needs a
    display; on a server, use `pantau session import` with cookies exported elsewhere.

    \b
    Example:
        pantau login fb-loker-ln
    """
    config = get_config(config_path)
    configured = check_source(config, source)
    url = login_page(configured)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise PantauError("no display for a visible browser; use `pantau session import`")
    state = Path(config.data_dir) / "sessions" / f".{source}.login.json"
    try:
        record_login(config.browser.executable_path, url, state)
        stored = sessions.import_session(config.data_dir, source, state)
    finally:
        state.unlink(missing_ok=True)
    click.echo(f"session of {source} stored: {stored.cookies} cookies")


def record_login(executable_path: str, url: str, state: Path) -> None:
    """Show ``url`` in a headed Chromium until its window closes; save the storage state."""
    state.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable_path, headless=False)
            context = browser.new_context(locale="id-ID")
            page = context.new_page()
            page.goto(url)
            page.wait_for_event("close", timeout=0)
            context.storage_state(path=str(state))
            browser.close()
    except PlaywrightError as exc:
        raise PantauError(f"the login browser failed: {exc}") from None


def age(stamp: str, now: datetime) -> str:
    """How long ago ``stamp`` was, in the largest whole unit: "3 d", "5 h", "12 min"."""
    seconds = max(0, int((now - datetime.fromisoformat(stamp)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
