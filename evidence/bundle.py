"""The evidence bundle on disk: its file names, its manifest, and safe folder names.

A *bundle* is one folder per capture holding ``screenshot.png`` (full page, height
capped), ``page.html`` (the rendered DOM, as captured), ``page.view.html`` (an inert
copy of it to look at, ``evidence.inert``), ``page.txt`` (the visible text) and
``manifest.json`` (URL, final URL, HTTP status, capture time, user agent, viewport,
software versions and the SHA-256 of every other file). The database stores the
SHA-256 of ``manifest.json`` itself, so a changed manifest is caught too
(``evidence.verify``). A bundle is never overwritten.

A bundle is written whole or not at all: into a hidden folder beside its place
(``.<name>.partial``), each file flushed to disk, then renamed into place. A capture cut
off half way leaves only such a folder, which ``remove_partial_bundles`` clears before
the post is captured again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SCREENSHOT = "screenshot.png"
PAGE_HTML = "page.html"
PAGE_TEXT = "page.txt"
PAGE_VIEW = "page.view.html"
PARTIAL_SUFFIX = ".partial"
BUNDLE_FORMAT = "pantau-evidence/1"

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def write_bundle(dest: Path, contents: Mapping[str, bytes], manifest: dict[str, Any]) -> str:
    """Write ``contents`` (file name -> bytes) and the manifest, completed with each
    file's name, SHA-256 and size, as the new folder ``dest``; return the manifest's
    SHA-256. ``FileExistsError`` if ``dest`` exists; on any error nothing is left."""
    if dest.exists():
        raise FileExistsError(f"{dest} exists; a bundle is never overwritten")
    partial = partial_folder(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir()
        digest = _write_all(partial, contents, manifest)
        os.rename(partial, dest)  # rename(2) refuses a non-empty dest; checked above
        _sync_folder(dest.parent)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return digest


def partial_folder(dest: Path) -> Path:
    """Where the bundle for ``dest`` is written before it is renamed into place."""
    return dest.parent / f".{dest.name}{PARTIAL_SUFFIX}"


def remove_partial_bundles(evidence_dir: Path) -> list[Path]:
    """Remove bundles left half-written by an interrupted capture; return them."""
    found = sorted(evidence_dir.glob(f"*/.*{PARTIAL_SUFFIX}"))
    for folder in found:
        shutil.rmtree(folder, ignore_errors=True)
    return found


def _write_all(folder: Path, contents: Mapping[str, bytes], manifest: dict[str, Any]) -> str:
    files = [_write_file(folder / name, data) for name, data in contents.items()]
    manifest = {"format": BUNDLE_FORMAT, **manifest, "files": files}
    data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    _write_file(folder / MANIFEST, data)
    _sync_folder(folder)
    return hashlib.sha256(data).hexdigest()


def holds_bundle(folder: Path) -> bool:
    """True when ``folder`` already holds a bundle (it must never be overwritten)."""
    return (folder / MANIFEST).exists()


def truncate_utf8(text: str, limit: int) -> tuple[bytes, int]:
    """``text`` as UTF-8, cut to at most ``limit`` bytes without splitting a character,
    and its full encoded size (compare the two to know whether it was cut)."""
    data = text.encode("utf-8", errors="replace")
    if len(data) <= limit:
        return data, len(data)
    return data[:limit].decode("utf-8", errors="ignore").encode("utf-8"), len(data)


def safe_folder_name(key: str, max_length: int = 80) -> str:
    """A folder name for a post key that cannot escape its parent (no ``/``, no ``..``,
    no leading dot) and stays distinct for keys that sanitise alike."""
    digest = hashlib.sha256(key.encode("utf-8", errors="replace")).hexdigest()[:10]
    readable = _UNSAFE_CHARS.sub("_", key).strip("._-")[:max_length] or "post"
    return f"{readable}-{digest}"


def new_bundle_folder(parent: Path, now: datetime) -> Path:
    """``parent/<UTC timestamp>``, with a suffix if a capture already used that second."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = parent / stamp, 1
    while candidate.exists():
        number += 1
        candidate = parent / f"{stamp}-{number}"
    return candidate


def _write_file(path: Path, data: bytes) -> dict[str, Any]:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {"name": path.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _sync_folder(folder: Path) -> None:
    """Make a folder's new entries durable (a rename is not until its folder is)."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
