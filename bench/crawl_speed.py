"""Crawl throughput and memory: Pantau's spiders against bare Scrapy spiders.

Two replica sites are served on 127.0.0.1, 20 posts a page: a Telegram channel of
``--posts`` posts (the bundled sample texts, repeated with new ids) and a classifieds
site in Craigslist's list markup with as many listings (``bench/classifieds_replica.py``).
For each, three crawls of all its pages run one after the other, each in its own
process, with politeness delays switched off so that the figures measure processing,
not waiting:

- bare: ``bench/bare_spider.py`` / ``bench/bare_classifieds.py``, two CSS selectors a
  post, nothing stored;
- pantau: ``scrapy crawl telegram`` / ``classifieds`` (with a site file) with every field,
  JSON Lines feed, no database;
- pantau+store: the same with ``PANTAU_DB`` (SQLite upserts and the run record), into an
  empty database that already has its schema, as the service's has before any crawl (a
  copy of one made and migrated before the timing);
- pantau+store, new file: the same into a database file the crawl creates and migrates
  itself (what a first crawl pays once).

``--rounds N`` repeats the three crawls N times, interleaved, and keeps each crawl's best
CPU time (the machine is shared: the best of several is the least disturbed). Each line
gives wall and CPU time, posts per second, the speed relative to the bare spider of the
same site (by wall and by CPU time), and the peak resident memory of the crawl process. Usage:
``.venv/bin/python bench/crawl_speed.py [--posts 4000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import classifieds_replica  # noqa: E402
from bench.report import machine, write_section  # noqa: E402
from crawler import store  # noqa: E402
from pantau.replica import SAMPLE_SITE, serve_replica  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGE_SIZE = 20
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    pages: int
    posts: int
    peak_rss_mb: float
    cpu_seconds: float


def write_channel(root: Path, posts: int) -> str:
    """A posts.toml with ``posts`` text posts cycled from the bundled sample."""
    sample = tomllib.loads((SAMPLE_SITE / "posts.toml").read_text(encoding="utf-8"))
    texts = [p["text"] for p in sample["posts"] if p.get("text")]
    channel = dict(sample["channel"], page_size=PAGE_SIZE)
    lines = ["[channel]"] + [f"{k} = {toml_value(v)}" for k, v in channel.items()]
    for n in range(posts):
        lines += [
            "",
            "[[posts]]",
            f"id = {1000 + n}",
            'date = "2026-03-01T01:10:00+00:00"',
            'views = "1.2K"',
            f"text = {toml_value(texts[n % len(texts)])}",
        ]
    (root / "posts.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(channel["name"])


def toml_value(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def run(name: str, cmd: list[str], out: Path, env: dict[str, str]) -> Result:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{name}: exit code {child.returncode}")
    posts = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    cpu = usage.ru_utime + usage.ru_stime
    return Result(name, seconds, -(-posts // PAGE_SIZE), posts, usage.ru_maxrss / 1024, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    pages = -(-args.posts // PAGE_SIZE)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        channel = write_channel(tmp_path, args.posts)
        telegram = best_of(args.rounds, lambda: crawl_telegram(tmp_path, channel, pages, env))
        classifieds = best_of(args.rounds, lambda: crawl_classifieds(tmp_path, pages, env))
    text = table(telegram, classifieds, args.posts, pages, args.rounds)
    write_section("Crawl throughput", text)
    print(text)


def best_of(rounds: int, crawl: Any) -> list[Result]:
    """Each crawl's fastest of ``rounds`` runs (runs of one round are interleaved)."""
    runs: list[list[Result]] = [crawl() for _ in range(max(1, rounds))]
    return [min(group, key=lambda r: r.cpu_seconds) for group in zip(*runs, strict=True)]


def scrapy_cmd() -> list[str]:
    return [sys.executable, "-m", "scrapy"]


def crawl_telegram(tmp_path: Path, channel: str, pages: int, env: dict[str, str]) -> list[Result]:
    with serve_replica(tmp_path) as site:
        common = ["-a", f"base_url={site.base_url}", "-a", f"channel={channel}"]
        common += ["-a", f"max_pages={pages}", *FAST]
        bare = ["runspider", "bench/bare_spider.py"]
        return crawl_three(tmp_path / "t", bare, ["crawl", "telegram"], common, env)


def crawl_classifieds(tmp_path: Path, pages: int, env: dict[str, str]) -> list[Result]:
    with classifieds_replica.serve(pages) as base:
        site = classifieds_replica.write_site_file(tmp_path, base)
        first = f"{base}/search?page=1"
        bare = ["runspider", "bench/bare_classifieds.py", "-a", f"url={first}"]
        pantau = ["crawl", "classifieds", "-a", f"site={site}"]
        return crawl_three(tmp_path / "c", bare, pantau, ["-a", f"max_pages={pages}", *FAST], env)


def crawl_three(
    prefix: Path, bare: list[str], pantau: list[str], common: list[str], env: dict[str, str]
) -> list[Result]:
    """The bare spider, the Pantau spider, and the Pantau spider with the store."""
    db = prefix.with_suffix(".db")
    new_db = prefix.with_name(f"{prefix.name}-new.db")
    for path in (db, new_db):
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
    shutil.copyfile(empty_store(prefix.parent), db)
    runs = [
        ("bare Scrapy spider", bare, []),
        ("pantau spider", pantau, []),
        ("pantau spider + SQLite store", pantau, ["-s", f"PANTAU_DB={db}"]),
        ("pantau spider + SQLite store, new file", pantau, ["-s", f"PANTAU_DB={new_db}"]),
    ]
    results = []
    for index, (name, command, extra) in enumerate(runs):
        out = prefix.with_name(f"{prefix.name}{index}.jsonl")
        cmd = [*scrapy_cmd(), *command, *common, *extra, "-O", str(out)]
        results.append(run(name, cmd, out, env))
    return results


def empty_store(folder: Path) -> Path:
    """An empty store with its schema (made once per benchmark run), to copy from."""
    path = folder / "empty-store.db"
    if not path.exists():
        db = store.open_store(path)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    return path


def table(
    telegram: list[Result], classifieds: list[Result], posts: int, pages: int, rounds: int
) -> str:
    rows = [
        f"Machine: {machine()}, load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        f"`bench/crawl_speed.py --posts {posts} --rounds {rounds}`: a replica Telegram channel "
        f"and a replica classifieds site (Craigslist list markup, no detail pages), {posts} "
        f"posts in {pages} pages each, on 127.0.0.1, politeness delays off, one process per "
        f"crawl, best of {rounds} (by CPU time). Ratio: speed relative to the bare spider of "
        "the same site, by wall time and by CPU time of the crawl process (the machine is "
        "shared: CPU time is the steadier measure; the server's work is not in it). The store "
        "crawl writes into an empty database that already has its schema, as the service's "
        "does; 'new file' also creates and migrates the database, which a first crawl pays "
        "once.",
        "",
        "| site | crawl | seconds | CPU seconds | posts/s | ratio (wall) | ratio (CPU) | "
        "peak RSS (MB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for site, results in (("telegram", telegram), ("classifieds", classifieds)):
        bare = results[0]
        for r in results:
            wall = (r.posts / r.seconds) / (bare.posts / bare.seconds)
            cpu = (r.posts / r.cpu_seconds) / (bare.posts / bare.cpu_seconds)
            rows.append(
                f"| {site} | {r.name} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | "
                f"{r.posts / r.seconds:.0f} | {wall:.2f} | {cpu:.2f} | {r.peak_rss_mb:.0f} |"
            )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
