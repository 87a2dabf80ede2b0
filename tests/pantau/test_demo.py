"""The demo's parts without a browser: its two sources and their place in the network fence
and in the watch loop, and the bundled Facebook group replica it serves (the whole demo
runs in test_end_to_end.py)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from crawler.config import Config, SmtpConfig, parse_config
from crawler.errors import FencedError
from crawler.fence import Fence
from pantau.demo import DEMO_CHANNEL, DEMO_GROUP, demo_config, on_port
from pantau.facebook_replica import (
    FacebookReplica,
    Post,
    load_group,
    render_post_page,
    serve_facebook_replica,
    story,
)
from scheduler import Service
from spiders.embedded import page_json
from spiders.facebook import page_posts, story_fields
from tests.support.replica import read_jsonl, run_spider

TELEGRAM_URL = "http://127.0.0.1:8765"
FACEBOOK_URL = "http://127.0.0.3:8766"  # another loopback address: each host is let through
GROUP = load_group()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    operator = parse_config({"data_dir": str(tmp_path)}, {})
    return demo_config(operator, TELEGRAM_URL, FACEBOOK_URL, SmtpConfig(host="127.0.0.1"))


@pytest.fixture(scope="module")
def site() -> Iterator[FacebookReplica]:
    with serve_facebook_replica() as running:
        yield running


def fetch(url: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


# The demo's configuration --------------------------------------------------------------


def test_demo_watches_the_telegram_channel_and_the_facebook_group(config: Config) -> None:
    sources = {source.spider: source.args for source in config.sources}
    assert sources == {
        "telegram": {"channel": DEMO_CHANNEL, "base_url": TELEGRAM_URL, "max_pages": "3"},
        "facebook": {"group": DEMO_GROUP, "base_url": FACEBOOK_URL, "max_pages": "3"},
    }


def test_demo_sources_pass_the_fence_and_nothing_else_on_loopback_does(config: Config) -> None:
    fence = Fence(config.network.allow)
    for source in config.sources:
        fence.check_url(source.args["base_url"])
    with pytest.raises(FencedError):
        fence.check_url("http://127.0.0.2:8765/")


def test_a_sample_site_keeps_its_port_and_moves_only_when_it_is_taken() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with on_port(serve_facebook_replica, free_port) as site:
        assert site.base_url == f"http://127.0.0.1:{free_port}"
        with on_port(serve_facebook_replica, free_port) as second:
            assert second.base_url != site.base_url
            status, _, _ = fetch(second.group_url)
            assert status == 200


def test_the_watch_loop_keeps_both_sources(config: Config) -> None:
    service = Service(config)
    service.add_jobs()
    jobs = {job.id for job in service.scheduler.get_jobs()}
    assert {"demo-telegram", "demo-facebook"} <= jobs


# The Facebook group replica ------------------------------------------------------------


@pytest.mark.parametrize("post", GROUP.posts, ids=lambda post: post.post_id)
def test_a_post_page_carries_the_same_post_as_the_group_feed(post: Post) -> None:
    page = render_post_page(GROUP, post, FACEBOOK_URL)
    (from_page,) = page_posts(page_json(page).trees, FACEBOOK_URL)
    assert from_page == story_fields(story(GROUP, post, FACEBOOK_URL))


def test_a_post_page_shows_hostile_text_as_text(site: FacebookReplica) -> None:
    status, _, body = fetch(f"{site.group_url}permalink/700000000000104/")
    assert status == 200
    assert body.count(b"</script>") == 1  # the ld+json block's own end: the post cannot end it
    assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/img/poster_kamboja.png", 200, "image/png"),
        ("/img/facebook_group.toml", 404, "text/plain"),
        ("/groups/lain/", 404, "text/plain"),
        (f"/groups/{GROUP.slug}/permalink/1/", 404, "text/plain"),
    ],
)
def test_replica_routes(site: FacebookReplica, path: str, status: int, kind: str) -> None:
    assert fetch(site.base_url + path)[:2] == (status, kind)


@pytest.mark.parametrize(
    "form",
    [
        {"doc_id": "1", "variables": json.dumps({"cursor": "cur3"})},
        {"doc_id": GROUP.doc_id, "variables": json.dumps({"cursor": "cur99"})},
        {"doc_id": GROUP.doc_id, "variables": "{not json"},
    ],
)
def test_a_query_the_replica_cannot_answer_gets_graphql_errors(
    site: FacebookReplica, form: dict[str, str]
) -> None:
    status, kind, body = fetch(site.base_url + "/api/graphql/", urlencode(form).encode())
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["errors"][0]["code"] == 1675030


def test_spider_crawls_the_served_group_through_graphql(
    site: FacebookReplica, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    args = {"group": GROUP.slug, "base_url": site.base_url, "max_pages": 3}
    result = run_spider("facebook", args, out)
    assert result.returncode == 0, result.stderr
    items = read_jsonl(out)
    assert [item["post_id"] for item in items] == [post.post_id for post in GROUP.posts]
    assert all(item["url"].startswith(site.group_url + "permalink/") for item in items)
    assert items[0]["images"] == [f"{site.base_url}/img/poster_kamboja.png"]
