"""The checks before ``pantau run`` crawls: browser, data folder, database."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.config import find_browser
from crawler.errors import ConfigError, StoreError
from crawler.preflight import (
    check_browser,
    check_data_dir,
    check_database,
)
from tests.support.faults import damaged_database, garbage_database, write_locked


def script(path: Path, body: str, mode: int = 0o755) -> str:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(mode)
    return str(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: str(tmp / "nowhere" / "chromium"), "no browser at"),
        (lambda tmp: str(tmp), "no browser at"),
        (lambda tmp: script(tmp / "chromium", "exit 0", mode=0o644), "is not executable"),
        (lambda tmp: script(tmp / "chromium", "exit 3"), "cannot open a page .status 3."),
    ],
    ids=["missing", "folder", "not-executable", "does-not-start"],
)
def test_a_bad_browser_is_named(tmp_path: Path, make: Callable[[Path], str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        check_browser(make(tmp_path))
    assert caught.value.key == "browser.executable_path"


@pytest.mark.browser
def test_the_system_chromium_passes() -> None:
    check_browser(find_browser())


# What Chromium prints when the host forbids the user namespaces its sandbox needs.
NO_SANDBOX_HERE = (
    'echo "[1:1:FATAL:content/browser/zygote_host/zygote_host_impl_linux.cc:128] No usable '
    "sandbox! If you are running on Ubuntu 23.10+ or another Linux distro that has disabled "
    'unprivileged user namespaces with AppArmor, ..." >&2; exit 133'
)


def test_a_sandbox_the_host_forbids_is_named_at_start(tmp_path: Path) -> None:
    browser = script(tmp_path / "chromium", NO_SANDBOX_HERE)
    with pytest.raises(ConfigError, match="browser.sandbox = false") as caught:
        check_browser(browser)
    assert caught.value.key == "browser.sandbox"


def test_a_browser_that_cannot_open_a_page_is_named_at_start(tmp_path: Path) -> None:
    browser = script(tmp_path / "chromium", 'echo "cannot open display" >&2; exit 1')
    with pytest.raises(
        ConfigError, match="cannot open a page .status 1.: cannot open display"
    ) as caught:
        check_browser(browser)
    assert caught.value.key == "browser.executable_path"


def test_a_data_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot write in") as caught:
        check_data_dir(tmp_path / "file" / "data")
    assert caught.value.key == "data_dir"


def test_a_data_folder_is_created(tmp_path: Path) -> None:
    check_data_dir(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    assert list((tmp_path / "a" / "b").iterdir()) == []


@pytest.mark.parametrize("make", [garbage_database, damaged_database], ids=["garbage", "pages"])
def test_a_damaged_database_is_refused(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path / "pantau.db")
    with pytest.raises(StoreError, match="the database is damaged .*restore pantau.db"):
        check_database(path)


def test_a_locked_database_is_refused_after_a_bounded_wait(tmp_path: Path) -> None:
    path = tmp_path / "pantau.db"
    check_database(path)  # creates it
    started = time.monotonic()
    with write_locked(path), pytest.raises(StoreError, match="locked by another process"):
        check_database(path, lock_wait=0.5)
    assert 0.4 < time.monotonic() - started < 5


def test_a_new_database_is_created_and_migrated(tmp_path: Path) -> None:
    check_database(tmp_path / "pantau.db")
    assert stat.S_ISREG((tmp_path / "pantau.db").stat().st_mode)
