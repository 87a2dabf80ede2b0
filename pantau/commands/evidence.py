"""``pantau verify``: check an evidence bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pantau.options import config_option, get_config


@click.command()
@config_option
@click.argument("path", type=click.Path(exists=True))
def verify(config_path: str | None, path: str) -> None:
    """Check an evidence bundle: recompute the SHA-256 of every file in its manifest,
    and of the manifest itself against the hash the store recorded at capture.

    Exits 0 when all match, 1 naming each file that does not. When there is no store
    to ask (or it does not know the bundle) it says so: a manifest rewritten with new
    hashes cannot be caught then.

    \b
    Example:
        pantau verify --config /etc/pantau/pantau.toml \\
            /var/lib/pantau/evidence/telegram_chan_123-ab12cd34ef/20261128T101500Z
    """
    from evidence.verify import recorded_manifest_hash, verify_bundle

    recorded = recorded_manifest_hash(get_config(config_path).db_path, Path(path))
    problems = verify_bundle(Path(path), recorded.manifest_sha256)
    for problem in problems:
        click.echo(f"FAILED {problem}")
    if recorded.manifest_sha256 is None:
        click.echo(f"WARNING {recorded.note}")
    if problems:
        sys.exit(1)
    click.echo(f"OK: every file listed in the manifest of {path} matches its SHA-256")
    if recorded.manifest_sha256 is not None:
        click.echo(f"OK: manifest.json matches the SHA-256 {recorded.note}")
