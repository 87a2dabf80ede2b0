"""No command ends in a traceback: a bad setting or a fault of the machine is one line
on standard error saying what failed and what to do, and exit status 2; ``pantau run``
checks before any crawl."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.config import find_browser
from pantau.replica import ReplicaSite, serve_replica
from tests.support import REPO
from tests.support.faults import damaged_database, garbage_database, write_locked

CHANNEL = "lokerluarnegeri_demo"


@pytest.fixture(scope="module")
def site() -> Iterator[ReplicaSite]:
    with serve_replica() as running:
        yield running


def write_config(tmp_path: Path, base_url: str, **changes: str) -> Path:
    values = {
        "data_dir": f"'{tmp_path / 'data'}'",
        "browser": f"'{find_browser()}'",
        "recipients": "['penyidik@example.org']",
        **changes,
    }
    path = tmp_path / "pantau.toml"
    path.write_text(
        f"data_dir = {values['data_dir']}\n"
        f"[browser]\nexecutable_path = {values['browser']}\n"
        f"[alerts]\nrecipients = {values['recipients']}\n"
        "[classifier]\nocr = false\n"
        "[network]\nallow = ['127.0.0.1']\n[service]\nallow_root = true\n"
        "[[sources]]\nname = 'demo'\nspider = 'telegram'\n"
        f"args = {{ channel = '{CHANNEL}', base_url = '{base_url}' }}\n",
        encoding="utf-8",
    )
    return path


def pantau(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "pantau", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )


def assert_one_line(result: Any, *words: str) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err + result.stdout.decode()
    line = err.strip()
    assert line.startswith("pantau: ") and "\n" not in line, err
    for word in words:
        assert word in line
    return line


def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.mark.parametrize(
    ("changes", "prepare", "words"),
    [
        ({"browser": "'/no/such/chromium'"}, None, ["browser.executable_path", "no browser"]),
        ({"data_dir": "'/dev/null/pantau'"}, None, ["data_dir", "cannot write in"]),
        ({}, lambda tmp: garbage_database(data(tmp) / "pantau.db"), ["damaged", "restore"]),
        ({}, lambda tmp: damaged_database(data(tmp) / "pantau.db"), ["damaged", "restore"]),
        (
            {"recipients": "['penyidik@example.org', 'a@x.org, b@y.org']"},
            None,
            ["alerts.recipients", "one address per entry"],
        ),
    ],
    ids=["browser", "data-dir", "garbage-db", "damaged-db", "two-addresses-in-one"],
)
def test_run_stops_with_one_line_before_any_crawl(
    tmp_path: Path,
    site: ReplicaSite,
    changes: dict[str, str],
    prepare: Callable[[Path], Any] | None,
    words: list[str],
) -> None:
    config = write_config(tmp_path, site.base_url, **changes)
    if prepare is not None:
        prepare(tmp_path)
    site.requests.clear()
    assert_one_line(pantau("run", "--config", str(config)), *words)
    assert site.requests == []


def test_run_with_a_locked_database_waits_then_stops_with_one_line(
    tmp_path: Path, site: ReplicaSite
) -> None:
    config = write_config(tmp_path, site.base_url)
    db_path = data(tmp_path) / "pantau.db"
    assert pantau("status", "--config", str(config)).returncode == 0  # creates the database
    site.requests.clear()
    with write_locked(db_path):
        result = pantau("run", "--config", str(config))
    assert_one_line(result, "locked by another process")
    assert site.requests == []


@pytest.mark.parametrize("command", ["status", "crawl"])
def test_a_garbage_database_is_one_line(tmp_path: Path, site: ReplicaSite, command: str) -> None:
    config = write_config(tmp_path, site.base_url)
    garbage_database(data(tmp_path) / "pantau.db")
    args = ["crawl", "--config", str(config), "demo"] if command == "crawl" else [command]
    if command == "status":
        args += ["--config", str(config)]
    assert_one_line(pantau(*args), "damaged", "restore")


def test_a_config_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PANTAU_CONFIG": str(tmp_path)}
    assert_one_line(pantau("status", env=env), "config:", "is a folder")


def test_a_config_file_not_in_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pantau.toml"
    path.write_bytes("[alerts]\nlanguage = 'fran\u00e7ais'\n".encode("latin-1"))
    assert_one_line(pantau("status", "--config", str(path)), "not UTF-8", "save it as UTF-8")


def test_classify_of_input_not_in_utf8_is_one_line() -> None:
    posts = '{"id": 1, "text": "Lowongan kerja di Kamboja, gaji besar"}\n'
    line = assert_one_line(pantau("classify", stdin=posts.encode("latin-1") + b"\xff\n"))
    assert "not UTF-8" in line and "iconv" in line


def test_classify_onto_a_full_disk_is_one_line() -> None:
    posts = b'{"id": 1, "text": "Lowongan kerja di Kamboja, gaji besar"}\n'
    line = assert_one_line(pantau("classify", "--output", "/dev/full", stdin=posts))
    assert "the disk is full" in line
