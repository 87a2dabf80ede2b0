"""``pantau backup`` and ``pantau restore``: the database and evidence, copied safely."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.backup import backup as make_backup
from crawler.backup import restore as restore_backup
from pantau.options import config_option, get_config


@click.command()
@config_option
@click.argument("dest", type=click.Path(file_okay=False))
def backup(config_path: str | None, dest: str) -> None:
    """Copy the database (consistently, while the service runs) and every evidence
    bundle into the new folder DEST, with a manifest holding the database's SHA-256.

    \b
    Example:
        pantau backup /var/backups/pantau/2026-12-02
    """
    report = make_backup(get_config(config_path), Path(dest))
    click.echo(
        f"backup in {report.path}: database sha256 {report.database_sha256}, "
        f"{report.bundles} evidence bundles"
    )


@click.command()
@config_option
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing database.")
def restore(config_path: str | None, source: str, force: bool) -> None:
    """Restore a backup made by `pantau backup` into the configured data folder (stop
    the service first).

    \b
    Example:
        pantau restore /var/backups/pantau/2026-12-02
    """
    report = restore_backup(get_config(config_path), Path(source), force=force)
    click.echo(f"restored into {report.path}: {report.bundles} evidence bundles")
