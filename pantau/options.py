"""What every ``pantau`` command shares: the ``--config`` option, loading the
configuration once, logging, and finding a stored post by its key or id."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from crawler import store
from crawler.config import Config, load_config
from crawler.errors import ConfigError, PantauError

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML configuration file (default: $PANTAU_CONFIG, else embedded defaults).",
)


def get_config(config_path: str | None) -> Config:
    return load_config(config_path, os.environ)


def refuse_root(config: Config, euid: int | None = None) -> None:
    """Stop unless running as an ordinary user or ``service.allow_root`` is set: as root,
    Chromium cannot keep its sandbox while it opens pages criminals wrote."""
    euid = os.geteuid() if euid is None else euid
    if euid == 0 and not config.service.allow_root:
        raise ConfigError(
            "service.allow_root",
            "refusing to run as root: Chromium would open hostile pages without its "
            "sandbox; run as an unprivileged user (or set allow_root = true in a container)",
        )


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter


def resolve_post(db: Any, post_id: str) -> str:
    """The stored key of ``post_id`` (a full key or a bare post id); ``PantauError`` when
    there is none or more than one."""
    if store.has_post(db, post_id):
        return post_id
    keys = [row["key"] for row in db.query("SELECT key FROM posts WHERE post_id = ?", [post_id])]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise PantauError(f"no stored post {post_id!r} (see `pantau review list`)")
    raise PantauError(f"{post_id!r} is ambiguous: {', '.join(keys)}; give the full key")
