"""The ``pantau`` command: what operators, investigators and reviewers type.

Each command is a thin edge: it loads the configuration once, calls the rooms' functions,
prints a short human summary (or JSON Lines where data flows) and turns any
``PantauError`` or ``ClassifierError`` into one line on standard error and exit status 2.
The commands live in ``pantau/commands/``, one module per group, as Scrapy keeps
``scrapy/commands/``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from classifiers.errors import ClassifierError
from crawler.errors import ConfigError, PantauError
from pantau.commands import agencies, backup, classify, evidence, review, service, session


class PantauGroup(click.Group):
    """Prints a ``PantauError`` or ``ClassifierError`` as one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"pantau: configuration error: {exc}", err=True)
            sys.exit(2)
        except (PantauError, ClassifierError) as exc:
            click.echo(f"pantau: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=PantauGroup)
@click.version_option(package_name="pantau")
def main() -> None:
    """Pantau watches public channels for illegal overseas job ads, captures evidence
    and alerts investigators.

    \b
    Example:
        pantau demo --once
    """


for command in (
    service.demo,
    service.run,
    service.crawl,
    classify.classify,
    classify.train,
    classify.evaluate,
    review.network,
    evidence.verify,
    service.deliver,
    service.status,
    agencies.agencies,
    review.review,
    backup.backup,
    backup.restore,
    session.session,
    session.login,
):
    main.add_command(command)
