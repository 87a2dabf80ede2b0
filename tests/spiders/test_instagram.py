"""The instagram spider: both post shapes as tables, the replica (profile page -> preloaded
API, graph page -> v1 feed page, incremental stop, login walls, cut JSON) and the real
answers and pages in ../shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler import store
from spiders.embedded import page_json, response_json
from spiders.instagram import _PAYLOADS, media_fields, medias, next_max_id, preload_urls
from tests.support.instagram_site import (
    CURSOR,
    GRAPH_POSTS,
    HANDLE,
    V1_POST,
    graph_node,
    profile_info,
    profile_page,
    routes,
    v1_item,
)
from tests.support.replica import read_jsonl, run_spider
from tests.support.site import serve_site

BASE = "http://replica.test"
GRAPH = media_fields(graph_node(GRAPH_POSTS[0]), BASE)
V1 = media_fields(v1_item(V1_POST), BASE)


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        (GRAPH, "post_id", "DAbc001"),
        (GRAPH, "url", f"{BASE}/p/DAbc001/"),
        (GRAPH, "author", HANDLE),
        (GRAPH, "author_url", f"{BASE}/{HANDLE}/"),
        (GRAPH, "text", GRAPH_POSTS[0][1]),
        (GRAPH, "posted_at", "2026-03-02T08:00:00+00:00"),
        (GRAPH, "images", ["https://scontent.cdninstagram.replica/DAbc001.jpg"]),
        (GRAPH, "reactions", 240),
        (GRAPH, "comments", 9),
        (V1, "post_id", "DAbc000"),
        (V1, "author", "Loker Korea ID"),
        (V1, "text", "Program magang resmi? Cek dulu di BP2MI & Disnaker."),
        (V1, "posted_at", "2026-02-27T08:00:00+00:00"),
        (V1, "images", ["https://scontent.cdninstagram.replica/DAbc000.jpg"]),
        (V1, "reactions", 31),
    ],
)
def test_media_fields(fields: dict[str, Any], field: str, expected: object) -> None:
    assert fields[field] == expected


def test_profile_answer_posts_and_cursor() -> None:
    trees = [profile_info()]
    assert [m["shortcode"] for m in medias(trees)] == [row[0] for row in GRAPH_POSTS]
    assert next_max_id(trees) == CURSOR


def test_profile_page_names_its_api_request() -> None:
    trees = page_json(profile_page(), _PAYLOADS).trees
    assert preload_urls(trees) == [f"/api/v1/users/web_profile_info/?username={HANDLE}"]


def crawl(base_url: str, tmp_path: Path, **args: Any) -> tuple[Any, list[dict[str, Any]]]:
    settings = {k: str(v) for k, v in args.pop("settings", {}).items()}
    out = tmp_path / "out.jsonl"
    result = run_spider("instagram", {"base_url": base_url, **args}, out, settings)
    return result, read_jsonl(out) if out.exists() else []


def test_crawl_profile_then_the_v1_feed(tmp_path: Path) -> None:
    with serve_site(routes()) as site:
        result, found = crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=2)
    assert result.returncode == 0, result.stderr
    assert [p["post_id"] for p in found] == [row[0] for row in GRAPH_POSTS] + [V1_POST[0]]


def test_crawl_from_the_profile_page_follows_its_preload(tmp_path: Path) -> None:
    with serve_site(routes()) as site:
        result, found = crawl(site.base_url, tmp_path, url=site.url(f"/{HANDLE}/"))
    assert result.returncode == 0, result.stderr
    assert [p["post_id"] for p in found] == [row[0] for row in GRAPH_POSTS]


def test_crawl_stops_at_stored_posts(tmp_path: Path) -> None:
    settings = {"PANTAU_DB": str(tmp_path / "pantau.db")}
    with serve_site(routes()) as site:
        crawl(site.base_url, tmp_path, profile=HANDLE, max_pages=1, settings=settings)
        result, found = crawl(
            site.base_url, tmp_path, profile=HANDLE, max_pages=2, settings=settings
        )
        assert site.hits_to("/api/v1/feed/user/51000000001/") == []
    assert result.returncode == 0, result.stderr
    assert len(found) == 3


@pytest.mark.parametrize(
    ("profile", "status", "reason"),
    [
        ("wajiblogin", "blocked", "blocked: login wall at "),
        ("dialihkan", "blocked", "blocked: login wall at "),
        ("rusak", "ok", "finished"),
        ("tidakada", "ok", "finished"),
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


@pytest.mark.shared
def test_real_media_info_answer(shared_dir: Path) -> None:
    path = shared_dir / "fixtures" / "instagram" / "pender_instagram_api_v1_media_info.json"
    (post,) = [
        media_fields(m, "https://www.instagram.com")
        for m in medias(response_json(path.read_text()).trees)
    ]
    assert post["post_id"] == "Chm_-tPJqpd"
    assert post["author"] == "Retro Bay Area"
    assert post["text"].startswith("Sunnyvale, mid-1950’s.")
    assert post["posted_at"] == "2022-08-23T16:51:41+00:00"
    assert (post["reactions"], post["comments"]) == (113, 0)
    assert len(post["images"]) == 2


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pender_instagram_profile_page.html", "/api/v1/users/web_profile_info/?username=megadeth"),
        ("pender_instagram_post_page.html", "/api/v1/media/2911295595251935837/info/"),
    ],
)
def test_real_pages_name_their_api_request(shared_dir: Path, name: str, expected: str) -> None:
    page = (shared_dir / "fixtures" / "instagram" / name).read_text(encoding="utf-8")
    assert preload_urls(page_json(page, _PAYLOADS).trees) == [expected]
