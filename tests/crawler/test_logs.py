"""A crawl's errors take one line each in the log; the traceback only at debug level."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.replica import run_spider


@pytest.fixture
def closed_port_url() -> str:
    """A loopback address where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(("level", "tracebacks"), [("INFO", False), ("DEBUG", True)])
def test_a_download_error_is_one_line_unless_debugging(
    closed_port_url: str, tmp_path: Path, level: str, tracebacks: bool
) -> None:
    result = run_spider(
        "telegram",
        {"channel": "tidak_ada", "base_url": closed_port_url},
        tmp_path / "out.jsonl",
        {"RETRY_TIMES": "0", "LOG_LEVEL": level},
    )
    error_lines = [line for line in result.stderr.splitlines() if "Error downloading" in line]
    assert error_lines, result.stderr[-2000:]
    assert "Connection refused" in error_lines[0] or tracebacks
    assert ("Traceback (most recent call last)" in result.stderr) is tracebacks
