"""The command line: every command documents itself with an example."""

from __future__ import annotations

import logging

import click
import pytest
from click.testing import CliRunner

from pantau.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(main), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "pantau " in result.output.split("Example:")[1]


def test_design_commands_exist() -> None:
    expected = {"demo", "run", "crawl", "classify", "verify", "deliver", "review", "status"}
    assert expected <= set(main.commands)


def test_model_kinds_offered_are_the_models_kinds() -> None:
    from classifiers.model import KINDS
    from pantau.commands.classify import MODEL_KINDS

    assert set(MODEL_KINDS) == set(KINDS)


def test_a_fault_logs_its_traceback_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, "pantau"):
        result = CliRunner().invoke(main, ["classify"], input=b'{"id": 1, "text": "\xff"}\n')
    assert result.exit_code == 2
    assert result.output.startswith("pantau: error: the input is not UTF-8 text")
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert debug and debug[0].exc_info is not None
    assert debug[0].exc_info[0] is UnicodeDecodeError
