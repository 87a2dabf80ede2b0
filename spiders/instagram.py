"""Spider for Instagram profiles and hashtags, read from Instagram's JSON.

Instagram's logged-out pages carry no posts in their HTML: they name the API request the
browser makes next (``polaris_preload``: ``/api/v1/users/web_profile_info/``,
``/api/v1/media/<id>/info/``). The spider asks those APIs directly (with the web app's
``X-IG-App-ID`` header) and reads both shapes of post they answer with: the web graph
shape (``edge_owner_to_timeline_media.edges[].node``: ``shortcode``,
``edge_media_to_caption``, ``taken_at_timestamp``) and the v1 shape (``items[]``: ``code``,
``caption.text``, ``taken_at``, ``image_versions2``, ``carousel_media``). Older posts come
from ``/api/v1/feed/user/<id>/?max_id=`` (a profile) or ``web_info?max_id=`` (a hashtag).

The login page, a challenge (checkpoint), ``require_login`` and "please wait a few minutes"
answers end the run ``blocked``. Instagram serves the APIs logged out only for a few
requests per address; a session (``pantau session import instagram``) lasts longer.

    scrapy crawl instagram -a profile=NAME | -a hashtag=TAG | -a url=URL [-a max_pages=N]
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawler.items import PostItem
from spiders.base import PantauSpider
from spiders.embedded import Embedded, as_int, dicts, dig, epoch_iso, page_json, unique
from spiders.embedded import response_json as api_json
from spiders.walls import Wall

# Where the ServerJS payloads (with the preload requests) start inside Instagram's scripts.
_PAYLOADS = ('{"define":', '{ "define":', '{"require":', '{ "require":')
_POST_APIS = (
    "/api/v1/users/web_profile_info/",
    "/api/v1/media/",
    "/api/v1/tags/",
    "/api/v1/feed/",
)
_NAME = re.compile(r"^[A-Za-z0-9_.]{1,30}$")
# The id Instagram's own web app sends; without it the web APIs answer 400.
WEB_APP_ID = "936619743392459"
INSTAGRAM_WALLS: tuple[Wall, ...] = (
    Wall("checkpoint", paths=("/challenge", "/accounts/suspended")),
    Wall(
        "login wall", paths=("/accounts/login",), titles=("login • instagram", "masuk • instagram")
    ),
    Wall("rate limit", texts=("please wait a few minutes before you try again",)),
    Wall("content not available", texts=("sorry, this page isn't available",)),
)


# Parsing: pure functions over decoded JSON ----------------------------------------------


def is_v1_media(node: dict[str, Any]) -> bool:
    return isinstance(node.get("code"), str) and as_int(node.get("taken_at")) is not None


def is_graph_media(node: dict[str, Any]) -> bool:
    return isinstance(node.get("shortcode"), str) and "taken_at_timestamp" in node


def is_media(node: dict[str, Any]) -> bool:
    return is_v1_media(node) or is_graph_media(node)


def medias(trees: list[Any]) -> list[dict[str, Any]]:
    """Every post in ``trees`` (either shape), outermost only, once each."""
    found: dict[str, dict[str, Any]] = {}
    for tree in trees:
        for node in dicts(tree, stop=is_media):
            if is_media(node):
                found.setdefault(str(node.get("code") or node.get("shortcode")), node)
    return list(found.values())


def media_fields(node: dict[str, Any], base_url: str) -> dict[str, Any]:
    return v1_fields(node, base_url) if is_v1_media(node) else graph_fields(node, base_url)


def v1_fields(node: dict[str, Any], base_url: str) -> dict[str, Any]:
    user = node.get("user") or {}
    handle = user.get("username")
    return {
        "post_id": node["code"],
        "url": f"{base_url}/p/{node['code']}/",
        "author": user.get("full_name") or handle,
        "author_url": f"{base_url}/{handle}/" if handle else None,
        "text": (dig(node, "caption", "text") or "").strip(),
        "posted_at": epoch_iso(node.get("taken_at")),
        "images": v1_images(node),
        "reactions": as_int(node.get("like_count")),
        "comments": as_int(node.get("comment_count")),
        "kind": "post",
    }


def v1_images(node: dict[str, Any]) -> list[str]:
    """The largest picture of the post, or of each picture of a carousel."""
    parts = node.get("carousel_media") or [node]
    return unique([dig(p, "image_versions2", "candidates", 0, "url") for p in parts])


def graph_fields(node: dict[str, Any], base_url: str) -> dict[str, Any]:
    owner = node.get("owner") or {}
    handle = owner.get("username")
    code = node["shortcode"]
    children = [
        dig(e, "node", "display_url") for e in dig(node, "edge_sidecar_to_children", "edges") or []
    ]
    return {
        "post_id": code,
        "url": f"{base_url}/p/{code}/",
        "author": owner.get("full_name") or handle,
        "author_url": f"{base_url}/{handle}/" if handle else None,
        "text": (dig(node, "edge_media_to_caption", "edges", 0, "node", "text") or "").strip(),
        "posted_at": epoch_iso(node.get("taken_at_timestamp")),
        "images": unique(children or [node.get("display_url")]),
        "reactions": as_int(
            dig(node, "edge_liked_by", "count") or dig(node, "edge_media_preview_like", "count")
        ),
        "comments": as_int(dig(node, "edge_media_to_comment", "count")),
        "kind": "post",
    }


def next_max_id(trees: list[Any]) -> str | None:
    """Where the next page starts: v1 ``next_max_id`` with ``more_available``, or a graph
    ``page_info.end_cursor`` with ``has_next_page``."""
    for tree in trees:
        for node in dicts(tree, stop=is_media):
            if node.get("more_available") and node.get("next_max_id"):
                return str(node["next_max_id"])
            info = node.get("page_info")
            if isinstance(info, dict) and info.get("has_next_page") and info.get("end_cursor"):
                return str(info["end_cursor"])
    return None


def profile_id(trees: list[Any]) -> str | None:
    for tree in trees:
        user = dig(tree, "data", "user")
        if isinstance(user, dict) and user.get("id"):
            return str(user["id"])
    return None


def preload_urls(trees: list[Any]) -> list[str]:
    """The post-bearing API requests a logged-out page tells the browser to make."""
    urls = []
    for tree in trees:
        for node in dicts(tree):
            request = node.get("request")
            if isinstance(request, dict) and str(request.get("url", "")).startswith(_POST_APIS):
                urls.append(fill_request(request))
    return unique(urls)


def fill_request(request: dict[str, Any]) -> str:
    path = str(request["url"])
    for key, value in (dig(request, "params", "path") or {}).items():
        path = path.replace("{" + key + "}", str(value))
    query = dig(request, "params", "query") or {}
    return path + ("?" + urlencode(query) if query else "")


def api_wall(trees: list[Any]) -> str | None:
    """The wall a JSON answer reports (``require_login``, ``checkpoint_required``...)."""
    for tree in trees:
        if not isinstance(tree, dict):
            continue
        message = str(tree.get("message") or "").lower()
        if tree.get("require_login") or message == "login_required":
            return "login wall"
        if message in ("checkpoint_required", "challenge_required"):
            return "checkpoint"
        if tree.get("spam") or "please wait a few minutes" in message:
            return "rate limit"
    return None


# The spider --------------------------------------------------------------------------


def parse_name(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().removeprefix("@").removeprefix("#")
    if not _NAME.match(name):
        raise ValueError(
            f"{kind} must be an Instagram {kind} (letters, digits, _ and .), got {value!r}"
        )
    return name


class InstagramSpider(PantauSpider):
    """Posts of one profile or one hashtag, or of one page/API URL."""

    name = "instagram"
    platform = "instagram"
    default_base_url = "https://www.instagram.com"

    def __init__(
        self, *args: Any, profile: str | None = None, hashtag: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = parse_name("profile", profile)
        self.hashtag = parse_name("hashtag", hashtag)
        if len([x for x in (self.profile, self.hashtag, self.start_url) if x]) != 1:
            raise ValueError("give exactly one of profile=, hashtag= or url=")

    def default_source(self) -> str:
        return self.profile or self.hashtag or "instagram"

    def first_url(self) -> str:
        if self.start_url:
            return self.start_url
        if self.profile:
            return f"{self.base_url}/api/v1/users/web_profile_info/?username={self.profile}"
        return f"{self.base_url}/api/v1/tags/web_info/?tag_name={self.hashtag}"

    def request(self, url: str, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_fetch_error,
            headers={"X-IG-App-ID": WEB_APP_ID, "X-Requested-With": "XMLHttpRequest"},
            cb_kwargs=cb_kwargs,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.first_url())

    def parse(
        self, response: Response, page: int = 1, user: str | None = None
    ) -> Iterator[PostItem | scrapy.Request]:
        """Posts of a page or API answer; then the preloaded API request (a page) or the
        request for the next page."""
        found = self.read(response)
        posts = [media_fields(node, self.base_url) for node in medias(found.trees)]
        self.count("pages")
        for post in posts:
            yield self.build_item(**post)
        if not posts and page == 1 and not api_answer(response.url):
            yield from self.follow_preload(found)
            return
        following = self.next_request(found, posts, page, user or profile_id(found.trees))
        if following is not None:
            yield following

    def read(self, response: Response) -> Embedded:
        text = self.page_text(response)
        self.stop_at_walls(response.url, text, INSTAGRAM_WALLS)
        json_like = text.lstrip().startswith(("{", "["))
        found = api_json(text) if json_like else page_json(text, _PAYLOADS)
        found = self.decoded(found, response.url)
        reason = api_wall(found.trees)
        if reason:
            self.blocked(reason, response.url)
        return found

    def follow_preload(self, found: Embedded) -> Iterator[scrapy.Request]:
        for path in preload_urls(found.trees)[:1]:
            yield self.request(self.base_url + path)

    def next_request(
        self, found: Embedded, posts: list[dict[str, Any]], page: int, user: str | None
    ) -> scrapy.Request | None:
        max_id = next_max_id(found.trees)
        if page >= self.max_pages or not max_id or self.start_url:
            return None
        if self.seen_before([post["post_id"] for post in posts]):
            self.logger.info("page %d holds posts stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return None
        if self.hashtag:
            url = f"{self.first_url()}&{urlencode({'max_id': max_id})}"
        elif user:
            url = f"{self.base_url}/api/v1/feed/user/{user}/?" + urlencode(
                {"count": 12, "max_id": max_id}
            )
        else:
            return None
        return self.request(url, page=page + 1, user=user)


def api_answer(url: str) -> bool:
    return urlsplit(url).path.startswith("/api/")
