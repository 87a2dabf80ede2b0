"""``pantau backup`` and ``pantau restore`` on real files: a store with posts and an
evidence bundle is backed up, the data folder lost, and everything restored elsewhere."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler import store
from crawler.backup import BackupError, backup, restore
from crawler.config import Config, parse_config
from crawler.retention import apply_retention
from evidence.bundle import write_bundle
from evidence.verify import verify_bundle
from pantau.cli import main

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def config_at(folder: Path, **raw: Any) -> Config:
    return parse_config({"data_dir": str(folder), **raw}, {})


def seed(config: Config) -> Path:
    """A post with a verdict and a real evidence bundle; returns the bundle folder."""
    bundle = config.evidence_dir / "telegram_loker_1" / "20261202T080000Z"
    digest = write_bundle(
        bundle, {"page.txt": b"Loker Kamboja gaji 15jt"}, {"url": "https://t.me/1"}
    )
    with store.connect(config.db_path) as db:
        post = {"platform": "telegram", "post_id": "loker/1", "url": "https://t.me/1", "text": "x"}
        store.upsert_post(db, post, now=NOW)
        store.save_evidence(
            db, "telegram:loker/1", path=str(bundle), manifest_sha256=digest, error=None
        )
    return bundle


def test_backup_and_restore_into_another_folder(tmp_path: Path) -> None:
    original = config_at(tmp_path / "data")
    seed(original)
    report = backup(original, tmp_path / "backup")
    assert report.bundles == 1
    shutil.rmtree(tmp_path / "data")  # the disk is lost

    moved = config_at(tmp_path / "new-data")
    restored = restore(moved, tmp_path / "backup")
    assert restored.bundles == 1
    with store.connect(moved.db_path) as db:
        assert store.has_post(db, "telegram:loker/1")
        evidence = store.get_evidence(db, "telegram:loker/1")
    assert evidence is not None
    assert evidence["path"].startswith(str(moved.evidence_dir))
    assert verify_bundle(Path(evidence["path"]), evidence["manifest_sha256"]) == []


def test_restore_refuses_a_changed_backup_and_an_existing_database(tmp_path: Path) -> None:
    config = config_at(tmp_path / "data")
    seed(config)
    backup(config, tmp_path / "backup")
    with pytest.raises(BackupError, match="exists; restore with --force"):
        restore(config, tmp_path / "backup")
    with open(tmp_path / "backup" / "pantau.db", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(BackupError, match="does not match the hash"):
        restore(config, tmp_path / "backup", force=True)


def test_backup_needs_a_new_folder(tmp_path: Path) -> None:
    config = config_at(tmp_path / "data")
    seed(config)
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "something").write_text("x")
    with pytest.raises(BackupError, match="is not empty"):
        backup(config, tmp_path / "backup")


def test_backup_commands(tmp_path: Path) -> None:
    config_file = tmp_path / "pantau.toml"
    config_file.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    seed(config_at(tmp_path / "data"))
    runner = CliRunner()
    made = runner.invoke(main, ["backup", "--config", str(config_file), str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    again = runner.invoke(main, ["restore", "--config", str(config_file), str(tmp_path / "b")])
    assert again.exit_code == 2
    assert again.output.strip().startswith("pantau: error: ")
    assert "restore with --force" in again.output


def test_retention_drops_old_warcs_and_quiet_posts_only(tmp_path: Path) -> None:
    config = config_at(tmp_path / "data", retention={"warc_days": 30, "post_days": 60})
    warc_dir = config.data_dir / "warc"
    warc_dir.mkdir(parents=True)
    old, new = warc_dir / "old.warc.gz", warc_dir / "new.warc.gz"
    outside = tmp_path / "elsewhere.warc.gz"
    for path in (old, new, outside):
        path.write_bytes(b"WARC")
    with store.connect(config.db_path) as db:
        for when, path in (
            (NOW - timedelta(days=40), old),
            (NOW, new),
            (NOW - timedelta(days=90), outside),
        ):
            run_id = store.start_run(db, "telegram", "loker", now=when)
            store.finish_run(db, run_id, "ok", "finished", {}, now=when, warc_path=str(path))
        for number, label in ((1, "not_suspicious"), (2, "suspicious")):
            key = f"telegram:loker/{number}"
            post = {"platform": "telegram", "post_id": f"loker/{number}", "url": "u", "text": "x"}
            store.upsert_post(db, post, now=NOW - timedelta(days=61))
            verdict = {
                "score": 0.1,
                "label": label,
                "indicators": [],
                "entities": [],
                "model_version": "t",
            }
            store.save_verdict(db, key, verdict, "h", now=NOW - timedelta(days=61))
        report = apply_retention(db, config, NOW)
        assert store.has_post(db, "telegram:loker/2")
        assert not store.has_post(db, "telegram:loker/1")
    assert (report.warc_files, report.posts) == (1, 1)
    assert not old.exists()
    assert new.exists() and outside.exists()
