"""Crash safety, for real: ``pantau run`` is killed with SIGKILL (its whole process
group, crawl children included) at random moments while the replica channel grows, and
started again each time. After one clean full run every post of the channel is stored
once, every flagged post has verified evidence and an email, none is emailed under two
Message-IDs, and no bundle is half-written.

``PANTAU_CRASH_KILLS`` sets the number of kills (8 by default) and ``PANTAU_CRASH_SEED``
the seed of the random kill delays and growth (fixed in CI, random otherwise; printed).
"""

from __future__ import annotations

import dataclasses
import email
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from email.policy import default as default_policy
from pathlib import Path

import pytest

from alerts.sink import MailSink
from crawler import store
from crawler.config import find_browser
from evidence.verify import verify_bundle
from pantau.replica import Post, ReplicaSite, serve_replica
from tests.support import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHANNEL = "lokerluarnegeri_demo"
KILLS = int(os.environ.get("PANTAU_CRASH_KILLS", "8"))
PAGE_LATENCY = 1.0  # seconds the replica takes per channel page, so a walk can be cut
# Two kinds of rounds, alternating. Kill delays count from the moment the crawl records its
# run. "walk": more new posts than a page holds (7) and a kill while the crawl walks back
# over them (the first page takes PAGE_LATENCY), the case that lost older posts for good;
# "any": a few new posts and a kill anywhere in the cycle (walk, classify, capture, deliver).
ROUNDS = {"walk": ((8, 14), (0.5, 3.0)), "any": ((0, 6), (0.0, 10.0))}
RUN_STARTED = "(source demo) started"


def crash_seed() -> int:
    if os.environ.get("PANTAU_CRASH_SEED"):
        return int(os.environ["PANTAU_CRASH_SEED"])
    return 8 if os.environ.get("CI") else random.SystemRandom().randrange(1_000_000)


def write_config(tmp_path: Path, base_url: str, smtp_port: int) -> Path:
    path = tmp_path / "pantau.toml"
    path.write_text(
        f"data_dir = '{tmp_path / 'data'}'\n"
        f"[browser]\nexecutable_path = '{find_browser()}'\n"
        f"[smtp]\nhost = '127.0.0.1'\nport = {smtp_port}\n"
        "[alerts]\nrecipients = ['penyidik@example.org']\n"
        "[classifier]\nocr = false\n"
        "[network]\nallow = ['127.0.0.1']\n[service]\nallow_root = true\n"
        "[[sources]]\nname = 'demo'\nspider = 'telegram'\n"
        "interval_minutes = 0.1\njitter_seconds = 0\n"
        f"args = {{ channel = '{CHANNEL}', base_url = '{base_url}', max_pages = '50' }}\n",
        encoding="utf-8",
    )
    return path


def grow(
    site: ReplicaSite, rng: random.Random, templates: list[Post], least: int = 0, most: int = 6
) -> int:
    """Publish between ``least`` and ``most`` new posts copied from the sample ones."""
    count = rng.randint(least, most)
    for _ in range(count):
        number = site.channel.posts[-1].id + 1
        template = rng.choice(templates)
        text = f"{template.text}\n\n#{number}" if template.text else ""
        site.publish(dataclasses.replace(template, id=number, text=text))
    return count


def start_service(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pantau", "run", "--config", str(config)],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes the children too
        )


def wait_for_line(log: Path, text: str, count: int, timeout: float = 180) -> None:
    """Wait until ``text`` appears ``count`` times in ``log``; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while log.read_text(errors="replace").count(text) < count:
        assert time.monotonic() < deadline, f"no {text!r} #{count} in the log after {timeout}s"
        pause.wait(0.1)


def kill_group(service: subprocess.Popen[bytes]) -> None:
    os.killpg(service.pid, signal.SIGKILL)
    service.wait(timeout=60)


def crawl_once(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pantau", "crawl", "--config", str(config), "demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def work_left(db_path: Path) -> bool:
    """True while a flagged post waits for evidence or an alert, or an alert is queued."""
    with store.connect(db_path) as db:
        queued = store.alerts_due(db, ignore_backoff=True)
        return bool(store.posts_to_capture(db, 1) or store.posts_to_alert(db) or queued)


def finish(config: Path, db_path: Path, passes: int = 4) -> subprocess.CompletedProcess[str]:
    """One clean full crawl, repeated while work is left (a pass captures at most 50
    posts, as the service's next passes would); the last result."""
    result = crawl_once(config)
    for _ in range(passes - 1):
        if result.returncode != 0 or not work_left(db_path):
            break
        result = crawl_once(config)
    return result


def message_ids_by_post(inbox: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in inbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        found[str(message["X-Pantau-Post"])].add(str(message["Message-ID"]))
    return found


def bundle_folders(evidence: Path) -> list[Path]:
    """Every bundle folder (``evidence/<post>/<time>``), hidden work folders left out."""
    return [
        folder
        for post in evidence.iterdir()
        if post.is_dir()
        for folder in post.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
    ]


def test_killed_at_random_while_the_channel_grows_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    seed = crash_seed()
    rng = random.Random(seed)
    print(f"crash test: seed {seed}, {KILLS} kills")
    log = tmp_path / "service.log"
    log.touch()
    pause = threading.Event()
    with serve_replica() as site, MailSink(tmp_path / "inbox") as sink:
        site.latency = PAGE_LATENCY
        templates = list(site.channel.posts)
        config = write_config(tmp_path, site.base_url, sink.port)
        for number in range(KILLS):
            (least, most), delays = ROUNDS["walk" if number % 2 else "any"]
            grow(site, rng, templates, least, most)
            runs_before = log.read_text(errors="replace").count(RUN_STARTED)
            service = start_service(config, log)
            wait_for_line(log, RUN_STARTED, runs_before + 1)
            pause.wait(rng.uniform(*delays))  # the random moment is the point
            kill_group(service)
        grow(site, rng, templates)
        final = finish(config, tmp_path / "data" / "pantau.db")
        channel = site.channel
    assert final.returncode == 0, final.stdout + final.stderr[-3000:]
    expected = {store.post_key("telegram", f"{CHANNEL}/{post.id}") for post in channel.posts}
    with store.connect(tmp_path / "data" / "pantau.db") as db:
        stored = [row["key"] for row in db.query("SELECT key FROM posts")]
        runs = {
            r["status"]: r["n"]
            for r in db.query("SELECT status, count(*) AS n FROM runs GROUP BY status")
        }
        flagged = [row["key"] for row in store.flagged_posts(db, limit=10_000)]
        evidence = {key: store.get_evidence(db, key) for key in flagged}
        alerts = {key: store.get_alert(db, key) for key in flagged}
    mail = message_ids_by_post(tmp_path / "inbox")
    bundles = bundle_folders(tmp_path / "data" / "evidence")
    print(
        f"crash test: {len(channel.posts)} posts, {KILLS} kills, runs {runs}, "
        f"{len(flagged)} flagged, {sum(len(ids) for ids in mail.values())} emails, "
        f"{len(bundles)} bundles"
    )
    assert sorted(stored) == sorted(expected)  # every post, each once
    assert "running" not in runs
    assert flagged
    assert all(row is not None and row["status"] == "ok" for row in evidence.values()), evidence
    for row in evidence.values():
        assert row is not None and verify_bundle(Path(row["path"]), row["manifest_sha256"]) == []
    for folder in bundles:
        assert verify_bundle(folder) == [], folder
    assert all(alert is not None for alert in alerts.values())
    # each flagged post emailed, and never under a second Message-ID (a resend after a cut
    # conversation keeps its Message-ID, so a mail client shows it once)
    assert sorted(mail) == sorted(flagged)
    assert all(len(ids) == 1 for ids in mail.values()), mail
    assert {key: ids for key, ids in mail.items()} == {
        key: {alert["message_id"]} for key, alert in alerts.items() if alert is not None
    }
