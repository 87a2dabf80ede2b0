"""Chromium keeps its sandbox under an unprivileged user, for real.

The service runs as its own unprivileged user (deploy/systemd), where Chromium starts with
its sandbox. When the tests run as root (CI, containers), this test drops to the
``nobody`` user with ``setpriv`` and captures a loopback page there with the real
Capturer: the capture must succeed, and every Chromium process it started must run
without ``--no-sandbox``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.chromium import launch_problem, sandbox_options
from crawler.config import find_browser
from tests.support.http import Reply, serve

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534

# Run as the unprivileged user: capture PAGE into DEST and print, as JSON, the bundle's
# page text and the command lines of the Chromium processes the capture started.
CHILD = """
import json, os, sys
from pathlib import Path
from crawler.config import BrowserConfig
from crawler.fence import Fence, parse_allow
from evidence.capture import Capturer
from evidence.watchdog import browser_processes

url, dest, executable = sys.argv[1:4]
def cmdline(pid):
    parts = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\\0")
    return [part.decode(errors="replace") for part in parts if part]
config = BrowserConfig(executable_path=executable, timeout_seconds=20)
with Capturer(config, Fence(parse_allow(["127.0.0.1"]))) as capturer:
    result = capturer.capture(url, Path(dest) / "bundle")
    cmdlines = [cmdline(pid) for pid in browser_processes()]
text = (result.path / "page.txt").read_text(encoding="utf-8")
print(json.dumps({"euid": os.geteuid(), "text": text, "chromium": cmdlines}))
"""


def reachable_by_others(path: Path) -> bool:
    """True when a user other than the owner can reach and read ``path``."""
    path = path.resolve()
    if not path.exists() or path.stat().st_mode & 0o004 == 0:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in path.parents)


def interpreter_for_others() -> str | None:
    """A Python of this version that the unprivileged user can run: this one, or the
    system's of the same minor version (this venv's packages go on its path)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, shutil.which(version), f"/usr/bin/{version}"]
    for candidate in candidates:
        if candidate and reachable_by_others(Path(candidate)):
            return candidate
    return None


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user can write (pytest's own tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="pantau-sandbox-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is not installed")
def test_capture_as_an_unprivileged_user_keeps_chromium_sandboxed(shared_folder: Path) -> None:
    python = interpreter_for_others()
    packages = Path(sysconfig.get_paths()["purelib"])
    if python is None or not reachable_by_others(ROOT) or not reachable_by_others(packages):
        pytest.skip("no Python with this project's packages is readable by other users")
    html = '<!doctype html><html><body><p id="p">Loker admin Kamboja, sandbox uji</p></body></html>'
    with serve({"/pos": Reply(html.encode())}) as base_url:
        completed = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                python,
                "-c",
                CHILD,
                f"{base_url}/pos",
                str(shared_folder),
                find_browser(),
            ],
            cwd=ROOT,
            env={
                "HOME": str(shared_folder),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "PYTHONPATH": os.pathsep.join((str(ROOT), str(packages))),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["euid"] == NOBODY
    assert "sandbox uji" in report["text"]
    assert report["chromium"], "no Chromium process of the unprivileged user was seen"
    for cmdline in report["chromium"]:
        assert "--no-sandbox" not in cmdline, cmdline


def test_a_sandbox_that_cannot_start_names_its_setting() -> None:
    # What Chromium prints when user namespaces are forbidden (Docker's default seccomp).
    key, problem = launch_problem(
        "cannot start /usr/bin/chromium: [FATAL:zygote_host_impl_linux.cc] No usable sandbox!"
    )
    assert key == "browser.sandbox"
    assert "browser.sandbox = false" in problem
    assert launch_problem("cannot start /x: not found") == (
        "browser.executable_path",
        "cannot start /x: not found",
    )


@pytest.mark.parametrize(
    ("euid", "sandbox", "kept"), [(1000, True, True), (1000, False, False), (0, True, False)]
)
def test_the_sandbox_is_kept_unless_root_or_switched_off(
    euid: int, sandbox: bool, kept: bool
) -> None:
    options = sandbox_options(("--disable-gpu",), euid, sandbox=sandbox)
    assert options["chromium_sandbox"] is kept
    assert ("--no-sandbox" in options["args"]) is not kept
