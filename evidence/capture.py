"""Evidence capture with the system Chromium: a page as it was, written as a bundle.

``Capturer`` launches the configured Chromium once and opens a fresh context per
capture; ``capture_pending`` is the pipeline stage that captures every suspicious post
still waiting for evidence. The bundle format is in ``evidence.bundle``; checking one
is ``evidence.verify``.

Posts arrive from hostile places, and the pages they lead to are written by criminals:

- the post URL must pass the network fence (``crawler.fence``), and every connection
  the page makes goes through the fence proxy (``crawler.fence_proxy``); what was refused is
  noted in the manifest, and a page that ends on a refused address (a redirect or meta
  refresh inward) is not captured;
- Chromium keeps its sandbox, except as root, where it cannot start with one (the
  service refuses to run as root unless ``service.allow_root`` says so);
- each capture runs under a ``Watchdog``: past ``DEADLINE_FACTOR`` x the page time
  limit the browser is killed and restarted, and the capture fails as "timed out";
- folder names derived from post keys are sanitised, and a bundle is never
  overwritten (it is written beside its place and renamed into it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlite_utils import Database

from crawler import store
from crawler.chromium import FENCED_ARGS, launch_problem, sandbox_options
from crawler.config import BrowserConfig
from crawler.errors import BundleWriteError, CaptureError, ConfigError, FencedError
from crawler.fence import Fence
from crawler.fence_proxy import FenceProxy
from evidence.bundle import (
    PAGE_HTML,
    PAGE_TEXT,
    PAGE_VIEW,
    SCREENSHOT,
    holds_bundle,
    new_bundle_folder,
    remove_partial_bundles,
    safe_folder_name,
    truncate_utf8,
    write_bundle,
)
from evidence.inert import inert_copy
from evidence.watchdog import Watchdog, browser_groups, kill_group

logger = logging.getLogger(__name__)


# Behind the fence proxy (crawler.chromium), and no GPU on a server without a display.
LAUNCH_ARGS = ("--disable-gpu", *FENCED_ARGS)
# A whole capture (load, settle, screenshot, reading the page) may take this many times
# the page time limit before the watchdog kills the browser.
DEADLINE_FACTOR = 3
MAX_FENCE_NOTES = 50
# Starting Chromium on a busy machine can take longer than loading a page.
LAUNCH_TIMEOUT_SECONDS = 30
VIEWPORT = (1280, 900)
MAX_SCREENSHOT_HEIGHT = 20_000
MAX_TEXT_BYTES = 20 * 1024 * 1024
NETWORK_IDLE_SECONDS = 3.0

_PAGE_HEIGHT_JS = (
    "() => Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,"
    " document.body ? document.body.scrollHeight : 0)"
)
_PAGE_WIDTH_JS = "() => document.documentElement ? document.documentElement.scrollWidth : 0"
# innerText of <body> (what a reader sees); evaluate() rather than inner_text("body")
# so that a document without a body (XML, an image) does not wait for the timeout.
_VISIBLE_TEXT_JS = (
    "() => document.body ? document.body.innerText"
    " : (document.documentElement ? document.documentElement.textContent : '')"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CaptureResult:
    """Where a bundle was written, the SHA-256 of its manifest, and the URL the
    browser ended on (after redirects)."""

    path: Path
    manifest_sha256: str
    final_url: str


@dataclass
class _Snapshot:
    """What was read from the page, before anything is written to disk."""

    final_url: str
    http_status: int | None
    user_agent: str
    html: str
    text: str
    png: bytes
    captured_at: datetime
    notes: list[str] = field(default_factory=list)


class Capturer:
    """Chromium, launched once, capturing pages into evidence bundles.

    Use it as a context manager::

        with Capturer(config.browser, Fence(config.network.allow)) as capturer:
            result = capturer.capture(url, folder, post_key=key)

    Each capture gets its own browser context (no cookies or cache shared between
    posts), closed on every path. The Playwright sync API ties the object to the
    thread that started it, allows one running Capturer per thread, and cannot run
    inside a running asyncio loop (use a worker thread there).
    """

    def __init__(
        self,
        config: BrowserConfig,
        fence: Fence,
        *,
        viewport: tuple[int, int] = VIEWPORT,
        max_screenshot_height: int = MAX_SCREENSHOT_HEIGHT,
        max_text_bytes: int = MAX_TEXT_BYTES,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._config = config
        self._fence = fence
        self._viewport = {"width": viewport[0], "height": viewport[1]}
        self._max_height = max_screenshot_height
        self._max_text_bytes = max_text_bytes
        self._clock = clock
        self._timeout_ms = config.timeout_seconds * 1000
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._proxy: FenceProxy | None = None
        self._groups: set[int] = set()
        self._requested: list[str] = []
        self._software: dict[str, str] = {}

    def __enter__(self) -> Capturer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def browser(self) -> Browser:
        """The running browser; ``RuntimeError`` outside the ``with`` block."""
        if self._browser is None:
            raise RuntimeError("Capturer is not started; use it in a with block")
        return self._browser

    @property
    def open_contexts(self) -> int:
        """Browser contexts still open (0 between captures)."""
        return len(self.browser.contexts)

    @property
    def open_pages(self) -> int:
        """Pages still open in any context (0 between captures)."""
        return sum(len(context.pages) for context in self.browser.contexts)

    def start(self) -> None:
        """Launch Chromium from ``executable_path``; ``ConfigError`` if it cannot start.

        Playwright never downloads a browser here: it only runs the given binary.
        """
        path = _check_executable(self._config.executable_path)
        try:
            self._playwright = sync_playwright().start()
        except PlaywrightError as exc:
            raise RuntimeError(f"cannot start Playwright in this thread: {_brief(exc)}") from exc
        self._proxy = FenceProxy(self._fence, timeout=self._config.timeout_seconds)
        self._proxy.start()
        try:
            self._launch(path)
        except PlaywrightError as exc:
            self.close()
            key, problem = launch_problem(f"cannot start {path}: {_brief(exc)}")
            raise ConfigError(key, problem) from exc

    def _launch(self, path: str) -> None:
        """Launch Chromium behind the fence proxy and note its process group."""
        assert self._playwright is not None and self._proxy is not None
        before = browser_groups()
        self._browser = self._playwright.chromium.launch(
            executable_path=path,
            **sandbox_options(LAUNCH_ARGS, sandbox=self._config.sandbox),
            timeout=max(self._timeout_ms, LAUNCH_TIMEOUT_SECONDS * 1000),
            proxy={"server": self._proxy.url},
        )
        self._groups = browser_groups() - before
        if not self._groups:
            logger.warning("browser process not found in /proc: the capture watchdog is blind")
        self._software = _software_versions(self._browser)
        logger.info("browser started: %s", self._software["browser"])

    def _restart(self, url: str) -> None:
        """After the watchdog killed the browser: forget it and launch another;
        ``CaptureError`` when the new one will not start (the next capture tries again)."""
        browser, self._browser = self._browser, None
        for leader in self._groups:
            kill_group(leader)
        if browser is not None:
            _close_quietly(browser)
        self._ensure_browser(url)

    def _ensure_browser(self, url: str) -> None:
        """A running browser for the next capture: launched again when the last one
        was killed or died (a crashed browser would fail every capture after it)."""
        if self._browser is not None and self._browser.is_connected():
            return
        if self._browser is not None:
            logger.warning("the browser died; starting another")
            _close_quietly(self._browser)
            self._browser = None
        try:
            self._launch(self._config.executable_path)
        except PlaywrightError as exc:
            raise CaptureError(url, f"the browser could not be restarted: {_brief(exc)}") from exc

    def close(self) -> None:
        """Close the browser, the fence proxy and Playwright (safe to call twice)."""
        browser, playwright, proxy = self._browser, self._playwright, self._proxy
        self._browser = self._playwright = self._proxy = None
        try:
            if browser is not None:
                with Watchdog(LAUNCH_TIMEOUT_SECONDS, self._groups):  # close() may hang
                    _close_quietly(browser)
        finally:
            for leader in self._groups:
                kill_group(leader)  # a browser that would not close
            if playwright is not None:
                playwright.stop()
            if proxy is not None:
                proxy.close()

    def capture(self, url: str, dest: Path, *, post_key: str | None = None) -> CaptureResult:
        """Capture ``url`` into the folder ``dest`` (created; must not hold a bundle yet).

        An HTTP error page (404, 410, 500...) is captured like any other: a removed
        post is evidence too, and ``http_status`` in the manifest says what happened.
        Raises ``CaptureError`` for refused URLs, timeouts and network errors, and
        ``BundleWriteError`` when the bundle cannot be written (disk full).
        """
        try:
            self._fence.check_url(url)
        except FencedError as exc:
            raise CaptureError(url, exc.reason) from exc
        if holds_bundle(dest) or dest.exists():
            raise CaptureError(url, f"{dest} already holds a bundle; evidence is never overwritten")
        self._ensure_browser(url)
        snapshot = self._guarded_snapshot(url)
        self._check_final_url(url, snapshot)
        try:
            return self._write_bundle(url, snapshot, dest, post_key)
        except OSError as exc:
            raise BundleWriteError(url, f"cannot write the bundle to {dest}: {exc}") from exc

    @property
    def deadline_seconds(self) -> float:
        """How long one capture may take before the watchdog kills the browser."""
        return DEADLINE_FACTOR * self._config.timeout_seconds

    def _guarded_snapshot(self, url: str) -> _Snapshot:
        """``_snapshot`` under the watchdog; a capture it cut short fails as timed out,
        and the browser is restarted for the next one."""
        assert self._proxy is not None
        self._proxy.take_notes()
        self._requested = []
        watchdog = Watchdog(self.deadline_seconds, self._groups)
        try:
            with watchdog:
                snapshot = self._snapshot(url)
        except Exception as exc:
            error = self._explained(url, exc, watchdog.fired)
            if error is exc:
                raise
            raise error from exc
        if watchdog.fired:  # finished just as the timer went off
            self._restart(url)
        snapshot.notes.extend(self._fence_notes())
        return snapshot

    def _explained(self, url: str, exc: Exception, timed_out: bool) -> Exception:
        """The error a failed snapshot ends in, the browser restarted when it was
        killed by the watchdog or died; the proxy's notes say why a connection failed."""
        assert self._proxy is not None
        if timed_out:
            self._restart(url)
            return CaptureError(
                url, f"timed out after {self.deadline_seconds:g} s; browser restarted"
            )
        if not isinstance(exc, CaptureError):
            return exc
        if not self.browser.is_connected():
            self._restart(url)  # it crashed, or was killed from outside
            return CaptureError(url, f"{exc.problem}; the browser died and was restarted")
        return _with_notes(exc, self._fence_notes() + self._proxy.take_notes())

    def _fence_notes(self) -> list[str]:
        """One note per URL the page asked for that the fence refused (the proxy
        refused them; the page's own request list says which were the page's)."""
        verdicts: dict[str, str | None] = {}
        notes = []
        for url in dict.fromkeys(self._requested):
            reason = _refusal(self._fence, url, verdicts)
            if reason is not None and len(notes) < MAX_FENCE_NOTES:
                notes.append(f"refused by the fence: {url[:300]}: {reason}")
        return notes

    def _check_final_url(self, url: str, snapshot: _Snapshot) -> None:
        """A page that ended on a refused address (a redirect or refresh inward) shows
        the fence's refusal, not the post: it is not evidence of anything."""
        try:
            self._fence.check_url(snapshot.final_url)
        except FencedError as exc:
            raise CaptureError(url, f"the page led to {exc.url}: {exc.reason}") from exc

    def _snapshot(self, url: str) -> _Snapshot:
        context: BrowserContext | None = None
        try:
            context = self.browser.new_context(
                viewport=self._viewport,  # type: ignore[arg-type]
                accept_downloads=False,
                service_workers="block",
            )
            context.set_default_timeout(self._timeout_ms)
            context.on("request", lambda request: self._requested.append(request.url))
            return self._read_page(context, url)
        except PlaywrightError as exc:
            raise CaptureError(url, _brief(exc)) from exc
        finally:
            if context is not None:
                _close_quietly(context)

    def _read_page(self, context: BrowserContext, url: str) -> _Snapshot:
        page = context.new_page()
        page.on("websocket", lambda socket: self._requested.append(socket.url))
        try:
            response = page.goto(url, wait_until="load")
            notes = self._settle(page)
            captured_at = self._clock().astimezone(UTC)
            png = self._screenshot(page, notes)
            return _Snapshot(
                final_url=page.url,
                http_status=response.status if response is not None else None,
                user_agent=str(page.evaluate("() => navigator.userAgent")),
                html=page.content(),
                text=str(page.evaluate(_VISIBLE_TEXT_JS)),
                png=png,
                captured_at=captured_at,
                notes=notes,
            )
        finally:
            _close_quietly(page)

    def _settle(self, page: Page) -> list[str]:
        """Give late requests (lazy images, scripts) a short, bounded chance to finish."""
        cap = min(NETWORK_IDLE_SECONDS, self._config.timeout_seconds)
        try:
            page.wait_for_load_state("networkidle", timeout=cap * 1000)
        except PlaywrightTimeoutError:
            return [f"network still busy {cap:g} s after load; captured anyway"]
        return []

    def _screenshot(self, page: Page, notes: list[str]) -> bytes:
        height = int(page.evaluate(_PAGE_HEIGHT_JS))
        if height <= self._max_height:
            return page.screenshot(full_page=True, type="png")
        notes.append(f"screenshot cut at {self._max_height} px of {height} px page height")
        width = max(int(page.evaluate(_PAGE_WIDTH_JS)), self._viewport["width"])
        clip = {"x": 0, "y": 0, "width": width, "height": self._max_height}
        return page.screenshot(full_page=True, type="png", clip=clip)  # type: ignore[arg-type]

    def _write_bundle(
        self, url: str, snapshot: _Snapshot, dest: Path, post_key: str | None
    ) -> CaptureResult:
        contents, truncated = self._file_contents(snapshot)
        manifest = self._manifest(url, snapshot, post_key, truncated)
        manifest_sha256 = write_bundle(dest, contents, manifest)
        logger.info("captured %s into %s (HTTP %s)", url, dest, snapshot.http_status)
        return CaptureResult(dest, manifest_sha256, snapshot.final_url)

    def _file_contents(self, snapshot: _Snapshot) -> tuple[dict[str, bytes], dict[str, int]]:
        """The bytes of each file, and the full size of each text that had to be cut."""
        contents, truncated = {SCREENSHOT: snapshot.png}, {}
        for name, text in ((PAGE_HTML, snapshot.html), (PAGE_TEXT, snapshot.text)):
            contents[name], size = truncate_utf8(text, self._max_text_bytes)
            if len(contents[name]) < size:
                truncated[name] = size
                snapshot.notes.append(f"{name} cut to {self._max_text_bytes} of {size} bytes")
        contents[PAGE_VIEW] = inert_copy(contents[PAGE_HTML])
        return contents, truncated

    def _manifest(
        self,
        url: str,
        snapshot: _Snapshot,
        post_key: str | None,
        truncated: dict[str, int],
    ) -> dict[str, Any]:
        return {
            "url": url,
            "final_url": snapshot.final_url,
            "http_status": snapshot.http_status,
            "captured_at": snapshot.captured_at.isoformat(timespec="seconds"),
            "user_agent": snapshot.user_agent,
            "viewport": dict(self._viewport),
            "software": dict(self._software),
            "post_key": post_key,
            "truncated": truncated,
            "notes": snapshot.notes,
        }


def capture_pending(
    db: Database,
    capturer: Capturer,
    evidence_dir: Path,
    *,
    limit: int = 50,
    max_attempts: int = store.MAX_CAPTURE_ATTEMPTS,
    clock: Callable[[], datetime] = _utc_now,
) -> int:
    """Capture up to ``limit`` suspicious posts still waiting for evidence, recording
    each attempt in the store; a failed page is recorded and the others go on, and a
    post that failed ``max_attempts`` times is given up (its alert goes without
    evidence). Bundles left half-written by an interrupted run are removed first.
    Returns the number captured."""
    for leftover in remove_partial_bundles(evidence_dir):
        logger.warning("removed a half-written bundle %s; its post is captured again", leftover)
    captured = 0
    for post in store.posts_to_capture(db, limit, max_attempts):
        dest = new_bundle_folder(evidence_dir / safe_folder_name(post["key"]), clock())
        captured += _capture_post(db, capturer, post, dest, max_attempts)
    return captured


def browser_unavailable(
    db: Database,
    reason: str,
    *,
    limit: int = 50,
    max_attempts: int = store.MAX_CAPTURE_ATTEMPTS,
) -> int:
    """When Chromium cannot start at all, count one failed attempt for each post waiting
    for evidence, so that after ``max_attempts`` passes its alert goes out without
    evidence instead of waiting for a browser that may never come back. Returns the
    number of posts whose attempt was counted."""
    posts = store.posts_to_capture(db, limit, max_attempts)
    for post in posts:
        _record_failure(db, post["key"], f"the browser could not start: {reason}", max_attempts)
    return len(posts)


def _capture_post(
    db: Database, capturer: Capturer, post: dict[str, Any], dest: Path, max_attempts: int
) -> int:
    key = post["key"]
    try:
        result = capturer.capture(post["url"], dest, post_key=key)
    except CaptureError as exc:
        ours = isinstance(exc, BundleWriteError)  # disk full: not the page's fault
        logger.warning("evidence for %s not captured: %s", key, exc)
        _record_failure(db, key, str(exc), max_attempts, count_attempt=not ours)
        return 0
    store.save_evidence(
        db, key, path=str(result.path), manifest_sha256=result.manifest_sha256, error=None
    )
    return 1


def _record_failure(
    db: Database, key: str, error: str, max_attempts: int, *, count_attempt: bool = True
) -> None:
    """A failed capture attempt of ``key`` in the store (given up after ``max_attempts``)."""
    store.save_evidence(
        db,
        key,
        path=None,
        manifest_sha256=None,
        error=error,
        max_attempts=max_attempts,
        count_attempt=count_attempt,
    )


def _refusal(fence: Fence, url: str, verdicts: dict[str, str | None]) -> str | None:
    """Why the fence refuses ``url`` (ws/wss checked as http/https; other schemes such
    as data: never reach the network), remembered per origin in ``verdicts``."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https"):
        return None
    origin = f"{scheme}://{parts.netloc}/"
    if origin not in verdicts:
        try:
            fence.check_url(origin)
            verdicts[origin] = None
        except FencedError as exc:
            verdicts[origin] = exc.reason
    return verdicts[origin]


def _with_notes(error: CaptureError, notes: list[str]) -> CaptureError:
    """``error`` with the proxy's notes (why a connection failed) added."""
    if not notes:
        return error
    return CaptureError(error.url, f"{error.problem} ({'; '.join(notes[:5])})")


def _check_executable(path: str) -> str:
    if not path:
        raise ConfigError("browser.executable_path", "no browser configured")
    if not Path(path).is_file():
        raise ConfigError("browser.executable_path", f"no such file: {path}")
    if not os.access(path, os.X_OK):
        raise ConfigError("browser.executable_path", f"not executable: {path}")
    return path


def _software_versions(browser: Browser) -> dict[str, str]:
    return {
        "pantau": _package_version("pantau"),
        "playwright": _package_version("playwright"),
        "browser": f"{browser.browser_type.name} {browser.version}",
    }


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _close_quietly(resource: Browser | BrowserContext | Page) -> None:
    """Close a page, context or browser; a failure here (the browser died) is logged,
    not raised, so that it cannot hide the error that got us into the cleanup."""
    try:
        resource.close()
    except PlaywrightError as exc:
        logger.warning("closing %s failed: %s", type(resource).__name__, _brief(exc))


def _brief(exc: BaseException) -> str:
    """The first line of a Playwright error (the rest is a call log for developers)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
