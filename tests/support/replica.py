"""Helpers for the spider and pipeline tests: spiders built from settings, responses,
and real ``scrapy crawl`` runs (subprocesses, repository root as working directory)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from spiders.telegram import TelegramSpider
from tests.support import REPO, SHARED

SHARED_TELEGRAM = SHARED / "fixtures" / "telegram"
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_ENABLED": "False"}


def make_spider(settings: Mapping[str, Any] | None = None, **args: Any) -> TelegramSpider:
    """A telegram spider bound to a crawler with ``settings`` (stats included)."""
    crawler = get_crawler(TelegramSpider, dict(settings or {}))
    spider = TelegramSpider.from_crawler(crawler, **args)
    crawler.spider = spider
    return spider


def html_response(url: str, body: str | bytes) -> HtmlResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(url, body=data, encoding="utf-8")


def run_crawl(
    base_url: str,
    channel: str,
    out: Path,
    max_pages: int = 2,
    settings: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl telegram ... -O out`` from the repository root; output captured."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "telegram", "-a", f"channel={channel}"]
    cmd += ["-a", f"base_url={base_url}", "-a", f"max_pages={max_pages}", "-O", str(out)]
    for key, value in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def run_spider(
    spider: str,
    args: Mapping[str, str | int],
    out: Path,
    settings: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl SPIDER -a k=v ... -O out`` from the repository root; output captured."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(out)]
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
