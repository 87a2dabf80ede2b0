"""Reviewers' and investigators' commands: ``review list``, ``review mark``, ``network``."""

from __future__ import annotations

import os

import click

from crawler import store
from pantau.options import config_option, get_config, resolve_post


@click.group()
def review() -> None:
    """Review flagged posts from the command line.

    \b
    Example:
        pantau review list
        pantau review mark telegram:chan/42 false-positive --note "berita resmi"
    """


@review.command("list")
@config_option
@click.option("--limit", default=50, show_default=True, help="How many posts to list.")
@click.option(
    "--label",
    type=click.Choice(["suspicious", "report"]),
    default="suspicious",
    show_default=True,
    help="suspicious: flagged offers (alerts); report: news, warnings and testimony about "
    "illegal recruitment (intelligence, no alert).",
)
def review_list(config_path: str | None, limit: int, label: str) -> None:
    """List flagged posts (or reports), highest score first, with their review and alert
    state.

    \b
    Example:
        pantau review list --limit 20
        pantau review list --label report
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        rows = store.flagged_posts(db, limit, label)
    if not rows:
        click.echo("no flagged posts" if label == "suspicious" else "no reports")
    for row in rows:
        excerpt = " ".join((row["excerpt"] or "[image only]").split())
        click.echo(
            f"{row['score']:.2f}  {row['key']}  [{row['decision'] or 'unreviewed'}; "
            f"alert {row['alert_status'] or 'none'}]  {excerpt}"
        )


@review.command("mark")
@config_option
@click.argument("post_id")
@click.argument("decision", type=click.Choice(["confirmed", "false-positive", "needs-follow-up"]))
@click.option("--note", default=None, help="Why (kept with the decision).")
@click.option("--reviewer", default=None, help="Who decided (default: $USER).")
def review_mark(
    config_path: str | None, post_id: str, decision: str, note: str | None, reviewer: str | None
) -> None:
    """Mark a post confirmed, false-positive or needs-follow-up. A false positive is never
    alerted again, nor are reposts of it (same cluster).

    POST_ID is the key shown by `review list` (telegram:chan/42) or the bare post id.

    \b
    Example:
        pantau review mark telegram:lokerluarnegeri_demo/7 confirmed --note "akun calo"
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        key = resolve_post(db, post_id)
        store.add_review(
            db, key, decision.replace("-", "_"), note, reviewer or os.environ.get("USER")
        )
    click.echo(f"{key}: {decision}")


@click.command()
@config_option
@click.argument("post_id")
def network(config_path: str | None, post_id: str) -> None:
    """Posts linked to one post: sharing a phone number, handle, email or company, or
    reposting the same template.

    \b
    Example:
        pantau network telegram:lokerluarnegeri_demo/102
    """
    with store.connect(get_config(config_path).db_path) as db:
        key = resolve_post(db, post_id)
        linked = store.linked_posts(db, key)
        reposts = store.cluster_members(db, key)
    for row in linked:
        click.echo(f"{row['key']}  shares {row['kind']} {row['value']}  {row['url']}")
    for row in reposts:
        click.echo(f"{row['key']}  reposts the same text  {row['url']}")
    if not linked and not reposts:
        click.echo(f"{key}: no linked posts")
