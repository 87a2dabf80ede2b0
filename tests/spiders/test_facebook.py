"""The facebook spider: JSON parsing as tables, the replica group site (paging, incremental
stop, every kind of wall, bad pages) through real ``scrapy crawl`` runs, and the real
pages in ../shared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler import store
from crawler.items import PostItem
from spiders.embedded import page_json, response_json
from spiders.facebook import (
    FACEBOOK_WALLS,
    FacebookSpider,
    feed_query,
    graphql_wall,
    ld_post_id,
    next_cursor,
    page_posts,
    story_fields,
)
from spiders.walls import wall_reason
from tests.support.facebook_site import (
    DOC_ID,
    GROUP,
    LSD,
    POSTS,
    WALL_PAGES,
    graphql_answer,
    group_page,
    routes,
    story,
)
from tests.support.replica import read_jsonl, run_spider
from tests.support.site import Site, form, serve_site

BASE = "http://replica.test"


def make_spider(settings: dict[str, Any] | None = None, **args: Any) -> FacebookSpider:
    crawler = get_crawler(FacebookSpider, settings or {})
    spider = FacebookSpider.from_crawler(crawler, base_url=BASE, **args)
    crawler.spider = spider
    return spider


def html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8")


def run(spider: FacebookSpider, body: str, path: str = f"/groups/{GROUP}/") -> list[Any]:
    return list(spider.parse(html(BASE + path, body)))


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site(routes()) as running:
        yield running


def crawl(site: Site, tmp_path: Path, **args: Any) -> tuple[Any, list[dict[str, Any]]]:
    settings = {k: str(v) for k, v in args.pop("settings", {}).items()}
    args.setdefault("base_url", site.base_url)
    out = tmp_path / "out.jsonl"
    result = run_spider("facebook", args, out, settings)
    return result, read_jsonl(out) if out.exists() else []


def last_run(db_path: Path) -> dict[str, Any]:
    db = store.open_store(db_path)
    rows = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
    db.close()
    return rows[0]


# Parsing: pure functions ---------------------------------------------------------------

NEWEST = story_fields(story(POSTS[0]))


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("post_id", "700000000000106"),
        ("url", f"https://www.facebook.com/groups/{GROUP}/permalink/700000000000106/"),
        ("author", "Agen Resmi Sukses"),
        ("author_url", "https://www.facebook.com/profile.php?id=1000000106"),
        ("posted_at", "2026-03-02T08:00:00+00:00"),
        ("images", ["https://www.facebook.com/img/poster_kamboja.png"]),
        ("reactions", 57),
        ("comments", 12),
        ("shares", 3),
        ("kind", "post"),
    ],
)
def test_story_fields(field: str, expected: object) -> None:
    assert NEWEST[field] == expected


def test_story_text_keeps_line_breaks() -> None:
    assert NEWEST["text"].splitlines()[1] == "Gaji 1.200 USD, tiket & visa ditanggung."


def test_script_in_a_post_stays_text() -> None:
    fields = story_fields(story(POSTS[2]))
    assert fields["text"].startswith("Awas kode <script>alert('x')</script> & tautan")


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [("100044380451196;567261421429868;;9", "567261421429868"), ("123", "123"), ("x;y", None)],
)
def test_ld_post_id(identifier: str, expected: str | None) -> None:
    assert ld_post_id(identifier) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"errors": [{"code": 1357001, "message": "Log in"}]}, "login wall"),
        ({"errors": [{"code": 1675004, "message": "Rate limit exceeded"}]}, "rate limit"),
        ({"errors": [{"code": 1675030, "message": "Query error"}]}, None),
        ({"data": {}}, None),
    ],
)
def test_graphql_wall(answer: dict[str, Any], expected: str | None) -> None:
    assert graphql_wall([answer]) == expected


def test_group_page_gives_posts_cursor_and_feed_query() -> None:
    page = group_page()
    found = page_json(page)
    assert [p["post_id"] for p in page_posts(found.trees, BASE)] == [p.post_id for p in POSTS[:3]]
    assert next_cursor(found.trees) == "cur3"
    query = feed_query(page)
    assert query is not None
    assert (query.doc_id, query.lsd, query.variables["count"]) == (DOC_ID, LSD, 3)


def test_graphql_answer_gives_the_older_posts() -> None:
    found = response_json(graphql_answer("cur3"))
    assert [p["post_id"] for p in page_posts(found.trees, BASE)] == [p.post_id for p in POSTS[3:]]
    assert next_cursor(found.trees) is None


def test_a_storys_comment_cursor_is_not_the_feed_cursor() -> None:
    assert next_cursor([{"edges": [{"node": story(POSTS[0])}]}]) is None


# Walls -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [(p, r) for p, (r, _) in WALL_PAGES.items()])
def test_each_wall_is_recognised(path: str, expected: str) -> None:
    assert wall_reason(BASE + path, WALL_PAGES[path][1], FACEBOOK_WALLS) == expected


@pytest.mark.parametrize(("path", "expected"), [(p, r) for p, (r, _) in WALL_PAGES.items()])
def test_a_wall_ends_the_run_blocked_with_nothing_yielded(path: str, expected: str) -> None:
    spider = make_spider(group=GROUP)
    with pytest.raises(CloseSpider) as raised:
        run(spider, WALL_PAGES[path][1], path)
    assert raised.value.reason == f"blocked: {expected} at {BASE}{path}"


def test_a_real_group_page_with_a_login_form_is_not_a_wall() -> None:
    assert wall_reason(f"{BASE}/groups/{GROUP}/", group_page(), FACEBOOK_WALLS) is None


# The spider in process -------------------------------------------------------------------


def test_first_page_yields_items_then_the_graphql_request() -> None:
    output = run(make_spider(group=GROUP, max_pages=2), group_page())
    items = [o for o in output if isinstance(o, PostItem)]
    requests = [o for o in output if isinstance(o, scrapy.Request)]
    assert [i["post_id"] for i in items] == [p.post_id for p in POSTS[:3]]
    assert {i["source"] for i in items} == {GROUP}
    assert len(requests) == 1
    request = requests[0]
    assert (request.method, request.url) == ("POST", f"{BASE}/api/graphql/")
    fields = {k: v[0] for k, v in _form(request.body).items()}
    assert fields["doc_id"] == DOC_ID
    assert json.loads(fields["variables"])["cursor"] == "cur3"
    assert request.headers.get("X-FB-LSD") == LSD.encode()


def _form(body: bytes) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(body.decode())


def test_max_pages_one_asks_for_no_more() -> None:
    output = run(make_spider(group=GROUP), group_page())
    assert not [o for o in output if isinstance(o, scrapy.Request)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"group": GROUP}, f"{BASE}/groups/{GROUP}/"),
        ({"page": "InfoLokerLN"}, f"{BASE}/InfoLokerLN/"),
        ({"q": "loker kamboja"}, f"{BASE}/marketplace/search/?query=loker%20kamboja"),
        ({"q": "admin", "location": "jakarta"}, f"{BASE}/marketplace/jakarta/search/?query=admin"),
        ({"url": "http://127.0.0.1:9/groups/x/"}, "http://127.0.0.1:9/groups/x/"),
    ],
)
def test_start_url(args: dict[str, str], expected: str) -> None:
    assert make_spider(**args).first_url() == expected


@pytest.mark.parametrize(
    "args",
    [{}, {"group": GROUP, "page": "x"}, {"group": "a b"}, {"url": "ftp://x/"}],
)
def test_bad_arguments_are_refused(args: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make_spider(**args)


def test_a_response_that_is_not_text_fails_the_run() -> None:
    spider = make_spider(group=GROUP)
    response = scrapy.http.Response(f"{BASE}/groups/x/", body=b"\x89PNG")
    with pytest.raises(CloseSpider) as raised:
        list(spider.parse(response))
    assert "is not a web page or JSON" in raised.value.reason


def test_malformed_json_block_is_counted_and_the_rest_read() -> None:
    spider = make_spider(group=GROUP)
    items = [o for o in run(spider, group_page(broken_block=True)) if isinstance(o, PostItem)]
    assert len(items) == 3
    assert spider.crawler.stats.get_value("facebook/json_errors") == 1


def test_truncated_page_gives_no_posts_and_no_crash() -> None:
    spider = make_spider(group=GROUP)
    assert run(spider, group_page()[:1800]) == []


def test_graphql_error_answer_ends_the_run_blocked() -> None:
    spider = make_spider(group=GROUP, max_pages=3)
    body = json.dumps({"errors": [{"code": 1357001, "message": "Log in to continue"}]})
    response = TextResponse(f"{BASE}/api/graphql/", body=body.encode(), encoding="utf-8")
    query = feed_query(group_page())
    assert query is not None
    with pytest.raises(CloseSpider) as raised:
        list(spider.parse_graphql(response, query=query, page=2))
    assert raised.value.reason == f"blocked: login wall at {BASE}/api/graphql/"


# Real crawls against the replica ---------------------------------------------------------


def test_crawl_pages_through_graphql_up_to_max_pages(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    result, items = crawl(site, tmp_path, group=GROUP, max_pages=3, settings={"PANTAU_DB": db_path})
    assert result.returncode == 0, result.stderr
    run_row = last_run(db_path)
    assert (run_row["pages"], run_row["items_scraped"], run_row["items_new"]) == (2, 6, 6)
    assert [i["post_id"] for i in items] == [p.post_id for p in POSTS]
    posts = site.hits_to("/api/graphql/")
    assert [json.loads(form(h)["variables"])["cursor"] for h in posts] == ["cur3"]


def test_crawl_stops_at_posts_stored_earlier(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    settings = {"PANTAU_DB": str(db_path)}
    first_result, _ = crawl(site, tmp_path, group=GROUP, max_pages=1, settings=settings)
    assert first_result.returncode == 0, first_result.stderr
    result, items = crawl(site, tmp_path, group=GROUP, max_pages=3, settings=settings)
    assert result.returncode == 0, result.stderr
    assert len(items) == 3
    assert site.hits_to("/api/graphql/") == []
    assert (last_run(db_path)["status"], last_run(db_path)["pages"]) == ("ok", 1)


def test_done_check_login_wall_ends_blocked_and_stores_nothing(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    url = site.url("/login-wall/")
    result, items = crawl(site, tmp_path, url=url, settings={"PANTAU_DB": str(db_path)})
    assert result.returncode == 0, result.stderr
    run_row = last_run(db_path)
    assert run_row["status"] == "blocked"
    assert run_row["reason"] == f"blocked: login wall at {url}"
    assert items == []
    assert store.count_rows(store.open_store(db_path), "posts") == 0


def test_empty_group_is_ok_with_zero_items(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    result, items = crawl(site, tmp_path, group="kosong", settings={"PANTAU_DB": str(db_path)})
    assert result.returncode == 0, result.stderr
    assert items == []
    assert (last_run(db_path)["status"], last_run(db_path)["items_scraped"]) == ("ok", 0)


def test_429_with_retry_after_then_the_page(tmp_path: Path) -> None:
    from tests.support.http import Reply

    page = Reply(group_page(cursor=None).encode("utf-8"))
    slow = Reply(b"Terlalu banyak permintaan", 429, headers=(("Retry-After", "1"),))
    with serve_site({f"/groups/{GROUP}/": [slow, page]}) as running:
        result, items = crawl(running, tmp_path, group=GROUP, settings={"RETRY_ENABLED": "True"})
        hits = running.hits_to(f"/groups/{GROUP}/")
    assert result.returncode == 0, result.stderr
    assert len(items) == 3
    assert hits[1].at - hits[0].at >= 0.95


def test_oversized_response_fails_the_run_without_a_crash(tmp_path: Path) -> None:
    from tests.support.http import Reply

    huge = Reply(group_page().encode("utf-8") + b"<!--" + b"x" * 300_000 + b"-->")
    db_path = tmp_path / "pantau.db"
    settings = {"DOWNLOAD_MAXSIZE": "100000", "PANTAU_DB": str(db_path)}
    with serve_site({f"/groups/{GROUP}/": huge}) as running:
        result, items = crawl(running, tmp_path, group=GROUP, settings=settings)
    assert result.returncode == 0, result.stderr
    assert items == []
    run_row = last_run(db_path)
    assert run_row["status"] == "failed"
    assert "larger than download max size (100000)" in run_row["reason"]
    assert "Unhandled" not in result.stderr


# The real pages in ../shared -----------------------------------------------------------

REAL = "facebook"


def real(shared_dir: Path, name: str) -> str:
    return (shared_dir / "fixtures" / REAL / name).read_text(encoding="utf-8")


@pytest.mark.shared
def test_real_login_wall_is_a_login_wall(shared_dir: Path) -> None:
    page = real(shared_dir, "pender_www_facebook_login_wall.html")
    url = "https://www.facebook.com/ironmaiden/"
    assert wall_reason(url, page, FACEBOOK_WALLS) == "login wall"


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "pender_www_facebook_post_pfbid.html",
        "pender_www_facebook_page_profile_meedan.html",
        "hyacinth_fb_marketplace_search_results.html",
        "hyacinth_fb_marketplace_item_details.html",
    ],
)
def test_real_content_pages_are_not_walls(shared_dir: Path, name: str) -> None:
    assert wall_reason("https://www.facebook.com/x", real(shared_dir, name), FACEBOOK_WALLS) is None


@pytest.mark.shared
def test_real_post_page_ld_json(shared_dir: Path) -> None:
    (post,) = page_posts(
        page_json(real(shared_dir, "pender_www_facebook_post_pfbid.html")).trees, ""
    )
    assert post["post_id"] == "567261421429868"
    assert post["author"] == "Little Mix"
    assert post["text"] == "🤍 Nothing comes between us 🤍"
    assert post["posted_at"] == "2022-05-26T19:26:44+00:00"
    assert (post["reactions"], post["comments"], post["shares"]) == (18716, 334, 630)
    assert post["url"].startswith("https://www.facebook.com/LittleMix/posts/pfbid")
    assert len(post["images"]) == 1


@pytest.mark.shared
def test_real_page_timeline_story(shared_dir: Path) -> None:
    page = real(shared_dir, "pender_www_facebook_page_profile_meedan.html")
    found = page_json(page)
    (post,) = page_posts(found.trees, "")
    assert post["post_id"] == "1522700938072473"
    assert post["author"] == "Meedan"
    assert post["url"] == "https://www.facebook.com/heymeedan/videos/1522700938072473/"
    assert post["posted_at"] == "2021-05-03T13:32:01+00:00"
    assert post["images"]
    assert found.errors == 0
    assert next_cursor(found.trees)
    query = feed_query(page)
    assert query is not None and query.name == "ProfileCometTimelineFeedQuery"


@pytest.mark.shared
def test_real_graphql_search_answer(shared_dir: Path) -> None:
    text = real(shared_dir, "www_facebook_graphql_search_serpResponse_sample.json")
    found = response_json(text)
    (post,) = page_posts(found.trees, "")
    assert post["post_id"] == "890510642442295"
    assert post["author"] == "Prabowo Subianto"
    assert post["text"].startswith("Saya dan atas nama Gibran")
    assert post["posted_at"] == "2023-11-09T07:04:05+00:00"
    assert (post["reactions"], post["comments"], post["shares"]) == (10000, 3665, 413)
    assert len(post["images"]) == 1
    assert next_cursor(found.trees) == "Abp5tZ0490SLkjXKwxBUcl2rRqw2BBmdQ..."


@pytest.mark.shared
def test_real_marketplace_search_listings(shared_dir: Path) -> None:
    found = page_json(real(shared_dir, "hyacinth_fb_marketplace_search_results.html"))
    posts = page_posts(found.trees, "https://www.facebook.com")
    assert len(posts) == 24
    assert all(p["kind"] == "listing" and p["text"] and p["images"] for p in posts)
    assert posts[0]["post_id"] == "marketplace/1677104469719388"
    assert "$4,500" in posts[0]["text"]


# Pages that need a browser ---------------------------------------------------------------


@pytest.mark.browser
def test_browser_true_reads_the_page_through_chromium_without_images(tmp_path: Path) -> None:
    from tests.support.http import Reply

    poster = '<div id="mount_0_0_Ab"><img src="/img/poster.png"></div>'
    page = group_page(cursor=None).replace('<div id="mount_0_0_Ab"></div>', poster)
    site_routes = {
        f"/groups/{GROUP}/": Reply(page.encode("utf-8")),
        "/img/poster.png": Reply(b"\x89PNG", content_type="image/png"),
    }
    with serve_site(site_routes) as running:
        result, items = crawl(
            running,
            tmp_path,
            group=GROUP,
            browser="true",
            settings={"PANTAU_NETWORK_ALLOW": "127.0.0.1"},
        )
        paths = [hit.path for hit in running.hits]
    assert result.returncode == 0, result.stderr
    assert [i["post_id"] for i in items] == [p.post_id for p in POSTS[:3]]
    assert paths == [f"/groups/{GROUP}/"]
    assert "'playwright/page_count/closed': 1" in result.stderr
    assert "'playwright/request_count/aborted': 1" in result.stderr


def test_without_browser_no_chromium_is_started(site: Site, tmp_path: Path) -> None:
    result, items = crawl(site, tmp_path, group="kosong")
    assert result.returncode == 0, result.stderr
    assert "scrapy-playwright" not in result.stderr


@pytest.mark.parametrize("value", ["kadang", "2"])
def test_browser_flag_must_be_true_or_false(value: str) -> None:
    with pytest.raises(ValueError, match="browser must be true or false"):
        make_spider(group=GROUP, browser=value)


@pytest.mark.shared
def test_done_check_on_the_real_login_wall_file(shared_dir: Path, tmp_path: Path) -> None:
    """The captured login wall itself, served from ../shared on loopback (not copied)."""
    from tests.support.http import Reply

    wall = (shared_dir / "fixtures" / REAL / "pender_www_facebook_login_wall.html").read_bytes()
    db_path = tmp_path / "pantau.db"
    with serve_site({"/ironmaiden/": Reply(wall)}) as running:
        url = running.url("/ironmaiden/")
        result, items = crawl(running, tmp_path, url=url, settings={"PANTAU_DB": db_path})
    assert result.returncode == 0, result.stderr
    run_row = last_run(db_path)
    assert (run_row["status"], run_row["reason"]) == ("blocked", f"blocked: login wall at {url}")
    assert items == []
    assert store.count_rows(store.open_store(db_path), "posts") == 0
