"""A review-desk store built from real rows through the store functions: posts classified
by the real classifier, entities, repost clusters, an evidence bundle on disk, accounts of
every role, a source with runs. Hostile posts are included on purpose.

``build_desk(tmp_path)`` returns a ``Desk`` with the configuration and the keys the tests
use; ``login(client, name)`` logs a Flask test client in.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image

from classifiers import classify
from crawler import store
from crawler.config import Config, parse_config
from review.passwords import hash_password

PASSWORD = "kata-sandi-uji-123"
USERS = {"admin": "admin", "rina": "reviewer", "budi": "viewer"}
SECRET = "test-secret-key-not-for-production"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PHONE = "+85512345678"

# (post_id, text, cluster); texts are our own, written for these tests.
POSTS = (
    (
        "101",
        "Dibutuhkan admin CS di Phnom Penh, gaji 15jt, tiket & visa ditanggung. "
        "Biaya pendaftaran 2jt. WA +855 12 345 678",
        "c-kh",
    ),
    (
        "102",
        "DIBUTUHKAN admin CS di Phnom Penh!! gaji 15jt tiket dan visa ditanggung, "
        "biaya pendaftaran 2jt, WA +855 12 345 678",
        "c-kh",
    ),
    (
        "103",
        "Lowongan operator ketik cepat di Myawaddy, gaji 12 juta, berangkat cepat, cukup "
        "KTP. Hubungi +855 12 345 678 atau @rekrut_mm",
        "c-mm",
    ),
    (
        "104",
        "Dicari ART ke Arab Saudi pakai visa umroh, proses cepat, potong gaji. "
        "Minat WA 0812 3456 7890",
        "c-sa",
    ),
    (
        "105",
        "Lowongan staf gudang Cikarang, gaji UMR, kirim lamaran ke email hrd@gudang.co.id",
        "c-id",
    ),
)
HOSTILE_TEXT = (
    "Kerja admin CS di Kamboja gaji 15jt tiket ditanggung <script>alert('xss')</script> "
    '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">daftar</a> WA +855 98 765 432'
)
REPORT_TEXT = (
    "Hati-hati lowongan admin ke Kamboja yang minta biaya pendaftaran. Korban dijanjikan "
    "gaji 15jt. Nomor pelaku +855 12 345 678 sudah dilaporkan."
)


@dataclass
class Desk:
    config: Config
    keys: dict[str, str] = field(default_factory=dict)
    bundle: Path | None = None


@cache
def _password_hash() -> str:
    # scrypt is slow on purpose; one hash serves every account of every test store.
    return hash_password(PASSWORD)


def make_config(tmp_path: Path, browser: str = "", **review: Any) -> Config:
    raw = {"data_dir": str(tmp_path / "data"), "review": review}
    if browser:
        raw["browser"] = {"executable_path": browser}
    return parse_config(raw, {})


def build_desk(tmp_path: Path, browser: str = "", **review: Any) -> Desk:
    """A store with flagged posts, a report, a hostile post, evidence and accounts;
    ``browser`` replaces the system Chromium (for the case report's PDF)."""
    desk = Desk(make_config(tmp_path, browser, **review))
    with store.connect(desk.config.db_path) as db:
        _add_source(db)
        for number, (post_id, text, cluster) in enumerate(POSTS):
            desk.keys[post_id] = _add_post(db, post_id, text, NOW - timedelta(hours=number))
            store.set_cluster(db, desk.keys[post_id], cluster)
        desk.keys["hostile"] = _add_post(
            db, "666", HOSTILE_TEXT, NOW, url="javascript:alert(3)", author="<b>calo</b>"
        )
        desk.keys["report"] = _add_post(db, "201", REPORT_TEXT, NOW, label="report")
        desk.bundle = _add_bundle(db, desk.config, desk.keys["101"])
        for name, role in USERS.items():
            store.add_user(db, name, role, _password_hash())
    return desk


def _add_source(db: Any) -> None:
    db.execute("INSERT INTO sources (name, spider, args) VALUES ('loker-demo', 'telegram', '{}')")
    run = store.start_run(db, "telegram", "loker-demo", NOW - timedelta(hours=1))
    store.finish_run(db, run, "ok", "finished", {"scraped": 7, "new": 7}, NOW)


def _add_post(
    db: Any,
    post_id: str,
    text: str,
    posted: datetime,
    *,
    url: str | None = None,
    author: str = "Agen Kerja",
    label: str | None = None,
) -> str:
    item = {
        "platform": "telegram",
        "source": "loker-demo",
        "post_id": f"loker_demo/{post_id}",
        "url": url or f"https://t.me/loker_demo/{post_id}",
        "author": author,
        "author_url": "https://t.me/loker_demo",
        "text": text,
        "posted_at": posted.isoformat(timespec="seconds"),
        "images": [],
    }
    store.upsert_post(db, item, now=NOW)
    key = store.post_key("telegram", item["post_id"])
    post = store.get_post(db, key)
    verdict = classify(post).to_dict()
    if label is not None:
        verdict["label"] = label
    store.save_verdict(db, key, verdict, post["content_hash"], now=NOW)
    store.save_entities(db, key, verdict["entities"])
    return key


def _add_bundle(db: Any, config: Config, key: str) -> Path:
    folder = config.evidence_dir / "telegram_loker_demo_101" / "20261120T090000Z"
    folder.mkdir(parents=True)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(png, format="PNG")
    files = {
        "screenshot.png": png.getvalue(),
        "page.html": b"<html><body><script>alert('page')</script>Loker</body></html>",
        "page.txt": b"Loker admin CS Phnom Penh",
    }
    entries = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        entries.append(
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        )
    manifest = json.dumps({"format": "pantau-evidence/1", "files": entries}).encode()
    (folder / "manifest.json").write_bytes(manifest)
    store.save_evidence(
        db,
        key,
        path=str(folder),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        error=None,
        now=NOW,
    )
    return folder


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    """Log the Flask test client in as ``name``; returns the login response."""
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})
