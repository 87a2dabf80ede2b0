"""Evidence capture with the real system Chromium against loopback pages.

The replica pages are written here, in Indonesian, in the style of a recruitment post
on a public Telegram channel page.
"""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.config import BrowserConfig, find_browser
from crawler.errors import CaptureError, ConfigError
from evidence.bundle import MANIFEST, safe_folder_name, truncate_utf8
from evidence.capture import Capturer, CaptureResult, capture_pending
from evidence.verify import verify_bundle
from tests.support.http import Reply, closed_port_url, loopback_fence, serve, silent_server

AD_PAGE = b"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Loker Kamboja</title></head>
<body>
<h1>LOWONGAN KERJA ADMIN / CS KAMBOJA</h1>
<p>Gaji USD 1.000 per bulan, tanpa pengalaman, cukup KTP dan KK.</p>
<p>Tiket dan visa ditanggung, berangkat cepat. Biaya proses Rp 2 juta transfer ke rekening.</p>
<p>Hubungi WA +855 12 345 678</p>
<script>window.jejak = "teks skrip tidak terlihat";</script>
</body></html>
"""
REMOVED_PAGE = b"<html><body><p>Postingan tidak ditemukan.</p></body></html>"
TALL_PAGE = b'<html><body style="margin:0"><div style="height:30000px">panjang</div></body></html>'
BIG_TEXT_PAGE = (
    "<html><body><p>" + "Lowongan kerja luar negeri. " * 2000 + "</p></body></html>"
).encode()
TIMEOUT_SECONDS = 3.0
FIXED_NOW = datetime(2026, 11, 28, 10, 15, 0, tzinfo=UTC)
SUSPICIOUS = {"score": 0.9, "label": "suspicious", "indicators": [], "model_version": "test"}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    routes = {
        "/loker": Reply(AD_PAGE),
        "/hilang": Reply(REMOVED_PAGE, status=404),
        "/pindah": Reply(b"", status=302, headers=(("Location", "/loker"),)),
        "/panjang": Reply(TALL_PAGE),
        "/besar": Reply(BIG_TEXT_PAGE),
    }
    with serve(routes) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser_config() -> BrowserConfig:
    path = find_browser()
    if not Path(path).is_file():
        pytest.skip(f"no Chromium found (looked on PATH and at {path})")
    return BrowserConfig(executable_path=path, timeout_seconds=TIMEOUT_SECONDS)


@pytest.fixture(scope="module")
def capturer(browser_config: BrowserConfig) -> Iterator[Capturer]:
    """One browser for the module (Playwright allows one per thread). Its limits are
    small so the height and text caps can be seen at work; the ad page fits in them."""
    with Capturer(
        browser_config, loopback_fence(), max_screenshot_height=3000, max_text_bytes=5000
    ) as started:
        yield started


@pytest.fixture(scope="module")
def captured(
    capturer: Capturer, site: str, tmp_path_factory: pytest.TempPathFactory
) -> CaptureResult:
    dest = tmp_path_factory.mktemp("bundle") / "ad"
    return capturer.capture(f"{site}/loker", dest, post_key="telegram:loker/1")


@pytest.fixture
def bundle(captured: CaptureResult, tmp_path: Path) -> Path:
    """A private copy of the captured bundle that a test may damage."""
    return Path(shutil.copytree(captured.path, tmp_path / "copy"))


def manifest_of(path: Path) -> dict:
    return json.loads((path / MANIFEST).read_text(encoding="utf-8"))


# The bundle ---------------------------------------------------------------------------


@pytest.mark.browser
def test_bundle_holds_five_files(captured: CaptureResult) -> None:
    names = sorted(p.name for p in captured.path.iterdir())
    assert names == ["manifest.json", "page.html", "page.txt", "page.view.html", "screenshot.png"]


@pytest.mark.browser
def test_manifest_records_the_capture(captured: CaptureResult, site: str) -> None:
    manifest = manifest_of(captured.path)
    assert manifest["url"] == manifest["final_url"] == f"{site}/loker"
    assert manifest["http_status"] == 200
    assert datetime.fromisoformat(manifest["captured_at"]).utcoffset() is not None
    assert "Chrome" in manifest["user_agent"]
    assert manifest["viewport"] == {"width": 1280, "height": 900}
    assert set(manifest["software"]) == {"pantau", "playwright", "browser"}
    assert manifest["post_key"] == "telegram:loker/1"
    assert manifest["truncated"] == {}


@pytest.mark.browser
def test_manifest_lists_every_other_file_with_hash_and_size(captured: CaptureResult) -> None:
    files = manifest_of(captured.path)["files"]
    assert sorted(f["name"] for f in files) == [
        "page.html",
        "page.txt",
        "page.view.html",
        "screenshot.png",
    ]
    for entry in files:
        assert entry["bytes"] == (captured.path / entry["name"]).stat().st_size
        assert len(entry["sha256"]) == 64


@pytest.mark.browser
def test_page_text_is_the_visible_text(captured: CaptureResult) -> None:
    text = (captured.path / "page.txt").read_text(encoding="utf-8")
    assert "Hubungi WA +855 12 345 678" in text
    assert "teks skrip tidak terlihat" not in text


@pytest.mark.browser
def test_page_html_is_the_rendered_dom(captured: CaptureResult) -> None:
    html = (captured.path / "page.html").read_text(encoding="utf-8")
    assert "LOWONGAN KERJA ADMIN / CS KAMBOJA" in html


@pytest.mark.browser
def test_screenshot_is_a_png_of_the_viewport_width(captured: CaptureResult) -> None:
    width, height = png_size((captured.path / "screenshot.png").read_bytes())
    assert width == 1280
    assert height >= 900


@pytest.mark.browser
def test_result_hash_is_the_manifest_hash(captured: CaptureResult) -> None:
    assert verify_bundle(captured.path, captured.manifest_sha256) == []


# Verification -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("as_manifest_path", [False, True])
def test_fresh_bundle_verifies(bundle: Path, as_manifest_path: bool) -> None:
    assert verify_bundle(bundle / MANIFEST if as_manifest_path else bundle) == []


@pytest.mark.browser
@pytest.mark.parametrize("name", ["page.txt", "screenshot.png", "page.html", "page.view.html"])
def test_one_changed_byte_is_named(bundle: Path, name: str) -> None:
    data = bytearray((bundle / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (bundle / name).write_bytes(bytes(data))
    problems = verify_bundle(bundle)
    assert len(problems) == 1
    assert problems[0].startswith(f"{name}: SHA-256 mismatch (expected ")


@pytest.mark.browser
def test_missing_file_is_reported(bundle: Path) -> None:
    (bundle / "page.txt").unlink()
    assert verify_bundle(bundle) == ["page.txt: missing"]


@pytest.mark.browser
def test_changed_manifest_is_reported_against_the_stored_hash(
    bundle: Path, captured: CaptureResult
) -> None:
    manifest = manifest_of(bundle)
    manifest["url"] = "https://example.org/lain"
    (bundle / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    problems = verify_bundle(bundle, captured.manifest_sha256)
    assert problems == [
        f"manifest.json: SHA-256 mismatch (expected {captured.manifest_sha256}, found "
        + problems[0].rsplit("found ", 1)[1]
    ]


@pytest.mark.browser
@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[]", b'{"files": []}'])
def test_broken_manifest_is_reported(bundle: Path, content: bytes) -> None:
    (bundle / MANIFEST).write_bytes(content)
    problems = verify_bundle(bundle)
    assert len(problems) == 1
    assert problems[0].startswith("manifest.json: ")


def test_missing_bundle_is_reported(tmp_path: Path) -> None:
    assert verify_bundle(tmp_path / "nothing")[0].startswith("manifest.json: unreadable")


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "..", "manifest.json"])
def test_manifest_cannot_point_outside_the_bundle(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.txt").write_text("x")
    folder = tmp_path / "bundle"
    folder.mkdir()
    entry = {"name": name, "sha256": "0" * 64, "bytes": 1}
    (folder / MANIFEST).write_text(json.dumps({"files": [entry]}))
    assert verify_bundle(folder) == [f"{name}: not a plain file name inside the bundle"]


# Capture outcomes ---------------------------------------------------------------------


@pytest.mark.browser
def test_http_404_is_captured_as_evidence_of_removal(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    result = capturer.capture(f"{site}/hilang", tmp_path / "b")
    assert manifest_of(result.path)["http_status"] == 404
    assert "tidak ditemukan" in (result.path / "page.txt").read_text(encoding="utf-8")


@pytest.mark.browser
def test_redirect_records_the_final_url(capturer: Capturer, site: str, tmp_path: Path) -> None:
    result = capturer.capture(f"{site}/pindah", tmp_path / "b")
    assert result.final_url == f"{site}/loker"
    assert manifest_of(result.path)["url"] == f"{site}/pindah"


@pytest.mark.browser
def test_server_that_never_answers_times_out(capturer: Capturer, tmp_path: Path) -> None:
    with silent_server() as url, pytest.raises(CaptureError, match="Timeout") as caught:
        capturer.capture(f"{url}/loker", tmp_path / "b")
    assert caught.value.url == f"{url}/loker"
    assert not (tmp_path / "b").exists()


@pytest.mark.browser
def test_timeout_leaves_no_page_or_context_open(capturer: Capturer, tmp_path: Path) -> None:
    with silent_server() as url, pytest.raises(CaptureError):
        capturer.capture(url, tmp_path / "b")
    assert (capturer.open_contexts, capturer.open_pages) == (0, 0)


@pytest.mark.browser
def test_connection_refused_raises_capture_error(capturer: Capturer, tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="Connection refused"):
        capturer.capture(closed_port_url(), tmp_path / "b")
    assert (capturer.open_contexts, capturer.open_pages) == (0, 0)


@pytest.mark.browser
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "chrome://version",
        "data:text/html,<p>hai</p>",
        "about:blank",
        "ftp://127.0.0.1/x",
        "http:///tanpa-host",
        "",
    ],
)
def test_non_web_urls_are_refused(capturer: Capturer, tmp_path: Path, url: str) -> None:
    with pytest.raises(CaptureError, match="is not http or https|no host"):
        capturer.capture(url, tmp_path / "b")
    assert not (tmp_path / "b").exists()


@pytest.mark.browser
def test_existing_bundle_is_never_overwritten(capturer: Capturer, site: str, bundle: Path) -> None:
    before = (bundle / MANIFEST).read_bytes()
    with pytest.raises(CaptureError, match="never overwritten"):
        capturer.capture(f"{site}/loker", bundle)
    assert (bundle / MANIFEST).read_bytes() == before


@pytest.mark.browser
def test_browser_is_launched_once_for_several_captures(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    browser = capturer.browser
    for number in range(3):
        capturer.capture(f"{site}/loker", tmp_path / str(number))
    assert capturer.browser is browser
    assert browser.is_connected()
    assert (capturer.open_contexts, capturer.open_pages) == (0, 0)


@pytest.mark.browser
def test_tall_page_screenshot_is_cut_at_the_cap(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    result = capturer.capture(f"{site}/panjang", tmp_path / "b")
    assert png_size((result.path / "screenshot.png").read_bytes())[1] == 3000
    assert any("screenshot cut" in note for note in manifest_of(result.path)["notes"])


@pytest.mark.browser
def test_big_page_text_is_truncated_and_noted(
    capturer: Capturer, site: str, tmp_path: Path
) -> None:
    result = capturer.capture(f"{site}/besar", tmp_path / "b")
    manifest = manifest_of(result.path)
    assert set(manifest["truncated"]) == {"page.html", "page.txt"}
    assert (result.path / "page.txt").stat().st_size <= 5000
    assert verify_bundle(result.path, result.manifest_sha256) == []


# Configuration errors -----------------------------------------------------------------


def start_in_worker_thread(config: BrowserConfig) -> BaseException | None:
    """Start and stop a Capturer in a thread of its own: the module's browser already
    holds this thread's Playwright."""

    def run() -> None:
        with Capturer(config, loopback_fence()):
            pass

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).exception()


@pytest.mark.parametrize(
    ("executable", "message"),
    [("/nonexistent/chromium", "no such file"), ("plain", "not executable"), ("", "no browser")],
)
def test_missing_browser_raises_config_error(tmp_path: Path, executable: str, message: str) -> None:
    if executable == "plain":
        executable = str(tmp_path / "chromium")
        Path(executable).write_text("bukan browser")
    with (
        pytest.raises(ConfigError, match=message) as caught,
        Capturer(BrowserConfig(executable), loopback_fence()),
    ):
        pass
    assert caught.value.key == "browser.executable_path"


@pytest.mark.browser
def test_program_that_is_no_browser_raises_config_error(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    error = start_in_worker_thread(BrowserConfig(str(fake), timeout_seconds=10))
    assert isinstance(error, ConfigError)
    assert error.key == "browser.executable_path"
    assert f"cannot start {fake}" in str(error)


def test_capturer_outside_with_block_says_so() -> None:
    with pytest.raises(RuntimeError, match="with block"):
        Capturer(BrowserConfig("/usr/bin/chromium"), loopback_fence()).browser  # noqa: B018


# Pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "kept", "size"),
    [
        ("lowongan", 100, b"lowongan", 8),
        ("lowongan", 3, b"low", 8),
        ("gaji €", 7, b"gaji ", 8),  # the euro sign (3 bytes) is not split
        ("", 0, b"", 0),
    ],
)
def test_truncate_utf8(text: str, limit: int, kept: bytes, size: int) -> None:
    assert truncate_utf8(text, limit) == (kept, size)


@pytest.mark.parametrize(
    "key",
    ["telegram:chan/123", "../../etc", "..", "/", "", "a\\b", ".hidden", "x" * 500, "🇰🇭 loker"],
)
def test_safe_folder_name_stays_inside_its_parent(tmp_path: Path, key: str) -> None:
    name = safe_folder_name(key)
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    assert not name.startswith(".")
    assert len(name) <= 100


def test_safe_folder_names_differ_for_keys_that_sanitise_alike() -> None:
    assert safe_folder_name("telegram:a/b") != safe_folder_name("telegram:a_b")


def test_safe_folder_name_is_readable() -> None:
    assert safe_folder_name("telegram:chan/123").startswith("telegram_chan_123-")


# The pipeline stage -------------------------------------------------------------------


def add_suspicious(db: Database, post_id: str, url: str, score: float = 0.9) -> str:
    post = {
        "platform": "telegram",
        "source": "uji",
        "post_id": post_id,
        "url": url,
        "text": "Loker admin Kamboja, gaji USD 1.000",
    }
    store.upsert_post(db, post)
    key = store.post_key("telegram", post_id)
    store.save_verdict(db, key, {**SUSPICIOUS, "score": score}, "digest")
    return key


@pytest.mark.browser
def test_capture_pending_captures_and_records(
    db: Database, capturer: Capturer, site: str, tmp_path: Path
) -> None:
    key = add_suspicious(db, "loker/1", f"{site}/loker")
    assert capture_pending(db, capturer, tmp_path / "evidence", clock=lambda: FIXED_NOW) == 1
    evidence = store.get_evidence(db, key)
    assert evidence is not None and evidence["status"] == "ok"
    assert (
        Path(evidence["path"]) == tmp_path / "evidence" / safe_folder_name(key) / "20261128T101500Z"
    )
    assert verify_bundle(Path(evidence["path"]), evidence["manifest_sha256"]) == []


@pytest.mark.browser
def test_capture_pending_twice_captures_nothing_new(
    db: Database, capturer: Capturer, site: str, tmp_path: Path
) -> None:
    add_suspicious(db, "loker/1", f"{site}/loker")
    capture_pending(db, capturer, tmp_path / "evidence")
    assert capture_pending(db, capturer, tmp_path / "evidence") == 0


@pytest.mark.browser
def test_capture_pending_records_a_failure_and_goes_on(
    db: Database, capturer: Capturer, site: str, tmp_path: Path
) -> None:
    bad = add_suspicious(db, "loker/rusak", closed_port_url(), score=0.99)  # tried first
    good = add_suspicious(db, "loker/1", f"{site}/loker", score=0.8)
    assert capture_pending(db, capturer, tmp_path / "evidence") == 1
    failed = store.get_evidence(db, bad)
    assert failed is not None and failed["status"] == "failed" and failed["path"] is None
    assert "Connection refused" in failed["error"]
    assert store.get_evidence(db, good)["status"] == "ok"  # type: ignore[index]


@pytest.mark.browser
def test_capture_pending_keeps_hostile_keys_inside_the_evidence_folder(
    db: Database, capturer: Capturer, site: str, tmp_path: Path
) -> None:
    key = add_suspicious(db, "../../../luar", f"{site}/loker")
    capture_pending(db, capturer, tmp_path / "evidence")
    path = Path(store.get_evidence(db, key)["path"]).resolve()  # type: ignore[index]
    assert path.is_relative_to((tmp_path / "evidence").resolve())


@pytest.mark.browser
def test_capture_pending_uses_a_new_folder_when_the_second_is_taken(
    db: Database, capturer: Capturer, site: str, tmp_path: Path
) -> None:
    key = add_suspicious(db, "loker/1", f"{site}/loker")
    taken = tmp_path / "evidence" / safe_folder_name(key) / "20261128T101500Z"
    taken.mkdir(parents=True)
    capture_pending(db, capturer, tmp_path / "evidence", clock=lambda: FIXED_NOW)
    assert store.get_evidence(db, key)["path"] == f"{taken}-2"  # type: ignore[index]
