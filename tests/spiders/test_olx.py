"""The olx spider: the JSON search API (replica in the platform's relevance/v4 structure,
and the real OLX Turkey feed of ../shared), the data-aut-id HTML cards (replica and the
real olx.co.id card), the fallback from API to HTML, and real ``scrapy crawl`` runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler import store
from crawler.items import PostItem
from spiders.olx import OlxSpider, api_location, card_record, iso_utc, join_title, parse_id
from tests.support.http import Reply, serve
from tests.support.olx_replica import ADS, API, api_page, item_page, item_path, routes
from tests.support.replica import html_response, read_jsonl, run_spider

BASE = "http://replica.test"


def make(**args: Any) -> OlxSpider:
    crawler = get_crawler(OlxSpider, {})
    spider = OlxSpider.from_crawler(crawler, **{"q": "kerja", "base_url": BASE, **args})
    crawler.spider = spider
    return spider


def json_response(url: str, body: bytes) -> TextResponse:
    return TextResponse(url, body=body, encoding="utf-8")


def items_of(results: list[Any]) -> list[PostItem]:
    return [r for r in results if isinstance(r, PostItem)]


# Arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [{"q": ""}, {"category": "lowongan"}, {"location": "12a"}, {"via": "browser"}],
)
def test_wrong_arguments_are_refused(args: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make(**args)


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), (" 4827 ", "4827")])
def test_ids(value: str | None, expected: str | None) -> None:
    assert parse_id("category", value) == expected


def test_the_api_url_carries_keyword_category_and_region() -> None:
    url = make(category="4827", location="2000007").api_url(0)
    assert url.startswith(BASE + API + "?")
    assert "category=4827" in url and "location=2000007" in url and "query=kerja" in url


# The JSON API ------------------------------------------------------------------------------


def test_api_page_gives_items_and_the_next_page() -> None:
    spider = make(max_pages=5)
    results = list(spider.parse_api(json_response(BASE + API, api_page(0, BASE))))
    items = items_of(results)
    assert [i["post_id"] for i in items] == [ADS[0].ad_id, ADS[1].ad_id]
    first = items[0]
    assert first["title"] == ADS[0].title
    assert first["text"].startswith(ADS[0].title + "\n\nDibutuhkan admin online")
    assert "- Gaji 1.200 USD\n- Tiket pesawat ditanggung" in first["text"]
    assert "track()" not in first["text"] and "<" not in first["text"]
    assert first["posted_at"] == "2026-11-21T03:00:00+00:00"
    assert first["price"] == "Rp 18.000.000"
    assert first["extras"]["parameters"]["Tipe pekerjaan"] == "Penuh waktu"
    following = [r for r in results if not isinstance(r, PostItem)]
    assert [r.url for r in following] == [f"{BASE}{API}?query=kerja&page=1"]


@pytest.mark.parametrize(
    "body", [b'{"data": [', b"<html>captcha</html>", b'{"error": "x"}', b'"data"', b"\xff"]
)
def test_an_unusable_api_answer_falls_back_to_html(body: bytes) -> None:
    spider = make()
    results = list(spider.parse_api(json_response(BASE + API, body)))
    assert [r.url for r in results] == [BASE + "/items/q-kerja"]
    assert spider.crawler.stats.get_value("olx/api_unusable") == 1


@pytest.mark.parametrize(
    "ad",
    [{"title": "tanpa id"}, {"ad_id": "12; DROP", "title": "x"}, "bukan objek", None],
)
def test_malformed_ads_are_skipped_and_counted(ad: Any) -> None:
    spider = make()
    body = json.dumps({"data": [ad, json.loads(api_page(0, BASE))["data"][0]]}).encode()
    items = items_of(list(spider.parse_api(json_response(BASE + API, body))))
    assert [i["post_id"] for i in items] == [ADS[0].ad_id]
    assert spider.crawler.stats.get_value("olx/ads_skipped") == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-10-30T23:55:43-06:00", "2023-10-31T05:55:43+00:00"),
        ("2023-10-30T20:55:43+0000", "2023-10-30T20:55:43+00:00"),
        ("kemarin", None),
        (None, None),
    ],
)
def test_api_dates(value: Any, expected: str | None) -> None:
    assert iso_utc(value) == expected


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        ({"SUBLOCALITY_LEVEL_1_name": "Kuta", "ADMIN_LEVEL_3_name": "Badung"}, "Kuta, Badung"),
        ({"COUNTRY_name": "Indonesia"}, None),
        ("Jakarta", None),
    ],
)
def test_api_locations(resolved: Any, expected: str | None) -> None:
    assert api_location(resolved) == expected


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [("A", "", "A"), ("A", "A", "A"), ("A", "A panjang", "A panjang"), ("A", "B", "A\n\nB")],
)
def test_join_title(title: str, body: str, expected: str) -> None:
    assert join_title(title, body) == expected


@pytest.mark.shared
def test_the_real_relevance_v4_feed(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "olx" / "panamera_olx_com_tr_relevance_v4_feed.json"
    spider = make(max_pages=3)
    results = list(spider.parse_api(json_response(BASE + API, path.read_bytes())))
    items = items_of(results)
    assert len(items) == 20
    assert all(i["post_id"].isdigit() and i["title"] and i["text"] for i in items)
    assert all(i["posted_at"] and i["images"] and i["location"] for i in items)
    following = [r.url for r in results if not isinstance(r, PostItem)]
    assert following and following[0].startswith(BASE + "/relevance/v4/feed?")


# The HTML fallback ---------------------------------------------------------------------------


def test_html_cards_become_requests_for_the_ad_pages() -> None:
    spider = make()
    page = html_response(BASE + "/items/q-kerja", routes()["/items/q-kerja"].body)
    requests = list(spider.parse_html(page))
    assert [r.url for r in requests] == [BASE + item_path(ad) for ad in ADS]
    record = requests[0].cb_kwargs["record"]
    assert record["title"] == ADS[0].title and record["price"] == ADS[0].salary


def test_an_ad_page_gives_the_full_text() -> None:
    spider = make()
    record = {"post_id": ADS[0].ad_id, "url": BASE + item_path(ADS[0]), "title": "kartu"}
    item = spider.parse_item_page(html_response(record["url"], item_page(ADS[0])), record)
    assert item["title"] == ADS[0].title
    assert "- Tiket pesawat ditanggung" in item["text"] and "track()" not in item["text"]
    assert item["author"] == "Agen Kerja"


def test_a_page_that_is_not_a_search_page_fails_the_run() -> None:
    with pytest.raises(CloseSpider):
        list(make().parse_html(html_response(BASE + "/items/q-kerja", "<p>Masuk</p>")))


@pytest.mark.shared
def test_the_real_olx_co_id_card(shared_dir: Path) -> None:
    path = (
        shared_dir
        / "fixtures"
        / "olx"
        / "olx_co_id_search_bali_villa_itemcard_snippet_2026-02-05.html"
    )
    page = html_response("https://www.olx.co.id/bali_g2000002/q-villa", path.read_bytes())
    records = [card_record(card, page) for card in page.css("li[data-aut-id=itemBox]")]
    assert len(records) == 1 and records[0] is not None
    assert records[0]["post_id"] == "941574041"
    assert records[0]["title"].startswith("Tanah Langka Lokasi Strategis")
    assert records[0]["price"] == "Rp 700.000.000"
    assert records[0]["location"] == "Kuta Selatan, Kab. Badung"
    assert records[0]["images"][0].startswith("https://apollo.olx.co.id")


# Real crawls -------------------------------------------------------------------------------


def test_crawl_through_the_api_follows_pages(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(routes("https://www.olx.co.id")) as base:
        result = run_spider("olx", {"q": "kerja", "base_url": base, "max_pages": "3"}, out)
    assert result.returncode == 0, result.stderr[-2000:]
    items = read_jsonl(out)
    assert sorted(i["post_id"] for i in items) == sorted(ad.ad_id for ad in ADS)
    assert all(i["url"].startswith(base) for i in items)


def test_crawl_falls_back_to_html_when_the_api_fails(tmp_path: Path) -> None:
    pages = routes()
    pages[API] = Reply(b"forbidden", 403)
    out = tmp_path / "out.jsonl"
    with serve(pages) as base:
        result = run_spider("olx", {"q": "kerja", "base_url": base}, out)
    assert result.returncode == 0, result.stderr[-2000:]
    items = read_jsonl(out)
    assert sorted(i["post_id"] for i in items) == sorted(ad.ad_id for ad in ADS)
    assert all(i["extras"]["via"] == "html" and len(i["text"]) > len(i["title"]) for i in items)


def test_crawl_stops_as_blocked_on_rate_limit(tmp_path: Path) -> None:
    pages = routes()
    pages[API] = Reply(b"slow down", 429)
    db = tmp_path / "pantau.db"
    with serve(pages) as base:
        run_spider(
            "olx", {"q": "kerja", "base_url": base}, tmp_path / "o.jsonl", {"PANTAU_DB": str(db)}
        )
    with store.connect(db) as connection:
        run = store.get_run(connection, 1)
    assert run is not None and run["status"] == "blocked"
