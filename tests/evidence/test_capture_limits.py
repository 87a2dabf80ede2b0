"""Every capture ends in time, and bundles are whole or absent: a page that loops in
script after ``load``, one that never finishes loading, an interrupted bundle, a bundle
that cannot be written. Real Chromium against loopback servers; Chromium processes are
counted in /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.config import BrowserConfig, find_browser
from crawler.errors import CaptureError
from evidence.bundle import partial_folder, remove_partial_bundles, write_bundle
from evidence.capture import Capturer, capture_pending
from evidence.watchdog import browser_groups, browser_processes
from tests.support.http import HOST, Reply, loopback_fence, serve

pytestmark = pytest.mark.browser

TIMEOUT_SECONDS = 2.0
BUSY_PAGE = b"""<!doctype html><html><body><p>Loker admin Kamboja</p>
<script>addEventListener('load', () => { while (true) {} })</script></body></html>"""
# The loop starts just after load has been reported: goto returns, the next call hangs.
LATE_BUSY_PAGE = b"""<!doctype html><html><body><p>Loker admin Kamboja</p>
<script>addEventListener('load', () => setTimeout(() => { while (true) {} }, 0))</script>
</body></html>"""
GOOD_PAGE = b"<!doctype html><html><body><p>Lowongan kerja Kamboja gaji 1000 USD</p></body></html>"
SUSPICIOUS = {"score": 0.9, "label": "suspicious", "indicators": [], "model_version": "test"}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    routes = {
        "/sibuk": Reply(BUSY_PAGE),
        "/sibuk-nanti": Reply(LATE_BUSY_PAGE),
        "/loker": Reply(GOOD_PAGE),
    }
    with serve(routes) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def never_loads() -> Iterator[str]:
    """A server that sends the start of a page and then nothing, holding the line."""
    listener = socket.create_server((HOST, 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve_forever() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
                b"<html><body><p>Loker luar negeri, mulai"
            )
            held.append(connection)

    thread = threading.Thread(target=serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{listener.getsockname()[1]}/lambat"
    finally:
        stop.set()
        listener.close()
        for connection in held:
            connection.close()


@pytest.fixture
def browser_config() -> BrowserConfig:
    path = find_browser()
    if not Path(path).is_file():
        pytest.skip(f"no Chromium found (looked on PATH and at {path})")
    return BrowserConfig(executable_path=path, timeout_seconds=TIMEOUT_SECONDS)


def in_own_thread(work: object) -> object:
    """Run ``work()`` in a fresh thread (Playwright's sync API: one per thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result(timeout=120)  # type: ignore[arg-type]


def capture_twice(config: BrowserConfig, first: str, second: str, folder: Path) -> dict:
    """Capture ``first`` then ``second``; what happened, how long the first took, and
    the browser process groups before and after."""
    outcome: dict = {}
    with Capturer(config, loopback_fence()) as capturer:
        outcome["groups_before"] = browser_groups()
        started = time.monotonic()
        try:
            capturer.capture(first, folder / "pertama")
        except CaptureError as exc:
            outcome["error"] = str(exc)
        outcome["seconds"] = time.monotonic() - started
        outcome["second"] = capturer.capture(second, folder / "kedua")
        outcome["groups_after"] = browser_groups()
        outcome["deadline"] = capturer.deadline_seconds
    outcome["left"] = browser_processes()
    return outcome


def test_busy_loop_in_the_load_handler_times_out(
    browser_config: BrowserConfig, site: str, tmp_path: Path
) -> None:
    """The loop blocks the load event itself: Playwright's own page time limit ends it."""
    before = browser_processes()
    outcome = in_own_thread(
        lambda: capture_twice(browser_config, f"{site}/sibuk", f"{site}/loker", tmp_path)
    )
    assert "Timeout 2000ms exceeded" in outcome["error"]  # type: ignore[index]
    assert outcome["seconds"] < outcome["deadline"] + 5  # type: ignore[index]
    assert (outcome["second"].path / "page.txt").read_text().startswith("Lowongan")  # type: ignore[index]
    assert outcome["left"] <= before  # type: ignore[index]


def test_busy_loop_after_load_is_cut_off_by_the_watchdog(
    browser_config: BrowserConfig, site: str, tmp_path: Path
) -> None:
    """The loop starts once load was reported: the next call (with no time limit of its
    own) would wait forever; the watchdog kills the browser and a new one goes on."""
    before = browser_processes()
    outcome = in_own_thread(
        lambda: capture_twice(browser_config, f"{site}/sibuk-nanti", f"{site}/loker", tmp_path)
    )
    assert "timed out after 6 s; browser restarted" in outcome["error"]  # type: ignore[index]
    assert outcome["seconds"] < outcome["deadline"] + 5  # type: ignore[index]
    assert (outcome["second"].path / "page.txt").read_text().startswith("Lowongan")  # type: ignore[index]
    assert outcome["groups_after"].isdisjoint(outcome["groups_before"])  # type: ignore[index]
    assert not (tmp_path / "pertama").exists()
    assert outcome["left"] <= before  # type: ignore[index]


def test_page_that_never_finishes_loading_times_out(
    browser_config: BrowserConfig, never_loads: str, site: str, tmp_path: Path
) -> None:
    before = browser_processes()
    outcome = in_own_thread(
        lambda: capture_twice(browser_config, never_loads, f"{site}/loker", tmp_path)
    )
    assert "Timeout" in outcome["error"] or "timed out" in outcome["error"]  # type: ignore[index]
    assert outcome["seconds"] < outcome["deadline"] + 5  # type: ignore[index]
    assert outcome["second"].path.is_dir()  # type: ignore[index]
    assert outcome["left"] <= before  # type: ignore[index]


def test_timed_out_post_is_retried_then_given_up_with_the_reason(
    browser_config: BrowserConfig, site: str, db: Database, tmp_path: Path
) -> None:
    store.upsert_post(
        db,
        {"platform": "telegram", "post_id": "c/1", "url": f"{site}/sibuk-nanti", "text": "x"},
    )
    key = store.post_key("telegram", "c/1")
    store.save_verdict(db, key, SUSPICIOUS, "digest")
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]

    def two_passes() -> None:
        with store.connect(path) as own, Capturer(browser_config, loopback_fence()) as capturer:
            for _ in range(2):
                capture_pending(own, capturer, tmp_path / "evidence", max_attempts=2)

    in_own_thread(two_passes)
    row = store.get_evidence(db, key)
    assert row is not None and (row["status"], row["attempts"]) == ("given_up", 2)
    assert "timed out" in row["error"]
    assert store.posts_to_alert(db) == [key]


# Bundles written whole -----------------------------------------------------------------


def test_interrupted_bundle_leaves_no_bundle_and_is_cleaned_up(tmp_path: Path) -> None:
    dest = tmp_path / "evidence" / "post" / "20261128T101500Z"
    partial = partial_folder(dest)
    partial.mkdir(parents=True)
    (partial / "screenshot.png").write_bytes(b"setengah")  # a capture killed mid-write
    assert not dest.exists()
    assert remove_partial_bundles(tmp_path / "evidence") == [partial]
    assert not partial.exists()


def test_bundle_is_renamed_into_place_whole(tmp_path: Path) -> None:
    dest = tmp_path / "post" / "b"
    write_bundle(dest, {"page.txt": b"teks"}, {"url": "http://x/"})
    assert sorted(p.name for p in dest.iterdir()) == ["manifest.json", "page.txt"]
    assert [p.name for p in dest.parent.iterdir()] == ["b"]
    with pytest.raises(FileExistsError):
        write_bundle(dest, {"page.txt": b"lain"}, {"url": "http://x/"})


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, almost full (a filler file leaves 8 KiB); skips where mounting is
    not allowed."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        (folder / "isi").write_bytes(b"\0" * (1024 * 1024 - 8192))
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_leaves_nothing_and_the_post_is_captured_later(
    browser_config: BrowserConfig, site: str, db: Database, small_disk: Path
) -> None:
    store.upsert_post(
        db, {"platform": "telegram", "post_id": "c/2", "url": f"{site}/loker", "text": "x"}
    )
    key = store.post_key("telegram", "c/2")
    store.save_verdict(db, key, SUSPICIOUS, "digest")
    evidence = small_disk / "evidence"
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]

    def one_pass() -> int:
        with store.connect(path) as own, Capturer(browser_config, loopback_fence()) as capturer:
            return capture_pending(own, capturer, evidence)

    assert in_own_thread(one_pass) == 0
    row = store.get_evidence(db, key)
    assert row is not None and (row["status"], row["attempts"]) == ("failed", 0)
    assert "No space left on device" in row["error"]
    assert [p.name for p in evidence.rglob("*") if p.is_file()] == []  # no half bundle
    (small_disk / "isi").unlink()  # the operator frees space
    assert in_own_thread(one_pass) == 1
    assert store.get_evidence(db, key)["status"] == "ok"  # type: ignore[index]


def test_browser_that_died_is_replaced_for_the_next_capture(
    browser_config: BrowserConfig, site: str, tmp_path: Path
) -> None:
    """Chromium killed from outside (out of memory, an operator) between two posts: the
    post being captured fails, saying so, and the next one is captured by a new browser."""

    def kill_then_capture() -> tuple[str, bool]:
        with Capturer(browser_config, loopback_fence()) as capturer:
            for leader in browser_groups():
                os.killpg(leader, signal.SIGKILL)
            with pytest.raises(CaptureError) as caught:
                capturer.capture(f"{site}/loker", tmp_path / "a")
            return str(caught.value), capturer.capture(
                f"{site}/loker", tmp_path / "b"
            ).path.is_dir()

    error, captured = in_own_thread(kill_then_capture)  # type: ignore[misc]
    assert "the browser died and was restarted" in error
    assert captured
