"""``pantau backup`` and ``pantau restore``: the database and the evidence, copied safely.

A backup is a folder holding ``pantau.db`` (made with SQLite's online backup API, so the
service may keep running), ``evidence/`` (every bundle, byte for byte) and
``backup.json`` (when, from where, and the SHA-256 of the database copy). Restoring checks
that hash, refuses to overwrite an existing database unless told to, and points the
evidence rows at the bundles' new place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from crawler import store
from crawler.config import Config
from crawler.errors import PantauError

MANIFEST = "backup.json"
DATABASE = "pantau.db"
EVIDENCE = "evidence"


class BackupError(PantauError):
    """A backup cannot be made or restored; says why."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database_sha256: str
    bundles: int


def backup(config: Config, dest: Path) -> BackupReport:
    """Copy the database and evidence of ``config`` into the new folder ``dest``."""
    if not config.db_path.is_file():
        raise BackupError(f"no database at {config.db_path}: nothing to back up")
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; give a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    _copy_database(config.db_path, dest / DATABASE)
    bundles = _copy_evidence(config.evidence_dir, dest / EVIDENCE)
    digest = _sha256(dest / DATABASE)
    manifest = {
        "format": "pantau-backup/1",
        "created_at": store.now_iso(datetime.now(UTC)),
        "pantau": _version(),
        "data_dir": str(config.data_dir),
        "evidence_dir": str(config.evidence_dir),
        "database_sha256": digest,
        "bundles": bundles,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BackupReport(dest, digest, bundles)


def restore(config: Config, source: Path, *, force: bool = False) -> BackupReport:
    """Put the backup in ``source`` in place as the data of ``config``."""
    manifest = _read_manifest(source)
    if _sha256(source / DATABASE) != manifest["database_sha256"]:
        raise BackupError(f"{source / DATABASE} does not match the hash in {MANIFEST}")
    if config.db_path.exists() and not force:
        raise BackupError(f"{config.db_path} exists; restore with --force to replace it")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{config.db_path}{suffix}").unlink(missing_ok=True)
    _copy_database(source / DATABASE, config.db_path)
    bundles = _copy_evidence(source / EVIDENCE, config.evidence_dir)
    with store.connect(config.db_path) as db:
        store.move_evidence_paths(db, manifest["evidence_dir"], str(config.evidence_dir))
    return BackupReport(config.data_dir, manifest["database_sha256"], bundles)


def _copy_database(src: Path, dest: Path) -> None:
    """SQLite's online backup: a consistent copy even while the service writes."""
    source = target = None
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        target = sqlite3.connect(dest)
        source.backup(target)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot copy the database {src}: {exc}") from exc
    finally:
        for connection in (target, source):
            if connection is not None:
                connection.close()


def _copy_evidence(src: Path, dest: Path) -> int:
    if not src.is_dir():
        return 0
    shutil.copytree(src, dest, dirs_exist_ok=True)
    return sum(1 for _ in dest.rglob("manifest.json"))


def _read_manifest(source: Path) -> dict[str, str]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a Pantau backup ({MANIFEST}: {exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "pantau-backup/1":
        raise BackupError(f"{source / MANIFEST} is not a Pantau backup manifest")
    return manifest


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _version() -> str:
    try:
        return metadata.version("pantau")
    except metadata.PackageNotFoundError:
        return "unknown"
