"""The command line: every command documents itself with an example."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler import store
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


def test_status_shows_evidence_given_up_with_the_reason(tmp_path: Path) -> None:
    with store.connect(tmp_path / "pantau.db") as db:
        store.upsert_post(db, {"platform": "telegram", "post_id": "c/9", "url": "u", "text": "t"})
        key = store.post_key("telegram", "c/9")
        for _ in range(store.MAX_CAPTURE_ATTEMPTS):
            store.save_evidence(
                db, key, path=None, manifest_sha256=None, error="timed out after 90 s"
            )
    config = tmp_path / "pantau.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n')
    result = CliRunner().invoke(main, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"evidence given up for {key} after 3 attempts: timed out after 90 s" in result.output
