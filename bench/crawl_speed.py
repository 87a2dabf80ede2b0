"""Crawl throughput and memory: Pantau's telegram spider against a bare Scrapy spider.

A replica channel of ``--posts`` posts (the bundled sample texts, repeated with new ids)
is served on 127.0.0.1, 20 posts a page. Three crawls of all its pages run one after the
other, each in its own process, with politeness delays switched off so that the figures
measure processing, not waiting:

- bare: ``bench/bare_spider.py``, two CSS selectors a message, nothing stored;
- pantau: ``scrapy crawl telegram`` with every field, JSON Lines feed, no database;
- pantau+store: the same with ``PANTAU_DB`` (SQLite upserts and the run record).

Each line gives wall time, pages and posts per second, and the peak resident memory of
the crawl process. Usage: ``.venv/bin/python bench/crawl_speed.py [--posts 4000]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import machine, write_section  # noqa: E402
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
    return Result(name, seconds, -(-posts // PAGE_SIZE), posts, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    args = parser.parse_args()
    pages = -(-args.posts // PAGE_SIZE)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        channel = write_channel(tmp_path, args.posts)
        results = crawl_all(tmp_path, channel, pages, env)
    write_section("Crawl throughput", table(results, args.posts, pages))
    print(table(results, args.posts, pages))


def crawl_all(tmp_path: Path, channel: str, pages: int, env: dict[str, str]) -> list[Result]:
    with serve_replica(tmp_path) as site:
        common = [
            "-a",
            f"base_url={site.base_url}",
            "-a",
            f"channel={channel}",
            "-a",
            f"max_pages={pages}",
            *FAST,
        ]
        scrapy = [sys.executable, "-m", "scrapy"]
        return [
            run(
                "bare Scrapy spider",
                [
                    *scrapy,
                    "runspider",
                    "bench/bare_spider.py",
                    *common,
                    "-O",
                    str(tmp_path / "bare.jsonl"),
                ],
                tmp_path / "bare.jsonl",
                env,
            ),
            run(
                "pantau telegram spider",
                [*scrapy, "crawl", "telegram", *common, "-O", str(tmp_path / "p.jsonl")],
                tmp_path / "p.jsonl",
                env,
            ),
            run(
                "pantau spider + SQLite store",
                [
                    *scrapy,
                    "crawl",
                    "telegram",
                    *common,
                    "-s",
                    f"PANTAU_DB={tmp_path / 'b.db'}",
                    "-O",
                    str(tmp_path / "s.jsonl"),
                ],
                tmp_path / "s.jsonl",
                env,
            ),
        ]


def table(results: list[Result], posts: int, pages: int) -> str:
    rows = [
        f"Machine: {machine()}.",
        "",
        f"`bench/crawl_speed.py --posts {posts}`: a replica channel of {posts} posts in "
        f"{pages} pages on 127.0.0.1, politeness delays off, one process per crawl.",
        "",
        "| crawl | seconds | pages/s | posts/s | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows.append(
            f"| {r.name} | {r.seconds:.1f} | {r.pages / r.seconds:.1f} | "
            f"{r.posts / r.seconds:.0f} | {r.peak_rss_mb:.0f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
