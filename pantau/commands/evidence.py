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
    and of the manifest itself against the hash the store recorded at capture. PATH may
    also be a post's folder (each of its captures is checked) or the evidence folder.

    Exits 0 when all match, 1 naming each file that does not. When there is no store
    to ask (or it does not know the bundle) it says so: a manifest rewritten with new
    hashes cannot be caught then.

    \b
    Example:
        pantau verify --config /etc/pantau/pantau.toml \\
            /var/lib/pantau/evidence/telegram_chan_123-ab12cd34ef/20261128T101500Z
    """
    from evidence.verify import bundles_under

    bundles = bundles_under(Path(path))
    named = len(bundles) > 1
    failed = [bundle for bundle in bundles if not _verify_one(config_path, bundle, named)]
    if len(bundles) > 1:
        click.echo(f"{len(bundles) - len(failed)} of {len(bundles)} bundles verified")
    if failed:
        sys.exit(1)


def _verify_one(config_path: str | None, bundle: Path, named: bool) -> bool:
    """Check one bundle and say how it went (each problem ``named`` by its bundle when
    several are checked); False when a file does not match."""
    from evidence.verify import recorded_manifest_hash, verify_bundle

    recorded = recorded_manifest_hash(get_config(config_path).db_path, bundle)
    problems = verify_bundle(bundle, recorded.manifest_sha256)
    for problem in problems:
        click.echo(f"FAILED {bundle}: {problem}" if named else f"FAILED {problem}")
    if recorded.manifest_sha256 is None:
        click.echo(f"WARNING {recorded.note}")
    if problems:
        return False
    click.echo(f"OK: every file listed in the manifest of {bundle} matches its SHA-256")
    if recorded.manifest_sha256 is not None:
        click.echo(f"OK: manifest.json matches the SHA-256 {recorded.note}")
    return True
