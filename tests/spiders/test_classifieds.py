"""The classifieds spider and its site files: parsing a site file, reading listings and
posting pages, and real ``scrapy crawl`` runs against a replica in Craigslist's markup
(Indonesian listings) and against the real Craigslist pages of ../shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.config import ConfigError, load_config, parse_config
from crawler.items import PostItem
from crawler.sites import SiteFileError, parse_date, parse_site, parse_site_file
from spiders.classifieds import ClassifiedsSpider, listing_id
from tests.support import REPO
from tests.support.classifieds_replica import (
    LISTINGS,
    ORIGIN,
    detail_page,
    routes,
    scripted_routes,
    search_page,
)
from tests.support.http import Reply, serve
from tests.support.replica import html_response, read_jsonl, run_spider

SITE = REPO / "tests" / "spiders" / "sites" / "craigslist.toml"
EXAMPLES = sorted((REPO / "spiders" / "sites").glob("*.toml"))
MINIMAL: dict[str, Any] = {
    "start_urls": ["https://loker.example/"],
    "item": "li",
    "fields": {"url": "a::attr(href)", "title": "a::text"},
}


def make(**args: Any) -> ClassifiedsSpider:
    crawler = get_crawler(ClassifiedsSpider, {})
    spider = ClassifiedsSpider.from_crawler(crawler, **{"site": str(SITE), **args})
    crawler.spider = spider
    return spider


# Site files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"start_urls": None}, "start_urls"),
        ({"start_urls": ["ftp://x/"]}, "start_urls[0]"),
        ({"item": None}, "item"),
        ({"item": "li[["}, "item"),
        ({"fields": {"title": "a::text"}}, "fields.url"),
        ({"fields": {"url": "a::attr(href)"}}, "fields.title"),
        ({"fields": {"url": "a::attr(href)", "titel": "a"}}, "fields.titel"),
        ({"fields": {"url": {"css": "a", "xpath": "//a"}, "title": "a"}}, "fields.url"),
        ({"fields": {"url": "a", "title": {"xpath": "//a[", "format": "%Y"}}}, "fields.title"),
        ({"fields": {"url": "a", "title": {"css": "a", "format": "%Y"}}}, "fields.title.format"),
        ({"timezone": "WIB"}, "timezone"),
        ({"browser": "yes"}, "browser"),
        ({"next_page": 3}, "next_page"),
        ({"detail": {"fields": {"body": "p"}}}, "detail.fields.body"),
        ({"detail": {"felds": {}}}, "detail.felds"),
        ({"name": "a b"}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_wrong_site_file_names_the_key(change: dict[str, Any], key: str) -> None:
    raw = {k: v for k, v in {**MINIMAL, **change}.items() if v is not None}
    with pytest.raises(SiteFileError) as caught:
        parse_site(raw, "s.toml")
    assert caught.value.key == key
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "not found"), ("item = [", "not valid TOML"), (b"\xff\xfe", "cannot be read")],
)
def test_an_unreadable_site_file_is_one_line(
    tmp_path: Path, content: str | bytes | None, problem: str
) -> None:
    path = tmp_path / "site.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(SiteFileError, match=problem):
        parse_site_file(path)


def test_browser_true_in_a_site_file_renders_the_pages() -> None:
    assert parse_site({**MINIMAL, "browser": True}).browser is True
    assert parse_site(MINIMAL).browser is False


def test_selectors_starting_with_a_slash_are_xpath() -> None:
    site = parse_site({**MINIMAL, "item": "//ul/li", "next_page": "a.next::attr(href)"})
    assert site.item.is_xpath and site.next_page is not None and not site.next_page.is_xpath


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shipped_example_site_files_are_valid(path: Path) -> None:
    site = parse_site_file(path)
    assert site.start_urls[0].startswith("https://")


def test_two_example_site_files_are_shipped() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize(
    ("value", "date_format", "expected"),
    [
        ("2023-11-29T20:23:46-0500", None, "2023-11-30T01:23:46+00:00"),
        ("2026-11-20 09:15", "%Y-%m-%d %H:%M", "2026-11-20T02:15:00+00:00"),
        ("20/11/2026", "%d/%m/%Y", "2026-11-19T17:00:00+00:00"),
        ("kemarin", None, None),
        ("2026-13-01", None, None),
    ],
)
def test_dates_become_utc(value: str, date_format: str | None, expected: str | None) -> None:
    site = parse_site({**MINIMAL, "timezone": "+07:00"})
    assert parse_date(value, date_format, site.timezone) == expected


# Through the configuration --------------------------------------------------------------


def source_config(site: str) -> dict[str, Any]:
    return {"sources": [{"name": "cl", "spider": "classifieds", "args": {"site": site}}]}


def test_a_source_takes_a_site_file_as_an_absolute_path() -> None:
    config = parse_config(source_config(str(SITE.relative_to(REPO))), {})
    assert Path(config.sources[0].args["site"]) == SITE


def test_a_relative_site_file_is_taken_from_the_configuration_folder(tmp_path: Path) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "cl.toml").write_text(SITE.read_text())
    (tmp_path / "pantau.toml").write_text(
        '[[sources]]\nname = "cl"\nspider = "classifieds"\nargs = { site = "sites/cl.toml" }\n'
    )
    config = load_config(tmp_path / "pantau.toml", {})
    assert config.sources[0].args["site"] == str(tmp_path / "sites" / "cl.toml")


def test_a_broken_site_file_stops_the_configuration(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('start_urls = ["https://x.example/"]\nitem = "li"\n[fields]\nurl = "a"\n')
    with pytest.raises(ConfigError) as caught:
        parse_config(source_config(str(broken)), {})
    assert caught.value.key == "sources[0].args.site"
    assert "fields.title" in str(caught.value)


def test_the_site_argument_is_required() -> None:
    raw = {"sources": [{"name": "cl", "spider": "classifieds", "args": {}}]}
    with pytest.raises(ConfigError, match=r"sources\[0\]\.args\.site"):
        parse_config(raw, {})


# Reading pages --------------------------------------------------------------------------


def test_listings_of_a_search_page() -> None:
    spider = make(base_url="http://replica.test")
    page = html_response("http://replica.test/search/sss", search_page(1))
    records = list(spider.read_listings(page))
    assert [r["title"] for r in records] == [listing.title for listing in LISTINGS[:3]]
    assert records[0]["url"] == "http://replica.test" + LISTINGS[0].path
    assert records[0]["location"] == "Jakarta Barat" and "price" not in records[2]


def test_a_posting_page_completes_the_listing() -> None:
    spider = make(base_url="http://replica.test")
    listing = LISTINGS[3]
    record = {"url": "http://replica.test" + listing.path, "title": "x", "id": str(listing.pid)}
    item = spider.parse_detail(html_response(record["url"], detail_page(listing)), record)
    assert item["title"] == listing.title
    assert item["post_id"] == f"craigslist-boston/{listing.pid}"
    assert item["posted_at"] == "2026-11-18T00:00:00+00:00"
    assert "QR Code" not in item["text"] and "alert(" not in item["text"]
    assert item["text"].endswith("tanpa pelatihan.\nGaji 1.500 riyal.")


def test_the_page_of_a_listing_without_links_skips_it() -> None:
    spider = make()
    body = '<ol><li class="cl-search-result"><span class="label">tanpa tautan</span></li></ol>'
    assert list(spider.read_listings(html_response(ORIGIN + "/search/sss", body))) == []
    assert spider.crawler.stats.get_value("classifieds/listings_skipped") == 1


def test_a_page_that_is_not_html_fails_the_run() -> None:
    spider = make()
    with pytest.raises(CloseSpider):
        list(spider.parse(Response(ORIGIN + "/search/sss", body=b"\x00\x01")))


def test_a_blocked_page_ends_the_run_as_blocked() -> None:
    spider = make()
    page = html_response(ORIGIN + "/search/sss", '<form id="login-form"></form>')
    with pytest.raises(CloseSpider) as caught:
        list(spider.parse(page))
    assert caught.value.reason.startswith("blocked:")


def test_malformed_json_instead_of_a_page_yields_nothing() -> None:
    spider = make()
    page = TextResponse(ORIGIN + "/search/sss", body=b'{"broken": ', encoding="utf-8")
    assert [i for i in spider.parse(page) if isinstance(i, PostItem)] == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/jkt/job/d/admin/77.html", "jkt/job/d/admin/77.html"),
        ("https://x.example/iklan?id=5", "iklan?id=5"),
    ],
)
def test_listing_ids_come_from_the_path(url: str, expected: str) -> None:
    assert listing_id(url) == expected


def test_links_to_the_site_origin_move_to_base_url() -> None:
    spider = make(base_url="http://127.0.0.1:9")
    assert spider.rebase(ORIGIN + "/a.html") == "http://127.0.0.1:9/a.html"
    assert spider.rebase("https://images.craigslist.org/1.jpg").startswith("https://images")
    assert spider.allowed_domains == ["boston.craigslist.org", "127.0.0.1"]


def test_the_selectors_read_elements_as_text_with_line_breaks() -> None:
    spider = make()
    node = Selector(text="<div><p>Gaji<br>15 juta</p><ul><li>Visa</li></ul></div>")
    site = parse_site({**MINIMAL, "fields": {"url": "a", "text": "div"}})
    assert spider.read_fields(node, site.fields, html_response(ORIGIN, ""))["text"] == (
        "Gaji\n15 juta\n\n- Visa"
    )


# Real crawls ----------------------------------------------------------------------------


def test_crawl_of_the_replica_follows_pages_and_details(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(routes()) as base:
        result = run_spider(
            "classifieds", {"site": str(SITE), "base_url": base, "max_pages": "3"}, out
        )
        assert result.returncode == 0, result.stderr[-2000:]
    items = {item["post_id"]: item for item in read_jsonl(out)}
    assert sorted(items) == sorted(f"craigslist-boston/{listing.pid}" for listing in LISTINGS)
    for listing in LISTINGS:
        item = items[f"craigslist-boston/{listing.pid}"]
        assert item["title"] == listing.title
        assert item["url"] == base + listing.path
        assert item["text"].startswith(listing.title + "\n\n")
        assert len(item["text"]) > len(listing.title) + 20


def test_crawl_stops_at_max_pages(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(routes()) as base:
        result = run_spider(
            "classifieds", {"site": str(SITE), "base_url": base, "max_pages": "1"}, out
        )
    assert result.returncode == 0
    assert len(read_jsonl(out)) == 3


def test_crawl_keeps_the_listing_when_its_page_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    pages = routes()
    pages[LISTINGS[0].path] = Reply(b"gone", 404)
    with serve(pages) as base:
        run_spider("classifieds", {"site": str(SITE), "base_url": base, "max_pages": "2"}, out)
    items = {item["title"]: item for item in read_jsonl(out)}
    assert len(items) == len(LISTINGS)
    assert items[LISTINGS[0].title]["text"] == LISTINGS[0].title


def test_crawl_with_a_broken_site_file_reports_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('start_urls = ["https://x.example/"]\nitem = "li"\n[fields]\nurl = "a"\n')
    result = run_spider("classifieds", {"site": str(broken)}, tmp_path / "out.jsonl")
    errors = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1 and "fields.title: a title or text field is required" in errors[0]
    assert "Traceback" not in result.stderr


def test_crawl_stores_listings_and_stops_at_stored_ones(tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "pantau.db"
    args = {"site": str(SITE), "max_pages": "3"}
    with serve(routes()) as base:
        for _ in range(2):
            result = run_spider(
                "classifieds", {**args, "base_url": base}, out, {"PANTAU_DB": str(db)}
            )
            assert result.returncode == 0
    assert "classifieds/stopped_at_stored" in result.stderr
    assert len(read_jsonl(out)) == 3


@pytest.mark.shared
def test_crawl_of_the_real_craigslist_pages(shared_dir: Path, tmp_path: Path) -> None:
    folder = shared_dir / "fixtures" / "classifieds"
    search = (folder / "hyacinth_craigslist-search-results-sample.html").read_bytes()
    details = [
        (folder / f"hyacinth_craigslist-result-details{kind}-sample.html").read_bytes()
        for kind in ("", "-no-price")
    ]
    links = Selector(text=search.decode()).css("a.posting-title::attr(href)").getall()
    pages = {"/search/sss": Reply(search)}
    for index, link in enumerate(links):
        pages[link.removeprefix(ORIGIN)] = Reply(details[index % 2])
    out = tmp_path / "out.jsonl"
    with serve(pages) as base:
        result = run_spider("classifieds", {"site": str(SITE), "base_url": base}, out)
    assert result.returncode == 0, result.stderr[-2000:]
    items = read_jsonl(out)
    assert len(items) == len(links) == 120
    assert all(item["title"] and item["text"] and item["url"].startswith(base) for item in items)
    assert all("QR Code" not in item["text"] for item in items)
    assert {item["posted_at"] for item in items} >= {"2023-11-30T01:23:46+00:00"}


def test_crawl_drops_a_huge_listing_page_and_keeps_the_listing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    pages = routes()
    pages[LISTINGS[1].path] = Reply(b"<html><body>" + b"x" * 200_000 + b"</body></html>")
    with serve(pages) as base:
        result = run_spider(
            "classifieds",
            {"site": str(SITE), "base_url": base, "max_pages": "2"},
            out,
            {"DOWNLOAD_MAXSIZE": "100000"},
        )
    assert result.returncode == 0
    items = {item["title"]: item for item in read_jsonl(out)}
    assert len(items) == len(LISTINGS)
    assert items[LISTINGS[1].title]["text"] == LISTINGS[1].title
    assert "classifieds/details_failed" in result.stderr


# Sites that put their listings in the page by script -----------------------------------


def browser_site_file(tmp_path: Path) -> Path:
    """The replica's site file with ``browser = true``."""
    path = tmp_path / "craigslist-browser.toml"
    path.write_text("browser = true\n" + SITE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_a_plain_crawl_finds_no_listing_put_in_by_script(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with serve(scripted_routes()) as base:
        result = run_spider(
            "classifieds", {"site": str(SITE), "base_url": base, "max_pages": "3"}, out
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert read_jsonl(out) == []
    assert "classifieds/pages_without_listings" in result.stderr


@pytest.mark.browser
def test_browser_site_file_reads_listings_and_texts_put_in_by_script(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    site = browser_site_file(tmp_path)
    with serve(scripted_routes()) as base:
        result = run_spider(
            "classifieds",
            {"site": str(site), "base_url": base, "max_pages": "3"},
            out,
            {"PANTAU_NETWORK_ALLOW": "127.0.0.1"},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    items = {item["title"]: item for item in read_jsonl(out)}
    assert sorted(items) == sorted(listing.title for listing in LISTINGS)
    first = items[LISTINGS[0].title]
    assert first["url"] == base + LISTINGS[0].path
    assert "- Usia 18-35\n- Bisa mengetik" in first["text"]
    assert "QR Code" not in first["text"]
    assert first["posted_at"] == "2026-11-20T02:15:00+00:00"
    assert "alert(" not in items[LISTINGS[3].title]["text"]
    assert "'playwright/page_count/closed': 7" in result.stderr
    assert "'playwright/request_count/aborted'" in result.stderr


@pytest.mark.browser
@pytest.mark.parametrize(
    ("allow", "reached"), [("127.0.0.1", False), ("127.0.0.1,127.0.0.2", True)]
)
def test_a_rendered_page_reaches_only_what_the_fence_allows(
    tmp_path: Path, allow: str, reached: bool
) -> None:
    """A search page's script asks an internal address (127.0.0.2) while it loads: the
    fence refuses it unless ``PANTAU_NETWORK_ALLOW`` names it."""
    internal_log: list[str] = []
    site = browser_site_file(tmp_path)
    with serve({"/rahasia": Reply(b"RAHASIA")}, host="127.0.0.2", log=internal_log) as internal:
        beacon = internal + "/rahasia"
        with serve(scripted_routes(beacon=beacon)) as base:
            result = run_spider(
                "classifieds",
                {"site": str(site), "base_url": base, "max_pages": "1"},
                tmp_path / "out.jsonl",
                {"PANTAU_NETWORK_ALLOW": allow},
            )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 3
    assert bool(internal_log) is reached


@pytest.mark.browser
def test_a_browser_crawl_of_an_address_the_fence_refuses_fails(tmp_path: Path) -> None:
    site = browser_site_file(tmp_path)
    with serve(scripted_routes()) as base:
        result = run_spider(
            "classifieds", {"site": str(site), "base_url": base}, tmp_path / "out.jsonl"
        )
    assert read_jsonl(tmp_path / "out.jsonl") == []
    assert "fence proxy: refused " + base + "/search/sss: loopback address" in result.stderr
    assert "Could not fetch " + base + "/search/sss" in result.stderr


def test_a_browser_crawl_cannot_go_through_the_spiders_proxy(tmp_path: Path) -> None:
    site = browser_site_file(tmp_path)
    with pytest.raises(ValueError, match="proxy cannot be combined with browser=true"):
        make(site=str(site), proxy="http://127.0.0.1:3128")
