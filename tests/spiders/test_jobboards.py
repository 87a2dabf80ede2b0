"""The job-board spiders (jobstreet, glints, kalibrr): real ``scrapy crawl`` runs against
replicas of their APIs (shapes in docs/sources.md), the fraud signals in the items'
extras, and bad answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import PostItem
from spiders.jobboards import (
    GlintsSpider,
    Job,
    JobBoardSpider,
    JobStreetSpider,
    KalibrrSpider,
    draftjs_text,
    get,
    job_id,
)
from tests.support.http import Reply, Route, serve
from tests.support.jobboards_replica import JOBS, glints_routes, jobstreet_routes, kalibrr_routes
from tests.support.replica import read_jsonl, run_spider

BOARDS: list[tuple[str, Callable[[], dict[str, Route]]]] = [
    ("jobstreet", jobstreet_routes),
    ("glints", glints_routes),
    ("kalibrr", kalibrr_routes),
]
SPIDERS = {"jobstreet": JobStreetSpider, "glints": GlintsSpider, "kalibrr": KalibrrSpider}
BASE = "http://replica.test"


def make(name: str, **args: Any) -> JobBoardSpider:
    cls = SPIDERS[name]
    crawler = get_crawler(cls, {})
    spider = cls.from_crawler(crawler, **{"q": "customer service", "base_url": BASE, **args})
    crawler.spider = spider
    return spider


def crawl(name: str, routes: dict[str, Route], tmp_path: Path) -> dict[str, dict[str, Any]]:
    out = tmp_path / "out.jsonl"
    with serve(routes) as base:
        result = run_spider(name, {"q": "customer service", "base_url": base}, out)
    assert result.returncode == 0, result.stderr[-2000:]
    return {item["post_id"]: item for item in read_jsonl(out)}


@pytest.mark.parametrize(("name", "routes"), BOARDS)
def test_crawl_reads_every_job_in_full(
    name: str, routes: Callable[[], dict[str, Route]], tmp_path: Path
) -> None:
    items = crawl(name, routes(), tmp_path)
    assert sorted(items) == [job.job_id for job in JOBS]
    for job in JOBS:
        item = items[job.job_id]
        assert item["title"] == job.title and item["author"] == job.company
        assert item["text"].startswith(job.title + "\n\n")
        assert "- " in item["text"] and "<" not in item["text"] and "steal()" not in item["text"]
        assert item["price"] and job.city in item["location"]


@pytest.mark.parametrize(("name", "routes"), BOARDS)
def test_crawl_gives_the_fraud_signals(
    name: str, routes: Callable[[], dict[str, Route]], tmp_path: Path
) -> None:
    items = crawl(name, routes(), tmp_path)
    scam, ordinary = (items[job.job_id]["extras"] for job in JOBS)
    assert (scam["company_profile"], scam["logo"], scam["screening_questions"]) == (False, False, 0)
    assert ordinary["company_profile"] is True and ordinary["logo"] is True
    assert ordinary["screening_questions"] >= 1


@pytest.mark.parametrize(("name", "routes"), BOARDS)
def test_crawl_keeps_the_summary_when_details_fail(
    name: str, routes: Callable[[], dict[str, Route]], tmp_path: Path
) -> None:
    pages = routes()
    detail_paths = [p for p in pages if "search" not in p]
    for path in detail_paths:
        pages[path] = Reply(b"server error", 500)
    if name == "glints":
        search = glints_routes()["/api/v2/graphql"]
        pages["/api/v2/graphql"] = lambda p, b: (
            search(p, b) if b'"searchJobs"' in b else Reply(b"error", 500)
        )
    items = crawl(name, pages, tmp_path)
    assert sorted(items) == [job.job_id for job in JOBS]
    assert all(item["title"] for item in items.values())


@pytest.mark.parametrize("name", SPIDERS)
def test_a_search_that_is_not_json_is_counted(name: str) -> None:
    spider = make(name)
    response = TextResponse(BASE + "/s", body=b"<html>captcha</html>", encoding="utf-8")
    assert list(spider.parse_search(response, page=1)) == []
    assert spider.crawler.stats.get_value(f"{name}/answers_not_json") == 1


@pytest.mark.parametrize("name", SPIDERS)
def test_malformed_details_keep_the_summary(name: str) -> None:
    spider = make(name)
    job = Job(job_id="5", title="Judul", text="Ringkas", url=BASE + "/5")
    response = TextResponse(BASE + "/d", body=b'{"data": {"x": 1}}', encoding="utf-8")
    item = spider.parse_detail(response, job)
    assert isinstance(item, PostItem) and item["text"] == "Judul\n\nRingkas"


@pytest.mark.parametrize("name", SPIDERS)
def test_a_keyword_is_required(name: str) -> None:
    with pytest.raises(ValueError):
        make(name, q=" ")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("81000001", True), (81000001, True), ("a/b", False), ("", False), (None, False)],
)
def test_job_ids(value: Any, ok: bool) -> None:
    if ok:
        assert job_id(value) == str(value)
    else:
        with pytest.raises(ValueError):
            job_id(value)


@pytest.mark.parametrize(
    ("data", "keys", "expected"),
    [({"a": {"b": [1, 2]}}, ("a", "b", 1), 2), ({"a": None}, ("a", "b"), None), ([], (0,), None)],
)
def test_get(data: Any, keys: tuple[Any, ...], expected: Any) -> None:
    assert get(data, *keys) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"blocks": [{"text": "Judul", "type": "unstyled"}]}', "Judul"),
        ('{"blocks": [{"text": "a", "type": "unordered-list-item"}]}', "- a"),
        ("bukan json", ""),
        (None, ""),
    ],
)
def test_draftjs_text(value: Any, expected: str) -> None:
    assert draftjs_text(value) == expected
