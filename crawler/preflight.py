"""Checks made before the service starts, so that a wrong setting stops ``pantau run``
with one line at once instead of failing a stage hours later (a browser that is not
there meant no alert was ever sent while ``pantau status`` said "ok").

``check_start(config)`` runs them in order: the browser (it opens a blank page headless
with its sandbox as configured: a sandbox the host forbids would otherwise fail every
capture, and no alert would go out), the data folder, the database
(it opens, passes SQLite's ``quick_check`` and is not held locked by another process
beyond ``lock_wait`` seconds). The email addresses are checked strictly when the
configuration is read (``crawler.config.parse_address``). Each check raises a
``ConfigError`` naming the key, or a ``StoreError`` for the database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from crawler import store
from crawler.chromium import launch_problem, sandbox_options
from crawler.config import Config
from crawler.errors import ConfigError, StoreError, describe_database_error

LOCK_WAIT_SECONDS = 10.0
BROWSER_START_SECONDS = 30.0


def check_start(config: Config, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
    """Every start-up check; raises on the first that fails."""
    check_browser(config.browser.executable_path, sandbox=config.browser.sandbox)
    check_data_dir(config.data_dir)
    check_database(config.db_path, lock_wait)


def check_browser(path: str, *, sandbox: bool = True) -> None:
    """``path`` is an executable file that opens a blank page headless, with its sandbox
    unless ``sandbox`` is False or this is root (``crawler.chromium``)."""
    key = "browser.executable_path"
    binary = Path(path)
    if not binary.is_file():
        raise ConfigError(key, f"no browser at {path}: install chromium or give its path")
    if not os.access(binary, os.X_OK):
        raise ConfigError(key, f"{path} is not executable: give the Chromium binary")
    options = sandbox_options(("--headless", "--disable-gpu", "--no-first-run"), sandbox=sandbox)
    with tempfile.TemporaryDirectory(prefix="pantau-browser-check-") as profile:
        command = [path, *options["args"], f"--user-data-dir={profile}"]
        try:
            done = subprocess.run(
                [*command, "--dump-dom", "about:blank"],
                capture_output=True,
                timeout=BROWSER_START_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(key, f"{path} does not start: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        fatal = next((line for line in said if "FATAL" in line), said[-1] if said else "")
        key, problem = launch_problem(
            f"{path} cannot open a page (status {done.returncode}): {fatal[-300:]}"
        )
        raise ConfigError(key, problem)


def check_data_dir(folder: Path) -> None:
    """``folder`` exists (created if needed) and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".pantau-check-"):
            pass
    except OSError as exc:
        raise ConfigError(
            "data_dir", f"cannot write in {folder}: {exc.strerror}; give a writable folder"
        ) from None


def check_database(path: Path, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
    """An existing database passes ``quick_check`` and can take a write lock within
    ``lock_wait`` seconds; then it is opened and migrated (a new one is created)."""
    if path.exists():
        try:
            _probe(path, lock_wait)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: {describe_database_error(exc)}") from exc
    store.open_store(path).close()


def _probe(path: Path, lock_wait: float) -> None:
    conn = sqlite3.connect(path, timeout=lock_wait, isolation_level=None)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems[:3]))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()
