"""The x spider: tweet parsing as tables, the replica GraphQL API (profile -> timeline,
cursor paging, incremental stop, missing session, rate limit, cut JSON) and the real
GraphQL answers in ../shared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler import store
from spiders.embedded import response_json
from spiders.x import XSpider, bottom_cursor, tweet_fields, tweets, user_id
from tests.support.replica import read_jsonl, run_spider
from tests.support.site import serve_site
from tests.support.x_site import HANDLE, TWEETS, USER_ID, routes, tweet, user_tweets

BASE = "http://replica.test"
FIRST = tweet_fields(tweet(TWEETS[0]), BASE)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("post_id", "1900000000000000004"),
        ("url", f"{BASE}/{HANDLE}/status/1900000000000000004"),
        ("author", "Loker LN"),
        ("author_url", f"{BASE}/{HANDLE}"),
        ("text", "Dibutuhkan 20 admin ke Kamboja, gaji $1000, tiket gratis. DM!"),
        ("posted_at", "2026-03-02T08:00:00+00:00"),
        ("images", ["https://pbs.twimg.com/media/replica_kamboja.jpg"]),
        ("reactions", 14),
        ("comments", 2),
        ("shares", 5),
        ("views", 310),
        ("kind", "tweet"),
    ],
)
def test_tweet_fields(field: str, expected: object) -> None:
    assert FIRST[field] == expected


def test_long_post_text_comes_from_note_tweet() -> None:
    node = tweet(TWEETS[1])
    node["note_tweet"] = {"note_tweet_results": {"result": {"text": "teks panjang lengkap"}}}
    assert tweet_fields(node, BASE)["text"] == "teks panjang lengkap"


def test_timeline_answer_tweets_and_bottom_cursor() -> None:
    trees = [user_tweets(TWEETS[:3], "c1")]
    assert [t["rest_id"] for t in tweets(trees)] == [row[0] for row in TWEETS[:3]]
    assert bottom_cursor(trees) == "c1"


@pytest.mark.parametrize(
    ("args", "start"),
    [
        ({"profile": "@" + HANDLE}, "/UserByScreenName?variables="),
        ({"q": "loker kamboja"}, "/SearchTimeline?variables="),
    ],
)
def test_graphql_urls(args: dict[str, str], start: str) -> None:
    crawler = get_crawler(XSpider)
    spider = XSpider.from_crawler(crawler, base_url=BASE, **args)
    url = (
        spider.timeline_url(None, "c9")
        if "q" in args
        else spider.graphql_url("UserByScreenName", {"screen_name": HANDLE})
    )
    assert start in url
    assert "c9" in url or HANDLE in url


def crawl(base_url: str, tmp_path: Path, **args: Any) -> tuple[Any, list[dict[str, Any]]]:
    settings = {k: str(v) for k, v in args.pop("settings", {}).items()}
    out = tmp_path / "out.jsonl"
    result = run_spider("x", {"base_url": base_url, **args}, out, settings)
    return result, read_jsonl(out) if out.exists() else []


def test_crawl_profile_pages_by_cursor(tmp_path: Path) -> None:
    with serve_site(routes()) as site:
        result, found = crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=5)
        asked = [
            json.loads(h.query["variables"][0]).get("cursor")
            for h in site.hits_to("/i/api/graphql/UserTweets/UserTweets")
        ]
    assert result.returncode == 0, result.stderr
    assert [t["post_id"] for t in found] == [row[0] for row in TWEETS]
    assert asked == [None, "c1", "c2"]


def test_crawl_stops_at_stored_posts(tmp_path: Path) -> None:
    settings = {"PANTAU_DB": str(tmp_path / "pantau.db")}
    with serve_site(routes()) as site:
        crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=1, settings=settings)
        result, found = crawl(
            site.base_url, tmp_path, profile=HANDLE, max_pages=5, settings=settings
        )
        hits = site.hits_to("/i/api/graphql/UserTweets/UserTweets")
    assert result.returncode == 0, result.stderr
    assert len(found) == 3
    assert len(hits) == 2


@pytest.mark.parametrize(
    ("profile", "status", "reason"),
    [
        ("tanpasesi", "blocked", "blocked: login wall at "),
        ("terlalucepat", "blocked", "blocked: rate limit at "),
        ("rusak", "failed", "X profile 'rusak' was not found"),
    ],
)
def test_crawl_outcomes(tmp_path: Path, profile: str, status: str, reason: str) -> None:
    db_path = tmp_path / "pantau.db"
    with serve_site(routes()) as site:
        result, found = crawl(
            site.base_url, tmp_path, profile=profile, settings={"PANTAU_DB": db_path}
        )
    assert result.returncode == 0, result.stderr
    run = store.get_run(store.open_store(db_path), 1)
    assert run is not None
    assert (run["status"], found) == (status, [])
    assert run["reason"].startswith(reason)


def test_user_id_from_user_by_screen_name() -> None:
    assert user_id([{"data": {"user": {"result": {"rest_id": USER_ID}}}}]) == USER_ID


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("twscrape_graphql_raw_user_tweets.json", 41),
        ("twscrape_graphql_raw_search.json", 25),
        ("twscrape_graphql_raw_tweet_details.json", 37),
    ],
)
def test_real_graphql_answers(shared_dir: Path, name: str, count: int) -> None:
    text = (shared_dir / "fixtures" / "twitter" / name).read_text(encoding="utf-8")
    trees = response_json(text).trees
    found = [tweet_fields(t, "https://x.com") for t in tweets(trees)]
    assert len(found) == count
    for post in found:
        assert post["author"] and post["text"] and post["posted_at"]
        assert post["url"].startswith("https://x.com/") and "/status/" in post["url"]
        assert post["reactions"] is not None
    assert bottom_cursor(trees)


@pytest.mark.shared
def test_real_user_by_screen_name(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "twitter" / "twscrape_graphql_raw_user_by_login.json"
    assert user_id(response_json(path.read_text()).trees) == "2244994945"
