"""A deadline over one capture, enforced from outside the browser.

Playwright's sync calls can wait forever on a page that never yields (a script that
loops after ``load``: ``page.evaluate`` has no time limit, and ``browser.close()`` may
hang too). ``Watchdog`` runs a timer beside the capture; past its deadline it kills the
browser's whole process group with SIGKILL, which makes the stuck call fail at once.
The browser's process group is found in ``/proc``: Playwright starts Chromium as the
leader of a new process group, a descendant of this process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

_PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of ``pid``, or None when it is gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[2])


def _pids() -> Iterator[int]:
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def descendants(root: int) -> set[int]:
    """Every live process below ``root``."""
    parents = {pid: stat[0] for pid in _pids() if (stat := _stat(pid)) is not None}
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def browser_groups(root: int | None = None) -> set[int]:
    """Process-group leaders below ``root`` (this process) started by Playwright
    (their command line holds ``--remote-debugging-pipe``)."""
    leaders = set()
    for pid in descendants(root or os.getpid()):
        stat = _stat(pid)
        if stat is not None and stat[1] == pid and _is_playwright_browser(pid):
            leaders.add(pid)
    return leaders


def browser_processes(root: int | None = None) -> set[int]:
    """Every process below ``root`` whose command line is a Playwright-started
    browser's or one of its helpers' (for tests: none may be left)."""
    return {pid for pid in descendants(root or os.getpid()) if _is_browser_process(pid)}


def _cmdline(pid: int) -> bytes:
    try:
        return (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _is_playwright_browser(pid: int) -> bool:
    return b"--remote-debugging-pipe" in _cmdline(pid)


def _is_browser_process(pid: int) -> bool:
    line = _cmdline(pid)
    return b"--remote-debugging-pipe" in line or b"--type=" in line


def kill_group(leader: int) -> None:
    """SIGKILL the process group ``leader`` leads (gone already is fine)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader, signal.SIGKILL)


class Watchdog:
    """Kill the process groups in ``groups`` if the ``with`` block outlasts
    ``seconds``; ``fired`` tells afterwards whether it did."""

    def __init__(self, seconds: float, groups: set[int]) -> None:
        self.seconds = seconds
        self.groups = set(groups)
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        for leader in self.groups:
            kill_group(leader)
