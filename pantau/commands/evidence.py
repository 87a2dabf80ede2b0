"""``pantau verify``: check an evidence bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(exists=True))
def verify(path: str) -> None:
    """Check an evidence bundle: recompute the SHA-256 of every file in its manifest.

    Exits 0 when all match, 1 naming each file that does not.

    \b
    Example:
        pantau verify pantau-data/evidence/telegram_chan_123/20261128T101500Z
    """
    from evidence.verify import verify_bundle

    problems = verify_bundle(Path(path))
    for problem in problems:
        click.echo(f"FAILED {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"OK: every file listed in the manifest of {path} matches its SHA-256")
