"""Freshness: how long from a post appearing on a watched channel to its alert in an inbox.

Usage::

    .venv/bin/python bench/freshness.py [--posts 4] [--interval 1]

A replica Telegram channel is served on 127.0.0.1, a local SMTP server (aiosmtpd) stands for
the investigators' mailbox, and ``pantau run`` runs as a child process, crawling every
``--interval`` minutes without jitter. After its first cycle a new suspicious post is
published on the channel at a random moment of the interval, ``--posts`` times, and the
time until the alert naming it lands in the mailbox is measured. The goal (issue 8) is at
most the interval plus 60 s. The result replaces the "Freshness" section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.sink import MailSink  # noqa: E402
from bench.report import machine, write_section  # noqa: E402
from crawler.config import find_browser  # noqa: E402
from pantau.replica import Post, serve_replica  # noqa: E402

OFFER = (
    "DIBUTUHKAN CEPAT admin CS di Phnom Penh, Kamboja 🇰🇭 gaji 14jt, tanpa pengalaman, "
    "tiket dan visa ditanggung, berangkat minggu depan. Minat WA +855 97 555 {n:04d}"
)


def config_text(data_dir: Path, base_url: str, smtp_port: int, interval: float) -> str:
    return f"""
data_dir = "{data_dir}"
[browser]
executable_path = "{find_browser()}"
[smtp]
host = "127.0.0.1"
port = {smtp_port}
[classifier]
ocr = false
[network]
allow = ["127.0.0.1"]
[service]
allow_root = true
[[sources]]
name = "fresh"
spider = "telegram"
interval_minutes = {interval}
jitter_seconds = 0
[sources.args]
channel = "lokerluarnegeri_demo"
base_url = "{base_url}"
max_pages = 1
"""


class LogWatch:
    """Reads the service's output in a thread and lets the caller wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: any(text in x for x in self.lines), timeout):
                tail = "".join(self.lines[-20:])
                raise SystemExit(f"freshness: no {text!r} within {timeout:g} s:\n{tail}")


def wait_for_alert(sink: MailSink, post_id: int, timeout: float) -> float:
    """Seconds until a message naming the post arrives (polling the sink's folder)."""
    start, marker = time.monotonic(), f"lokerluarnegeri_demo/{post_id}".encode()
    pause = threading.Event()
    while time.monotonic() - start < timeout:
        if any(marker in path.read_bytes() for path in sink.messages()):
            return time.monotonic() - start
        pause.wait(0.2)
    raise SystemExit(f"freshness: no alert for post {post_id} within {timeout:g} s")


def measure(posts: int, interval: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    with (
        tempfile.TemporaryDirectory(prefix="pantau-fresh-") as tmp,
        serve_replica() as site,
        MailSink(Path(tmp) / "mail") as sink,
    ):
        config = Path(tmp) / "pantau.toml"
        config.write_text(config_text(Path(tmp) / "data", site.base_url, sink.port, interval))
        service = subprocess.Popen(
            [sys.executable, "-m", "pantau", "run", "--config", str(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            LogWatch(service).wait_for("cycle:", timeout=600)
            next_id = max(post.id for post in site.channel.posts) + 1
            latencies = []
            for number in range(posts):
                threading.Event().wait(rng.uniform(0, interval * 60))
                site.publish(Post(next_id + number, _now_iso(), "1", OFFER.format(n=number)))
                latencies.append(wait_for_alert(sink, next_id + number, interval * 60 + 600))
                print(f"post {next_id + number}: alert after {latencies[-1]:.1f} s", flush=True)
            return latencies
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(timeout=180)


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=4)
    parser.add_argument("--interval", type=float, default=1.0, help="minutes between crawls")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    latencies = measure(args.posts, args.interval, args.seed)
    goal = args.interval * 60 + 60
    rows = "\n".join(f"| {i + 1} | {s:.1f} |" for i, s in enumerate(latencies))
    body = (
        f"Machine: {machine()}.\n\n"
        f"`bench/freshness.py --posts {args.posts} --interval {args.interval:g}`: `pantau run` "
        f"against a replica channel on 127.0.0.1 crawled every {args.interval:g} min without "
        "jitter; a new suspicious post is published at a random moment of the interval and "
        "the time to its alert in a local SMTP inbox is measured (crawl, classify, capture "
        "with Chromium, compose, send).\n\n"
        f"| post | seconds to alert |\n| ---: | ---: |\n{rows}\n\n"
        f"Median {statistics.median(latencies):.1f} s, worst {max(latencies):.1f} s; goal: at "
        f"most the interval plus 60 s = {goal:.0f} s: "
        f"{'met' if max(latencies) <= goal else 'NOT met'}."
    )
    write_section("Freshness", body)
    print(body)


if __name__ == "__main__":
    main()
