"""Evidence you can trust: ``pantau verify`` asks the store for the manifest hash it
recorded at capture, so a re-hashed, back-dated bundle fails; and the inert viewing copy
of a captured page runs nothing and goes nowhere."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import store
from evidence.bundle import MANIFEST, write_bundle
from evidence.inert import CSP, inert_copy
from pantau.cli import main

KEY = "telegram:loker/7"
PAGE = b"<html><body><p>Loker admin Kamboja, gaji 1000 USD. WA +855 12 345 678</p></body></html>"


def make_bundle(folder: Path) -> str:
    contents = {"page.html": PAGE, "page.txt": b"Loker admin Kamboja, gaji 1000 USD"}
    manifest = {"url": "https://t.me/loker/7", "captured_at": "2026-11-28T10:15:00+00:00"}
    return write_bundle(folder, contents, {**manifest, "post_key": KEY})


def back_date(folder: Path) -> None:
    """What a forger does: change a file, rewrite the manifest with fresh hashes and an
    earlier capture time."""
    (folder / "page.txt").write_bytes(b"Lowongan resmi, tanpa biaya")
    manifest = json.loads((folder / MANIFEST).read_text())
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    manifest["captured_at"] = "2026-10-01T08:00:00+00:00"
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose store recorded one captured bundle."""
    data = tmp_path / "data"
    bundle = data / "evidence" / "loker" / "20261128T101500Z"
    digest = make_bundle(bundle)
    with store.connect(data / "pantau.db") as own:
        store.upsert_post(
            own, {"platform": "telegram", "post_id": "loker/7", "url": "u", "text": "t"}
        )
        store.save_evidence(own, KEY, path=str(bundle), manifest_sha256=digest, error=None)
    return data


def verify(data: Path, path: Path) -> tuple[int, list[str]]:
    config = data.parent / "pantau.toml"
    config.write_text(f'data_dir = "{data}"\n')
    result = CliRunner().invoke(main, ["verify", "--config", str(config), str(path)])
    return result.exit_code, result.output.splitlines()


def bundle_of(data: Path) -> Path:
    return data / "evidence" / "loker" / "20261128T101500Z"


def test_untouched_bundle_verifies_against_the_store(data_dir: Path) -> None:
    code, lines = verify(data_dir, bundle_of(data_dir))
    assert code == 0
    assert lines[-1].startswith("OK: manifest.json matches the SHA-256 the store ")


def test_rehashed_back_dated_bundle_fails(data_dir: Path) -> None:
    back_date(bundle_of(data_dir))
    code, lines = verify(data_dir, bundle_of(data_dir))
    assert code == 1
    assert lines[0].startswith("FAILED manifest.json: SHA-256 mismatch (expected ")


def test_copy_elsewhere_is_found_by_its_post_key(data_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(bundle_of(data_dir), tmp_path / "usb" / "bukti"))
    back_date(copy)
    code, lines = verify(data_dir, copy / MANIFEST)
    assert code == 1
    assert lines[0].startswith("FAILED manifest.json")


def test_a_posts_folder_verifies_each_of_its_captures(data_dir: Path) -> None:
    later = data_dir / "evidence" / "loker" / "20261129T090000Z"
    make_bundle(later)  # a recapture the store does not know: checked by its own hashes
    code, lines = verify(data_dir, data_dir / "evidence" / "loker")
    assert code == 0
    assert lines[-1] == "2 of 2 bundles verified"
    assert any(str(bundle_of(data_dir)) in line for line in lines)


def test_the_evidence_folder_names_the_bundle_that_fails(data_dir: Path) -> None:
    back_date(bundle_of(data_dir))
    other = data_dir / "evidence" / "lain" / "20261130T120000Z"
    make_bundle(other)
    code, lines = verify(data_dir, data_dir / "evidence")
    assert code == 1
    failed = [line for line in lines if line.startswith("FAILED")]
    assert len(failed) == 1
    assert failed[0].startswith(f"FAILED {bundle_of(data_dir)}: manifest.json: SHA-256 mismatch")
    assert lines[-1] == "1 of 2 bundles verified"


def test_without_a_store_it_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "bukti"
    make_bundle(folder)
    back_date(folder)
    code, lines = verify(tmp_path / "kosong", folder)
    assert code == 0  # only the listed files could be checked, and they match
    assert lines[0].startswith("WARNING no store at ")
    assert "a rewritten one would pass" in lines[0]
    assert not (tmp_path / "kosong" / "pantau.db").exists(), "verify never creates a store"


def test_bundle_the_store_does_not_know_is_named(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "lain"
    write_bundle(folder, {"page.txt": b"x"}, {"post_key": "telegram:lain/1"})
    code, lines = verify(data_dir, folder)
    assert code == 0
    assert "has no record of this bundle" in lines[0]


# The inert viewing copy ----------------------------------------------------------------

HOSTILE = b"""<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=http://127.0.0.2/rahasia">
<base href="http://penipu.example/">
<script>fetch('http://127.0.0.2/rahasia')</script></head>
<body onload="curi()"><h1>LOKER ADMIN KAMBOJA</h1>
<a href=" JaVaScRiPt:curi()">daftar</a><a href="data:text/html,<script>1</script>">x</a>
<img src="poster.png" onerror="curi()"><img src="data:image/png;base64,iVBORw0KGgo=">
<iframe src="http://127.0.0.2/"></iframe><object data="x.swf"></object>
<svg><script>curi()</script><a xlink:href="javascript:curi()">s</a></svg>
<form action="javascript:curi()"><button formaction="javascript:curi()">kirim</button></form>
<noscript><img src="http://penipu.example/pixel"></noscript>
<p>Gaji 1000 USD, WA +855 12 345 678</p></body></html>"""


@pytest.fixture(scope="module")
def view() -> str:
    return inert_copy(HOSTILE).decode("utf-8")


@pytest.mark.parametrize(
    "gone",
    [
        "<script",
        "onload",
        "onerror",
        "javascript:",
        "JaVaScRiPt",
        "refresh",
        "<iframe",
        "<object",
        "<base",
        "data:text/html",
        "<noscript",
        "curi()",
    ],
)
def test_view_copy_has_nothing_active(view: str, gone: str) -> None:
    assert gone.lower() not in view.lower()


@pytest.mark.parametrize(
    "kept",
    [
        "LOKER ADMIN KAMBOJA",
        "Gaji 1000 USD, WA +855 12 345 678",
        'src="poster.png"',
        "data:image/png",
    ],
)
def test_view_copy_keeps_what_a_reader_sees(view: str, kept: str) -> None:
    assert kept in view


def test_view_copy_forbids_scripts_and_outside_requests(view: str) -> None:
    assert f'content="{CSP}"' in view
    assert "script-src" not in CSP and "default-src 'none'" in CSP


@pytest.mark.parametrize("html", [b"", b"   ", b"\xff\xfe\x00<p>", b"<p>tanpa html", b"<" * 10000])
def test_view_copy_of_odd_input_is_a_document(html: bytes) -> None:
    assert inert_copy(html).startswith(b"<!DOCTYPE html>")
