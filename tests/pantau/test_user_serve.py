"""``pantau user`` and ``pantau serve``: accounts from the command line, the desk served
by waitress until SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import store
from pantau.cli import main
from review.passwords import verify_password

PASSWORD = "kata-sandi-panjang-1"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PANTAU_DATA_DIR": str(tmp_path / "data"), "PANTAU_CONFIG": ""}


def run(env: dict[str, str], *args: str, input: str | None = None) -> object:
    return CliRunner().invoke(main, list(args), input=input, env=env)


def user(env: dict[str, str], name: str) -> dict | None:
    with store.connect(Path(env["PANTAU_DATA_DIR"]) / "pantau.db") as db:
        return store.get_user(db, name)


def test_user_add_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    result = run(env, "user", "add", "rina", "--role", "reviewer", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    found = user(env, "rina")
    assert found["role"] == "reviewer"
    assert verify_password(PASSWORD, found["password_hash"])
    assert PASSWORD not in found["password_hash"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["rina", "--role", "reviewer"], "pendek\n", "at least 10"),
        (["rina", "--role", "boss"], PASSWORD + "\n", "Invalid value for '--role'"),
        (["rina jahat", "--role", "viewer"], PASSWORD + "\n", "letters, digits"),
    ],
)
def test_user_add_refuses_bad_input(
    env: dict[str, str], args: list[str], stdin: str, message: str
) -> None:
    result = run(env, "user", "add", *args, input=stdin)
    assert result.exit_code == 2
    assert message in result.output


def test_user_add_refuses_a_taken_name(env: dict[str, str]) -> None:
    run(env, "user", "add", "rina", "--role", "reviewer", input=PASSWORD + "\n")
    result = run(env, "user", "add", "rina", "--role", "admin", input=PASSWORD + "\n")
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_user_list_disable_and_password(env: dict[str, str]) -> None:
    run(env, "user", "add", "budi", "--role", "viewer", input=PASSWORD + "\n")
    assert re.search(r"budi\tviewer\tactive", run(env, "user", "list").output)
    assert run(env, "user", "disable", "budi").exit_code == 0
    assert re.search(r"budi\tviewer\tdisabled", run(env, "user", "list").output)
    result = run(env, "user", "password", "budi", input="sandi-baru-yang-panjang\n")
    assert result.exit_code == 0
    assert verify_password("sandi-baru-yang-panjang", user(env, "budi")["password_hash"])


def test_user_disable_of_an_unknown_name_fails(env: dict[str, str]) -> None:
    result = run(env, "user", "disable", "siapa")
    assert result.exit_code == 2
    assert "no such user" in result.output


def test_serve_answers_until_sigterm(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pantau", "serve", "--port", "0"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = _wait_for_url(process)
        with urllib.request.urlopen(url + "/login", timeout=10) as response:
            assert response.status == 200
            assert "csrf_token" in response.read().decode()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def _wait_for_url(process: subprocess.Popen) -> str:
    # readline() blocks until the line comes or the process ends; the timeout of the test
    # run is the deadline.
    for line in process.stdout:
        found = re.search(r"review desk on (http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"pantau serve ended with {process.wait()} before listening")
