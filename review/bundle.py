"""Evidence bundles as the review desk sees them: the files of one capture with their
SHA-256 and the hash the manifest recorded (``evidence.verify`` does the full check).

Folders come from the database and names from a manifest written beside hostile page
content, so a folder is used only when it lies inside the configured evidence folder,
and a file only when it is a regular file directly in it (no symlinks, no sub-paths).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SCREENSHOT = "screenshot.png"
MAX_FILES = 50


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle: its SHA-256 now, and the one the manifest recorded."""

    name: str
    size: int
    sha256: str
    recorded: str | None

    @property
    def ok(self) -> bool:
        return self.recorded is None if self.name == MANIFEST else self.recorded == self.sha256


def bundle_folder(evidence_dir: Path, evidence: Mapping[str, Any] | None) -> Path | None:
    """The bundle folder of an ``ok`` evidence row, or None when there is none or it lies
    outside ``evidence_dir``."""
    if not evidence or evidence.get("status") != "ok" or not evidence.get("path"):
        return None
    folder = Path(str(evidence["path"])).resolve()
    if not folder.is_relative_to(evidence_dir.resolve()) or not folder.is_dir():
        return None
    return folder


def bundle_files(folder: Path) -> list[BundleFile]:
    """The regular files directly in ``folder`` with their hashes, manifest first."""
    recorded = _recorded_hashes(folder)
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: (p.name != MANIFEST, p.name))[:MAX_FILES]:
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        files.append(BundleFile(path.name, path.stat().st_size, digest, recorded.get(path.name)))
    return files


def bundle_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` when ``name`` is one of the bundle's regular files, else None."""
    names = {f.name for f in bundle_files(folder)}
    return folder / name if name in names else None


def _recorded_hashes(folder: Path) -> dict[str, str]:
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return {}
    return {
        str(e["name"]): str(e.get("sha256"))
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("name"), str) and "/" not in e["name"]
    }
