"""Spider for public Facebook groups, pages and Marketplace search, read from the JSON the
pages embed (never from Facebook's hashed class names).

A logged-out ``www.facebook.com`` page carries its first posts as Relay data: ``Story``
nodes in ``<script type="application/json" data-sjs>`` blocks and in ``{"__bbox": ...}``
payloads of ``require``/``RelayPrefetchedStreamCache`` calls; a single post page also has a
schema.org ``SocialMediaPosting`` in ``ld+json``; Marketplace search has
``GroupCommerceProductItem`` listings. Older posts come from ``/api/graphql/`` with the
feed query the page preloaded (its ``queryID`` and variables, or ``-a doc_id=``) and the
``page_info.end_cursor`` of the previous answer, up to ``max_pages``.

Login walls, checkpoints, CAPTCHAs, consent pages, "content isn't available" and
"temporarily blocked" pages end the run ``blocked`` (``FACEBOOK_WALLS``); nothing of such a
page is stored. A real page without posts stays ``ok`` with zero items.

    scrapy crawl facebook -a group=ID | -a page=NAME | -a q=WORDS [-a location=CITY]
                          | -a url=URL  [-a max_pages=N] [-a base_url=URL] [-a proxy=URL]
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response

from crawler.items import PostItem
from spiders.base import PantauSpider
from spiders.embedded import (
    Embedded,
    as_int,
    dicts,
    dig,
    epoch_iso,
    first,
    iso_time,
    page_json,
    response_json,
    unique,
)
from spiders.walls import Wall, wall_reason

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
_PRELOADER = re.compile(
    r'"preloaderID":"adp_([A-Za-z0-9]+?)RelayPreloader_[^"]*","queryID":"(\d+)","variables":'
)
_LSD = re.compile(r'\["LSD",\[\],\{"token":"([^"]+)"')
# Comments and a shared post's own story are not the post: their text is not its text.
_NOT_THE_POST = ("feedback", "attached_story", "comments", "comet_ufi_summary_and_actions_renderer")

FACEBOOK_WALLS: tuple[Wall, ...] = (
    Wall(
        "checkpoint",
        paths=("/checkpoint", "/two_step_verification", "/two_factor"),
        forms=("/checkpoint",),
        titles=("security check", "pemeriksaan keamanan"),
    ),
    Wall(
        "CAPTCHA",
        paths=("/captcha",),
        texts=("enter the characters you see", "masukkan karakter yang anda lihat"),
        markup=('name="captcha_response"', "g-recaptcha"),
    ),
    Wall(
        "login wall",
        paths=("/login", "/login.php"),
        titles=("log into facebook", "log in to facebook", "masuk ke facebook", "masuk facebook"),
        texts=("you must log in to continue", "anda harus masuk untuk melanjutkan"),
    ),
    Wall(
        "rate limit",
        texts=("you're temporarily blocked", "anda diblokir sementara", "rate limit exceeded"),
    ),
    Wall(
        "consent page",
        paths=("/privacy/consent", "/consent", "/user_cookie_prompt"),
        titles=("allow the use of cookies", "izinkan penggunaan cookie"),
    ),
    Wall(
        "content not available",
        texts=(
            "this content isn't available",
            "this page isn't available",
            "konten ini tidak tersedia",
            "halaman ini tidak tersedia",
        ),
    ),
)
# GraphQL error codes: 1357001 "log in to continue", 1675004 "rate limit exceeded".
_GRAPHQL_WALLS = {1357001: "login wall", 1675004: "rate limit"}


@dataclass(frozen=True)
class FeedQuery:
    """The GraphQL query a page preloaded its feed with: asked again with a cursor."""

    name: str
    doc_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    lsd: str | None = None


# Parsing: pure functions over decoded JSON ----------------------------------------------


def is_story(node: dict[str, Any]) -> bool:
    return node.get("__typename") == "Story" and isinstance(node.get("post_id"), str)


def stories(trees: list[Any]) -> list[dict[str, Any]]:
    """The outermost ``Story`` nodes with a ``post_id``, first appearance of each id."""
    found: dict[str, dict[str, Any]] = {}
    for tree in trees:
        for node in dicts(tree, stop=is_story):
            if is_story(node):
                found.setdefault(node["post_id"], node)
    return list(found.values())


def story_fields(story: dict[str, Any]) -> dict[str, Any]:
    """A ``Story`` node as post fields: id, permalink, author, text, time, images, counts."""
    actor = first(story, "actors", skip=_NOT_THE_POST, where=_nonempty_list) or [{}]
    return {
        "post_id": story["post_id"],
        "url": story_url(story),
        "author": _str(actor[0].get("name")),
        "author_url": _str(actor[0].get("url") or actor[0].get("profile_url")),
        "text": story_text(story),
        "posted_at": epoch_iso(first(story, "creation_time", skip=_NOT_THE_POST)),
        "images": story_images(story),
        "reactions": story_reactions(story),
        "comments": story_comments(story),
        "shares": as_int(dig(first(story, "share_count", where=_has_count), "count")),
        "kind": "post",
    }


def story_url(story: dict[str, Any]) -> str | None:
    """The post's permalink: the story's ``url``, else the one its timestamp links to."""
    url = story.get("url") or story.get("permalink_url")
    if isinstance(url, str):
        return url
    metadata = first(story, "metadata", skip=_NOT_THE_POST, where=_nonempty_list) or []
    for section in metadata:
        linked = dig(section, "story", "url")
        if isinstance(linked, str):
            return linked
    return None


def story_text(story: dict[str, Any]) -> str:
    message = first(story, "message", skip=_NOT_THE_POST, where=_has_text)
    return message["text"].strip() if message is not None else ""


def story_images(story: dict[str, Any]) -> list[str]:
    """Photo and video-thumbnail URLs of the post's attachments, without repeats."""
    urls: list[str] = []
    for attachments in _values(story, "attachments"):
        for node in dicts(attachments, skip=("actors", "owner")):
            for key in ("image", "photo_image", "thumbnailImage"):
                urls.append(dig(node, key, "uri"))
    return unique(urls)


def story_reactions(story: dict[str, Any]) -> int | None:
    count = first(story, "reaction_count", where=_has_count)
    if count is not None:
        return as_int(count.get("count"))
    return None


def story_comments(story: dict[str, Any]) -> int | None:
    for key in ("comment_count", "comments"):
        found = first(story, key, where=lambda v: isinstance(v, dict) and "total_count" in v)
        if found is not None:
            return as_int(found["total_count"])
    return None


def ld_posts(trees: list[Any]) -> list[dict[str, Any]]:
    """Post fields of schema.org ``SocialMediaPosting`` objects (a single post's page)."""
    posts = []
    for tree in trees:
        for node in dicts(tree):
            if node.get("@type") == "SocialMediaPosting":
                posts.append(ld_fields(node))
    return [post for post in posts if post["post_id"]]


def ld_fields(node: dict[str, Any]) -> dict[str, Any]:
    author = node.get("author") if isinstance(node.get("author"), dict) else {}
    image = node.get("image")
    images = image if isinstance(image, list) else [image]
    return {
        "post_id": ld_post_id(node.get("identifier")),
        "url": _str(node.get("url")),
        "author": _str(author.get("name")),
        "author_url": _str(author.get("url")),
        "text": _str(node.get("articleBody")) or "",
        "posted_at": iso_time(node.get("dateCreated")),
        "images": unique([dig(i, "contentUrl") for i in images if isinstance(i, dict)]),
        "reactions": _interaction(node, "LikeAction"),
        "comments": as_int(node.get("commentCount")),
        "shares": _interaction(node, "ShareAction"),
        "kind": "post",
    }


def ld_post_id(identifier: Any) -> str | None:
    """``"<owner>;<post>;;9"`` (Facebook's ld+json identifier) to the post id."""
    parts = str(identifier or "").split(";")
    post = parts[1] if len(parts) > 1 else parts[0]
    return post if post.isdigit() else None


def _interaction(node: dict[str, Any], kind: str) -> int | None:
    for stat in node.get("interactionStatistic") or []:
        if isinstance(stat, dict) and str(stat.get("interactionType", "")).endswith(kind):
            return as_int(stat.get("userInteractionCount"))
    return None


def listings(trees: list[Any], base_url: str) -> list[dict[str, Any]]:
    """Post fields of Marketplace listings (``GroupCommerceProductItem``), once each."""
    found: dict[str, dict[str, Any]] = {}
    for tree in trees:
        for node in dicts(tree):
            if isinstance(node.get("marketplace_listing_title"), str) and node.get("id"):
                found.setdefault(str(node["id"]), listing_fields(node, base_url))
    return list(found.values())


def listing_fields(node: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A listing as post fields; its text is title, subtitles, price and city."""
    seller = node.get("marketplace_listing_seller") or {}
    subtitles = [
        dig(s, "subtitle") for s in node.get("custom_sub_titles_with_rendering_flags") or []
    ]
    parts = [node.get("marketplace_listing_title"), *subtitles]
    parts += [dig(node, "listing_price", "formatted_amount")]
    parts += [dig(node, "location", "reverse_geocode", "city_page", "display_name")]
    return {
        "post_id": f"marketplace/{node['id']}",
        "url": f"{base_url}/marketplace/item/{node['id']}/",
        "author": _str(seller.get("name")),
        "author_url": None,
        "text": "\n".join(unique([p for p in parts if isinstance(p, str)])),
        "posted_at": epoch_iso(node.get("creation_time")),
        "images": unique([dig(node, "primary_listing_photo", "image", "uri")]),
        "kind": "listing",
    }


def next_cursor(trees: list[Any]) -> str | None:
    """The ``end_cursor`` of a ``page_info`` saying there is a next page, outside the posts
    (a story's comments have their own page_info)."""
    for tree in trees:
        for node in dicts(tree, stop=is_story):
            info = node.get("page_info")
            if isinstance(info, dict) and info.get("has_next_page") is True:
                cursor = info.get("end_cursor")
                if isinstance(cursor, str) and cursor:
                    return cursor
    return None


def feed_query(html: str, doc_id: str | None = None) -> FeedQuery | None:
    """The feed or search query the page preloaded (name, ``queryID``, variables)."""
    lsd = _LSD.search(html)
    for match in _PRELOADER.finditer(html):
        name = match.group(1)
        if not any(word in name for word in ("Feed", "Search", "Marketplace")):
            continue
        try:
            variables, _end = json.JSONDecoder().raw_decode(html, match.end())
        except ValueError:
            continue
        if isinstance(variables, dict):
            return FeedQuery(name, doc_id or match.group(2), variables, lsd and lsd.group(1))
    return None


def graphql_wall(trees: list[Any]) -> str | None:
    """The wall a GraphQL answer reports in its ``errors`` (login, rate limit), or None."""
    for tree in trees:
        for error in dig(tree, "errors") or []:
            reason = _GRAPHQL_WALLS.get(as_int(dig(error, "code")) or 0)
            if reason:
                return reason
    return None


def page_posts(trees: list[Any], base_url: str) -> list[dict[str, Any]]:
    """Every post a page or answer holds: stories, else the ld+json post, plus listings."""
    posts = [story_fields(story) for story in stories(trees)] or ld_posts(trees)
    return [post for post in posts if post["post_id"]] + listings(trees, base_url)


def _values(tree: Any, key: str) -> Iterator[Any]:
    for node in dicts(tree, skip=_NOT_THE_POST):
        if key in node:
            yield node[key]


def _nonempty_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def _has_text(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("text"), str)


def _has_count(value: Any) -> bool:
    return isinstance(value, dict) and "count" in value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# The spider --------------------------------------------------------------------------


def parse_name(kind: str, value: str | None) -> str | None:
    """A group id/slug or page name; ValueError when it could not be one."""
    if value is None:
        return None
    name = value.strip().strip("/")
    if not _NAME.match(name):
        raise ValueError(f"{kind} must be a Facebook {kind} name or id, got {value!r}")
    return name


class FacebookSpider(PantauSpider):
    """Posts of one public group or page, a Marketplace search, or one page by URL."""

    name = "facebook"
    platform = "facebook"
    default_base_url = "https://www.facebook.com"

    def __init__(
        self,
        *args: Any,
        group: str | None = None,
        page: str | None = None,
        q: str | None = None,
        location: str | None = None,
        doc_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.group = parse_name("group", group)
        self.page = parse_name("page", page)
        self.query = (q or "").strip() or None
        self.location = parse_name("location", location)
        self.doc_id = doc_id if doc_id and doc_id.isdigit() else None
        given = [x for x in (self.group, self.page, self.query, self.start_url) if x]
        if len(given) != 1:
            raise ValueError("give exactly one of group=, page=, q= or url=")

    def default_source(self) -> str:
        return self.group or self.page or self.query or "facebook"

    def first_url(self) -> str:
        if self.start_url:
            return self.start_url
        if self.group:
            return f"{self.base_url}/groups/{self.group}/"
        if self.page:
            return f"{self.base_url}/{self.page}/"
        where = f"{self.location}/" if self.location else ""
        return f"{self.base_url}/marketplace/{where}search/?query={quote(self.query or '')}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.first_url(), callback=self.parse, errback=self.on_fetch_error)

    def parse(self, response: Response) -> Iterator[PostItem | scrapy.Request]:
        """Posts of the first page, then the GraphQL request for the next."""
        text = self.page_text(response)
        self.stop_at_walls(response.url, text, FACEBOOK_WALLS)
        found = self.decoded(page_json(text), response.url)
        query = feed_query(text, self.doc_id)
        yield from self.posts_and_next(found, response.url, query, page=1)

    def parse_graphql(
        self, response: Response, query: FeedQuery, page: int
    ) -> Iterator[PostItem | scrapy.Request]:
        """Posts of one ``/api/graphql/`` answer, then the request for the next."""
        text = self.page_text(response)
        found = self.decoded(response_json(text), response.url)
        reason = graphql_wall(found.trees) or wall_reason(response.url, text, FACEBOOK_WALLS)
        if reason:
            self.blocked(reason, response.url)
        yield from self.posts_and_next(found, response.url, query, page)

    def posts_and_next(
        self, found: Embedded, url: str, query: FeedQuery | None, page: int
    ) -> Iterator[PostItem | scrapy.Request]:
        posts = page_posts(found.trees, self.base_url)
        self.count("pages")
        for post in posts:
            yield self.build_item(**post)
        cursor = next_cursor(found.trees)
        if page >= self.max_pages or not cursor:
            return
        if query is None:
            self.logger.info("%s has more posts but no feed query to ask for them", url)
            return
        if self.seen_before([str(post["post_id"]) for post in posts]):
            self.logger.info("page %d holds posts stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return
        yield self.graphql_request(query, cursor, page + 1)

    def graphql_request(self, query: FeedQuery, cursor: str, page: int) -> scrapy.Request:
        variables = {**query.variables, "cursor": cursor}
        data = {
            "fb_api_req_friendly_name": query.name,
            "doc_id": query.doc_id,
            "variables": json.dumps(variables, separators=(",", ":")),
            "server_timestamps": "true",
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if query.lsd:
            data["lsd"] = query.lsd
            headers["X-FB-LSD"] = query.lsd
        return scrapy.Request(
            f"{self.base_url}/api/graphql/",
            method="POST",
            body=urlencode(data),
            headers=headers,
            callback=self.parse_graphql,
            errback=self.on_fetch_error,
            cb_kwargs={"query": query, "page": page},
            dont_filter=True,
        )
