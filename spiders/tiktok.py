"""Spider for TikTok profiles, hashtags and search, read from TikTok's JSON.

A TikTok page carries its data in ``<script id="SIGI_STATE" type="application/json">``
(``ItemModule``: video id -> item) or, in newer pages,
``<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">`` (``itemStruct``/``itemList``); the web
API answers (``/api/post/item_list/``, ``/api/challenge/item_list/``,
``/api/search/general/full/``) hold the same item objects with ``hasMore`` and ``cursor``.
An item gives the caption (``desc``), the on-screen text (``stickersOnItem[].stickerText``,
kept in ``extra_text``), the author, the time, the cover image and the counts.

Captcha, login and "video unavailable" pages end the run ``blocked`` (``TIKTOK_WALLS``).

    scrapy crawl tiktok -a profile=NAME | -a hashtag=TAG | -a q=WORDS | -a url=URL
                        [-a max_pages=N] [-a base_url=URL] [-a proxy=URL]
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.items import PostItem
from spiders.base import PantauSpider
from spiders.embedded import Embedded, as_int, dicts, dig, epoch_iso, first, page_json, unique
from spiders.embedded import response_json as api_json
from spiders.walls import Wall

_NAME = re.compile(r"^[A-Za-z0-9_.]{1,64}$")
TIKTOK_WALLS: tuple[Wall, ...] = (
    Wall(
        "CAPTCHA",
        paths=("/verify",),
        titles=("security check", "verify to continue"),
        markup=("captcha-verify-container", "secsdk-captcha", 'id="captcha_container"'),
    ),
    Wall("login wall", paths=("/login",), titles=("log in | tiktok", "masuk | tiktok")),
    Wall("rate limit", texts=("too many attempts", "terlalu banyak percobaan")),
    Wall(
        "content not available",
        texts=("video currently unavailable", "couldn't find this account", "video tidak tersedia"),
    ),
)


# Parsing: pure functions over decoded JSON ----------------------------------------------


def is_item(node: dict[str, Any]) -> bool:
    """A TikTok video/photo item: a numeric ``id``, a ``desc`` and a ``createTime``."""
    return (
        str(node.get("id", "")).isdigit()
        and isinstance(node.get("desc"), str)
        and node.get("createTime") is not None
    )


def items(trees: list[Any]) -> list[dict[str, Any]]:
    """Every item in ``trees``, once each, in document order."""
    found: dict[str, dict[str, Any]] = {}
    for tree in trees:
        for node in dicts(tree, stop=is_item):
            if is_item(node):
                found.setdefault(str(node["id"]), node)
    return list(found.values())


def item_author(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """(unique id, display name): ``author`` is a name in SIGI_STATE, an object elsewhere."""
    author = item.get("author")
    if isinstance(author, dict):
        return author.get("uniqueId"), author.get("nickname")
    return (author if isinstance(author, str) else None), item.get("nickname")


def item_fields(item: dict[str, Any], base_url: str) -> dict[str, Any]:
    """An item as post fields; the on-screen text goes to ``extra_text``."""
    handle, nickname = item_author(item)
    stats = item.get("stats") or item.get("statsV2") or {}
    post_id = str(item["id"])
    return {
        "post_id": post_id,
        "url": f"{base_url}/@{handle}/video/{post_id}" if handle else None,
        "author": nickname or handle,
        "author_url": f"{base_url}/@{handle}" if handle else None,
        "text": item["desc"].strip(),
        "extra_text": sticker_text(item),
        "posted_at": epoch_iso(item.get("createTime")),
        "images": item_images(item),
        "reactions": as_int(stats.get("diggCount")),
        "comments": as_int(stats.get("commentCount")),
        "shares": as_int(stats.get("shareCount")),
        "views": as_int(stats.get("playCount")),
        "kind": "video",
    }


def sticker_text(item: dict[str, Any]) -> str:
    """The text written on the video (stickers), one line each."""
    lines: list[str] = []
    for sticker in item.get("stickersOnItem") or []:
        lines += [t.strip() for t in dig(sticker, "stickerText") or [] if isinstance(t, str)]
    return "\n".join(unique(lines))


def item_images(item: dict[str, Any]) -> list[str]:
    """The video's cover, or the photos of a photo post."""
    photos = [dig(i, "imageURL", "urlList", 0) for i in dig(item, "imagePost", "images") or []]
    return unique([*photos, dig(item, "video", "cover") or dig(item, "video", "originCover")])


def next_cursor(trees: list[Any]) -> str | None:
    """The cursor of the next API page when an answer or page says there is more."""
    for tree in trees:
        for node in dicts(tree, stop=is_item):
            more = node.get("hasMore", node.get("has_more"))
            cursor = node.get("cursor")
            if more in (True, 1) and cursor not in (None, "", "0", 0):
                return str(cursor)
    return None


def sec_uid(trees: list[Any], handle: str) -> str | None:
    """The ``secUid`` (the API's name) of the user ``handle``."""
    for tree in trees:
        for node in dicts(tree):
            if node.get("uniqueId") == handle and isinstance(node.get("secUid"), str):
                return str(node["secUid"]) or None
    return None


def challenge_id(trees: list[Any]) -> str | None:
    for tree in trees:
        found = first(tree, "challenge", where=lambda v: isinstance(v, dict) and "id" in v)
        if found:
            return str(found["id"])
    return None


def status_wall(trees: list[Any]) -> str | None:
    """A refusal: an answer with a non-zero ``statusCode``/``status_code`` and no items
    (TikTok's codes for "log in", "captcha" and "private" are not documented, so the
    reason quotes the code), or None."""
    if items(trees):
        return None
    for tree in trees:
        if isinstance(tree, dict):
            code = as_int(tree.get("statusCode", tree.get("status_code")))
            if code:
                return f"refusal (statusCode {code})"
    return None


# The spider --------------------------------------------------------------------------


def parse_handle(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().removeprefix("@").removeprefix("#")
    if not _NAME.match(name):
        raise ValueError(
            f"{kind} must be a TikTok {kind} (letters, digits, _ and .), got {value!r}"
        )
    return name


class TikTokSpider(PantauSpider):
    """Videos of one profile, one hashtag, one search, or one page by URL."""

    name = "tiktok"
    platform = "tiktok"
    default_base_url = "https://www.tiktok.com"

    def __init__(
        self,
        *args: Any,
        profile: str | None = None,
        hashtag: str | None = None,
        q: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = parse_handle("profile", profile)
        self.hashtag = parse_handle("hashtag", hashtag)
        self.query = (q or "").strip() or None
        if len([x for x in (self.profile, self.hashtag, self.query, self.start_url) if x]) != 1:
            raise ValueError("give exactly one of profile=, hashtag=, q= or url=")

    def default_source(self) -> str:
        return self.profile or self.hashtag or self.query or "tiktok"

    def first_url(self) -> str:
        if self.start_url:
            return self.start_url
        if self.profile:
            return f"{self.base_url}/@{self.profile}"
        if self.hashtag:
            return f"{self.base_url}/tag/{self.hashtag}"
        return self.api_url("search/general/full", {"keyword": self.query or "", "offset": 0})

    def api_url(self, path: str, params: dict[str, Any]) -> str:
        return f"{self.base_url}/api/{path}/?" + urlencode({"aid": 1988, **params})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.first_url(), callback=self.parse, errback=self.on_fetch_error)

    def parse(self, response: Response, page: int = 1) -> Iterator[PostItem | scrapy.Request]:
        """Items of a page or API answer, then the API request for the next page."""
        text = self.page_text(response)
        self.stop_at_walls(response.url, text, TIKTOK_WALLS)
        found = self.decoded(self.read(text), response.url)
        reason = status_wall(found.trees)
        if reason:
            self.blocked(reason, response.url)
        posts = [item_fields(item, self.base_url) for item in items(found.trees)]
        self.count("pages")
        for post in posts:
            yield self.build_item(**post)
        following = self.next_request(found, posts, page)
        if following is not None:
            yield following

    @staticmethod
    def read(text: str) -> Embedded:
        stripped = text.lstrip()
        return api_json(text) if stripped.startswith(("{", "[")) else page_json(text)

    def next_request(
        self, found: Embedded, posts: list[dict[str, Any]], page: int
    ) -> scrapy.Request | None:
        cursor = next_cursor(found.trees)
        if page >= self.max_pages or cursor is None:
            return None
        if self.seen_before([post["post_id"] for post in posts]):
            self.logger.info("page %d holds posts stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return None
        url = self.paging_url(found, cursor)
        if url is None:
            return None
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_fetch_error, cb_kwargs={"page": page + 1}
        )

    def paging_url(self, found: Embedded, cursor: str) -> str | None:
        """The API URL of the next page: search, the hashtag's or the profile's items."""
        if self.query:
            return self.api_url("search/general/full", {"keyword": self.query, "offset": cursor})
        tag = challenge_id(found.trees) if self.hashtag else None
        if tag:
            return self.api_url("challenge/item_list", {"challengeID": tag, "cursor": cursor})
        user = sec_uid(found.trees, self.profile) if self.profile else None
        if user:
            return self.api_url("post/item_list", {"secUid": user, "cursor": cursor, "count": 30})
        return None
