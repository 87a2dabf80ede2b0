"""``pantau verify``: recompute the hashes of an evidence bundle.

Every file the manifest lists is hashed again and compared; with the manifest hash the
store recorded at capture, a re-written manifest is caught too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from evidence.bundle import MANIFEST


def verify_bundle(path: Path, expected_manifest_sha256: str | None = None) -> list[str]:
    """Problems found in the bundle at ``path`` (its folder or its ``manifest.json``);
    an empty list means every listed file is present and unchanged.

    With ``expected_manifest_sha256`` (as stored in the database) a changed manifest is
    reported too; without it, only the files the manifest lists can be checked.
    """
    folder = path.parent if path.name == MANIFEST and path.is_file() else path
    try:
        data = (folder / MANIFEST).read_bytes()
        manifest = json.loads(data)
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST}: unreadable ({exc})"]
    problems = []
    found = hashlib.sha256(data).hexdigest()
    if expected_manifest_sha256 is not None and found != expected_manifest_sha256:
        problems.append(_mismatch(MANIFEST, expected_manifest_sha256, found))
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not entries:
        return [*problems, f"{MANIFEST}: lists no files"]
    for entry in entries:
        problems.extend(_check_entry(folder, entry))
    return problems


def _check_entry(folder: Path, entry: Any) -> list[str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return [f"{MANIFEST}: malformed file entry {entry!r}"]
    name, expected = entry["name"], entry.get("sha256")
    # A tampered manifest must not make us read files outside the bundle.
    if name in ("", ".", "..", MANIFEST) or "/" in name or "\\" in name:
        return [f"{name}: not a plain file name inside the bundle"]
    try:
        with open(folder / name, "rb") as handle:
            found = hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return [f"{name}: missing"]
    except OSError as exc:
        return [f"{name}: unreadable ({exc})"]
    return [] if found == expected else [_mismatch(name, str(expected), found)]


def _mismatch(name: str, expected: str, found: str) -> str:
    return f"{name}: SHA-256 mismatch (expected {expected}, found {found})"
