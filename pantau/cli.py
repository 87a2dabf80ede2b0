"""The ``pantau`` command: what operators, investigators and reviewers type.

Each command is a thin edge: it loads the configuration once, calls the rooms' functions,
prints a short human summary (or JSON Lines where data flows) and turns any
``PantauError`` or ``ClassifierError``, and the machine's faults (a full disk, a locked
or damaged database, input that is not UTF-8: ``crawler.errors.FAULTS``), into one line
on standard error saying what failed and what to do, and exit status 2; the traceback
goes to the log at debug level.
The commands live in ``pantau/commands/``, one module per group, as Scrapy keeps
``scrapy/commands/``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from classifiers.errors import ClassifierError
from crawler.errors import FAULTS, ConfigError, PantauError, describe_fault
from pantau.commands import (
    agencies,
    backup,
    classify,
    evidence,
    review,
    serve,
    service,
    session,
    user,
)

log = logging.getLogger("pantau")


class PantauGroup(click.Group):
    """Prints a ``PantauError``, ``ClassifierError`` or a fault of the machine as one line
    instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(f"configuration error: {exc}")
        except (PantauError, ClassifierError) as exc:
            fail(f"error: {exc}")
        except FAULTS as exc:
            fail(f"error: {describe_fault(exc)}")


def fail(line: str) -> None:
    """Print ``pantau: <line>`` on standard error, the traceback at debug level, exit 2."""
    log.debug("the command failed", exc_info=True)
    click.echo(f"pantau: {line}", err=True)
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
    serve.serve,
    user.user,
    session.session,
    session.login,
):
    main.add_command(command)
