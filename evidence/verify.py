"""``pantau verify``: recompute the hashes of an evidence bundle.

Every file the manifest lists is hashed again and compared. That alone cannot catch a
bundle whose files were changed and whose manifest was rewritten with the new hashes
(and an older date); the SHA-256 of the manifest itself, which the store recorded at
capture, does. ``recorded_manifest_hash`` asks the store for it (read-only; by the
bundle's folder, else by the post key the manifest names) and says plainly when there
is no store to ask.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import store
from crawler.errors import StoreError
from evidence.bundle import MANIFEST


@dataclass(frozen=True)
class Recorded:
    """What the store knows of a bundle: its manifest's SHA-256 at capture (None when
    it cannot say), and a sentence saying where that came from or why it is missing."""

    manifest_sha256: str | None
    note: str


def recorded_manifest_hash(db_path: Path, bundle: Path) -> Recorded:
    """The manifest hash the store at ``db_path`` recorded for ``bundle``."""
    unchecked = "the manifest itself could not be checked (a rewritten one would pass)"
    if not db_path.is_file():
        return Recorded(None, f"no store at {db_path} to ask: {unchecked}")
    folder = bundle_folder(bundle)
    try:
        db = store.open_readonly(db_path)
    except StoreError as exc:
        return Recorded(None, f"{exc}: {unchecked}")
    try:
        paths = list(dict.fromkeys([str(folder.absolute()), str(folder.resolve())]))
        row = store.recorded_evidence(db, paths, _post_key(folder))
    finally:
        db.close()
    if row is None or not row.get("manifest_sha256"):
        return Recorded(None, f"the store {db_path} has no record of this bundle: {unchecked}")
    where = "" if row["path"] in paths else f" (by its post key; the store's is {row['path']})"
    return Recorded(row["manifest_sha256"], f"the store {db_path} recorded it at capture{where}")


def bundles_under(path: Path) -> list[Path]:
    """The bundles ``path`` names: itself when it is one (or its ``manifest.json``), else
    the bundles in it, a post's captures (``<post>/<time>/``) or the whole evidence folder
    (``<post>/<time>/`` under it), oldest first; ``[path]`` when it holds none, so that the
    check says what is missing."""
    folder = bundle_folder(path)
    if (folder / MANIFEST).exists() or not folder.is_dir():
        return [folder]
    found = sorted(m.parent for m in folder.glob(f"*/{MANIFEST}"))
    found = found or sorted(m.parent for m in folder.glob(f"*/*/{MANIFEST}"))
    return found or [folder]


def bundle_folder(path: Path) -> Path:
    """The bundle's folder, given the folder or its ``manifest.json``."""
    return path.parent if path.name == MANIFEST and path.is_file() else path


def _post_key(folder: Path) -> str | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    key = manifest.get("post_key") if isinstance(manifest, dict) else None
    return key if isinstance(key, str) else None


def verify_bundle(path: Path, expected_manifest_sha256: str | None = None) -> list[str]:
    """Problems found in the bundle at ``path`` (its folder or its ``manifest.json``);
    an empty list means every listed file is present and unchanged.

    With ``expected_manifest_sha256`` (as stored in the database) a changed manifest is
    reported too; without it, only the files the manifest lists can be checked.
    """
    folder = bundle_folder(path)
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
