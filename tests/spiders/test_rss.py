"""The rss spider: RSS 2.0 and Atom entries, full text from content or from the linked page
with follow=true, paging by rel=next, and bad feeds, against replica feeds on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler import store
from crawler.items import PostItem
from spiders.rss import RssSpider, parse_bool
from tests.support.http import Reply, serve
from tests.support.replica import read_jsonl, run_spider
from tests.support.rss_replica import ARTICLE, ORIGIN, atom_page, routes, rss_feed

FEED = ORIGIN + "/feed"


def make(**args: Any) -> RssSpider:
    crawler = get_crawler(RssSpider, {})
    spider = RssSpider.from_crawler(crawler, **{"url": FEED, **args})
    crawler.spider = spider
    return spider


def feed_response(body: bytes, url: str = FEED) -> TextResponse:
    return TextResponse(url, body=body, encoding="utf-8")


def items(spider: RssSpider, body: bytes, url: str = FEED) -> dict[str, PostItem]:
    found = [r for r in spider.parse(feed_response(body, url)) if isinstance(r, PostItem)]
    return {str(i["post_id"]): i for i in found}


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("No", False), ("1", True), (False, False)]
)
def test_follow_values(value: str | bool, expected: bool) -> None:
    assert parse_bool("follow", value) is expected


@pytest.mark.parametrize(
    "args", [{"url": ""}, {"url": "ftp://x/feed"}, {"follow": "kadang"}, {"text_css": "p[["}]
)
def test_wrong_arguments_are_refused(args: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make(**args)


def test_rss_entries() -> None:
    found = items(make(), rss_feed())
    assert sorted(found) == [f"{ORIGIN}/?p=102", "loker-101", "loker-103"]
    first = found["loker-101"]
    assert first["title"] == "Lowongan CS Kamboja gaji 1.500 USD"
    assert first["url"] == ORIGIN + "/2026/11/cs-kamboja/"
    assert first["posted_at"] == "2026-11-20T02:00:00+00:00"
    assert first["images"] == ["https://img.loker-contoh.example/101.jpg"]
    assert first["text"].startswith(first["title"] + "\n\nDicari CS")


def test_full_content_wins_over_the_summary() -> None:
    text = items(make(), rss_feed())[f"{ORIGIN}/?p=102"]["text"]
    assert "- Lulusan SMA\n- Usia maks. 30" in text
    assert "evil()" not in text and "Ringkasan" not in text


def test_following_asks_for_pages_of_summary_only_entries() -> None:
    spider = make(follow="true")
    requests = [r for r in spider.parse(feed_response(rss_feed())) if not isinstance(r, PostItem)]
    assert sorted(r.url for r in requests) == [
        ORIGIN + "/2026/11/cs-kamboja/",
        ORIGIN + "/2026/11/hilang/",
    ]


def test_atom_entries_and_the_next_page() -> None:
    spider = make(url=ORIGIN + "/atom", max_pages=3)
    results = list(spider.parse(feed_response(atom_page(1), ORIGIN + "/atom")))
    entries = [r for r in results if isinstance(r, PostItem)]
    assert [e["author"] for e in entries] == ["Admin Loker", "Admin Loker"]
    assert entries[0]["text"] == "Loker halaman 1 nomor 1\n\nIsi lowongan 1-1"
    assert [r.url for r in results if not isinstance(r, PostItem)] == [ORIGIN + "/atom?page=2"]


@pytest.mark.parametrize("body", [b"<html><body>Bukan feed</body></html>", b"", b'{"items": []}'])
def test_a_page_that_is_not_a_feed_fails_the_run(body: bytes, tmp_path: Path) -> None:
    local = tmp_path / "feed.xml"
    local.write_bytes(rss_feed())
    # "PATH": a body naming a local feed file must not make the spider read that file
    with pytest.raises(CloseSpider):
        items(make(), body.replace(b"PATH", str(local).encode()))


def test_a_truncated_feed_gives_the_entries_it_holds() -> None:
    spider = make()
    cut = rss_feed()[: rss_feed().index(b"<item>", rss_feed().index(b"<item>") + 1)]
    found = items(spider, cut)
    assert list(found) == ["loker-101"]
    assert spider.crawler.stats.get_value("rss/feeds_malformed") == 1


def test_crawl_follows_linked_pages_for_full_text(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(routes()) as base:
        result = run_spider("rss", {"url": FEED, "base_url": base, "follow": "true"}, out)
    assert result.returncode == 0, result.stderr[-2000:]
    found = {i["post_id"]: i for i in read_jsonl(out)}
    assert len(found) == 3
    assert ARTICLE.strip() in found["loker-101"]["text"]
    assert (
        "Menu Beranda" not in found["loker-101"]["text"] and "x()" not in found["loker-101"]["text"]
    )
    assert found["loker-103"]["text"].endswith("Halaman ini sudah dihapus.")


def test_crawl_pages_an_atom_feed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(routes()) as base:
        result = run_spider(
            "rss", {"url": ORIGIN + "/atom", "base_url": base, "max_pages": "5"}, out
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(read_jsonl(out)) == 4


def test_crawl_of_a_missing_feed_fails(tmp_path: Path) -> None:
    db = tmp_path / "pantau.db"
    with serve({"/x": Reply(b"")}) as base:
        run_spider(
            "rss", {"url": FEED, "base_url": base}, tmp_path / "o.jsonl", {"PANTAU_DB": str(db)}
        )
    with store.connect(db) as connection:
        run = store.get_run(connection, 1)
    assert run is not None and run["status"] == "failed"
