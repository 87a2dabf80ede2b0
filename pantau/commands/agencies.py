"""``pantau agencies``: the official list of licensed placement agencies."""

from __future__ import annotations

from pathlib import Path

import click

from crawler import store
from crawler.errors import PantauError
from pantau.options import config_option, get_config


@click.group()
def agencies() -> None:
    """The official list of licensed placement agencies (P3MI), used by the classifier:
    naming a licensed agency lowers the risk, claiming a licence not on the list raises it.

    \b
    Example:
        pantau agencies import daftar_p3mi.csv
    """


@agencies.command("import")
@config_option
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
def agencies_import(config_path: str | None, csv_path: str) -> None:
    """Replace the stored list with a CSV (columns: name, licence, status; Indonesian
    headers such as nama, no_izin, status are accepted).

    \b
    Example:
        pantau agencies import daftar_p3mi.csv
    """
    from classifiers.agencies import AgencyRegistry

    try:
        registry = AgencyRegistry.from_csv(Path(csv_path))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PantauError(f"{csv_path}: {exc}") from None
    rows = [{"name": a.name, "licence": a.licence, "status": a.status} for a in registry.agencies]
    with store.connect(get_config(config_path).db_path) as db:
        count = store.replace_agencies(db, rows)
    active = sum(1 for a in registry.agencies if a.active)
    click.echo(f"imported {count} agencies ({active} with an active licence)")


@agencies.command("list")
@config_option
def agencies_list(config_path: str | None) -> None:
    """Show the stored list.

    \b
    Example:
        pantau agencies list
    """
    with store.connect(get_config(config_path).db_path) as db:
        rows = store.agencies(db)
    for row in rows:
        click.echo(f"{row['name']}  {row['licence'] or '-'}  {row['status'] or '-'}")
    if not rows:
        click.echo("no agency list imported (pantau agencies import FILE)")
