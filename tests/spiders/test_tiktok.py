"""The tiktok spider: item parsing as tables, the replica (paging through the item-list
API, incremental stop, captcha, malformed JSON) and the real pages in ../shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import store
from spiders.embedded import page_json
from spiders.tiktok import TikTokSpider, item_fields, items, next_cursor, sec_uid, status_wall
from tests.support.replica import read_jsonl, run_spider
from tests.support.site import serve_site
from tests.support.tiktok_site import (
    CAPTCHA_PAGE,
    CURSOR,
    HANDLE,
    SEC_UID,
    VIDEOS,
    item,
    profile_page,
    routes,
)

BASE = "http://replica.test"


def make_spider(**args: Any) -> TikTokSpider:
    crawler = get_crawler(TikTokSpider)
    spider = TikTokSpider.from_crawler(crawler, base_url=BASE, **args)
    crawler.spider = spider
    return spider


SIGI = item_fields(item(VIDEOS[0]), BASE)
API = item_fields(item(VIDEOS[3], author_object=True), BASE)


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        (SIGI, "post_id", "7400000000000000003"),
        (SIGI, "url", f"{BASE}/@{HANDLE}/video/7400000000000000003"),
        (SIGI, "author", "Loker Jepang ID"),
        (SIGI, "author_url", f"{BASE}/@{HANDLE}"),
        (SIGI, "posted_at", "2026-03-02T08:00:00+00:00"),
        (SIGI, "extra_text", "TANPA BIAYA\nWA 0812-3456-7890"),
        (SIGI, "images", ["https://p16-sign.replica.test/7400000000000000003.jpeg"]),
        (SIGI, "reactions", 120),
        (SIGI, "comments", 33),
        (SIGI, "shares", 7),
        (SIGI, "views", 5400),
        (API, "author", "Loker Jepang ID"),
        (API, "url", f"{BASE}/@{HANDLE}/video/7400000000000000000"),
        (API, "text", "Lowongan admin Kamboja <b>gaji dolar</b> #kerjaluarnegeri"),
    ],
)
def test_item_fields(fields: dict[str, Any], field: str, expected: object) -> None:
    assert fields[field] == expected


def test_profile_page_items_cursor_and_sec_uid() -> None:
    trees = page_json(profile_page()).trees
    assert [i["id"] for i in items(trees)] == [v[0] for v in VIDEOS[:3]]
    assert next_cursor(trees) == CURSOR
    assert sec_uid(trees, HANDLE) == SEC_UID


def test_captcha_page_ends_the_run_blocked() -> None:
    spider = make_spider(profile="dicek")
    response = HtmlResponse(f"{BASE}/@dicek", body=CAPTCHA_PAGE.encode(), encoding="utf-8")
    with pytest.raises(CloseSpider) as raised:
        list(spider.parse(response))
    assert raised.value.reason == f"blocked: CAPTCHA at {BASE}/@dicek"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"statusCode": 10201}, "refusal (statusCode 10201)"),
        ({"statusCode": 0, "itemList": []}, None),
        ({"status_code": 0, "data": []}, None),
    ],
)
def test_status_wall(answer: dict[str, Any], expected: str | None) -> None:
    assert status_wall([answer]) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"profile": "@" + HANDLE}, f"{BASE}/@{HANDLE}"),
        ({"hashtag": "#lokerjepang"}, f"{BASE}/tag/lokerjepang"),
        (
            {"q": "kerja kamboja"},
            f"{BASE}/api/search/general/full/?aid=1988&keyword=kerja+kamboja&offset=0",
        ),
    ],
)
def test_start_url(args: dict[str, str], expected: str) -> None:
    assert make_spider(**args).first_url() == expected


def crawl(base_url: str, tmp_path: Path, **args: Any) -> tuple[Any, list[dict[str, Any]]]:
    settings = {k: str(v) for k, v in args.pop("settings", {}).items()}
    out = tmp_path / "out.jsonl"
    result = run_spider("tiktok", {"base_url": base_url, **args}, out, settings)
    return result, read_jsonl(out) if out.exists() else []


def test_crawl_pages_through_the_item_list_api(tmp_path: Path) -> None:
    with serve_site(routes()) as site:
        result, found = crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=2)
        api_hits = site.hits_to("/api/post/item_list/")
    assert result.returncode == 0, result.stderr
    assert [i["post_id"] for i in found] == [v[0] for v in VIDEOS]
    assert api_hits[0].query["cursor"] == [CURSOR]


def test_crawl_stops_at_stored_posts(tmp_path: Path) -> None:
    settings = {"PANTAU_DB": str(tmp_path / "pantau.db")}
    with serve_site(routes()) as site:
        crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=1, settings=settings)
        result, found = crawl(
            site.base_url, tmp_path, profile=HANDLE, max_pages=2, settings=settings
        )
        assert site.hits_to("/api/post/item_list/") == []
    assert result.returncode == 0, result.stderr
    assert len(found) == 3


@pytest.mark.parametrize(
    ("profile", "status", "count"), [("kosong", "ok", 0), ("dicek", "blocked", 0)]
)
def test_crawl_outcomes(tmp_path: Path, profile: str, status: str, count: int) -> None:
    db_path = tmp_path / "pantau.db"
    with serve_site(routes()) as site:
        result, found = crawl(
            site.base_url, tmp_path, profile=profile, settings={"PANTAU_DB": db_path}
        )
    assert result.returncode == 0, result.stderr
    run = store.get_run(store.open_store(db_path), 1)
    assert run is not None and (run["status"], len(found)) == (status, count)


def test_malformed_json_is_counted_not_a_crash(tmp_path: Path) -> None:
    with serve_site(routes()) as site:
        result, found = crawl(site.base_url, tmp_path, profile="rusak")
    assert result.returncode == 0, result.stderr
    assert found == []
    assert "'tiktok/json_errors': 1" in result.stderr


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "count", "first_id"),
    [
        ("pender_tiktok_profile_page.html", 18, "7133763724367662378"),
        ("pender_tiktok_video_page.html", 1, "7134059641968872746"),
    ],
)
def test_real_pages(shared_dir: Path, name: str, count: int, first_id: str) -> None:
    page = (shared_dir / "fixtures" / "tiktok" / name).read_text(encoding="utf-8")
    found = [item_fields(i, "https://www.tiktok.com") for i in items(page_json(page).trees)]
    assert len(found) == count
    assert found[0]["post_id"] == first_id
    for post in found:
        assert post["url"].startswith("https://www.tiktok.com/@")
        assert post["posted_at"] and post["posted_at"].startswith("2022-")
        assert post["images"] and post["reactions"] is not None


@pytest.mark.shared
def test_real_profile_on_screen_text(shared_dir: Path) -> None:
    page = (shared_dir / "fixtures" / "tiktok" / "pender_tiktok_profile_page.html").read_text()
    first = item_fields(items(page_json(page).trees)[0], "https://www.tiktok.com")
    assert first["extra_text"] == "Hiding my dog \nin plain sight…🐼\nHuxley"
