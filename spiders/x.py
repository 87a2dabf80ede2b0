"""Spider for X (Twitter) profile timelines and search, read from X's GraphQL JSON.

x.com renders every timeline from ``/i/api/graphql/<query id>/<operation>`` answers:
``UserByScreenName`` gives a profile's ``rest_id``, ``UserTweets`` and ``SearchTimeline``
give ``instructions`` whose entries hold ``Tweet`` objects (``rest_id``, ``legacy``
``full_text``/``created_at``/counts/``extended_entities.media``, the author under
``core.user_results.result``, long posts under ``note_tweet``) and a ``Bottom`` cursor for
the next page. X answers these only to a logged-in session (``pantau session import x``);
without one it answers 401/403 or an error, which ends the run ``blocked: login wall``.

Query ids change when X ships new code: ``PANTAU_X_QUERY_IDS`` (JSON, operation -> id, as
seen in the browser's network panel) replaces the defaults below.

    scrapy crawl x -a profile=NAME | -a q=WORDS | -a url=URL [-a max_pages=N] [-a base_url=URL]
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import PostItem
from spiders.base import PantauSpider
from spiders.embedded import Embedded, as_int, dicts, dig, iso_time, page_json, unique
from spiders.embedded import response_json as api_json
from spiders.walls import Wall

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
DEFAULT_QUERY_IDS = {
    "UserByScreenName": "UserByScreenName",
    "UserTweets": "UserTweets",
    "SearchTimeline": "SearchTimeline",
}
X_WALLS: tuple[Wall, ...] = (
    Wall("checkpoint", paths=("/account/access", "/i/flow/consent"), titles=("account locked",)),
    Wall("login wall", paths=("/i/flow/login", "/login"), titles=("log in to x", "masuk ke x")),
    Wall("rate limit", texts=("rate limit exceeded",)),
)
# GraphQL/API error codes: 32/239 not authenticated, 326 locked, 88 rate limit, 63 suspended
_ERROR_WALLS = {
    32: "login wall",
    239: "login wall",
    326: "checkpoint",
    88: "rate limit",
    63: "content not available",
}
_STATUS_WALLS = {401: "login wall", 403: "login wall", 429: "rate limit (HTTP 429)"}


# Parsing: pure functions over decoded JSON ----------------------------------------------


def is_tweet(node: dict[str, Any]) -> bool:
    return node.get("__typename") == "Tweet" and isinstance(node.get("legacy"), dict)


def tweets(trees: list[Any]) -> list[dict[str, Any]]:
    """Every ``Tweet`` (quoted and retweeted ones too), once each, in document order."""
    found: dict[str, dict[str, Any]] = {}
    for tree in trees:
        for node in dicts(tree):
            if is_tweet(node) and node.get("rest_id"):
                found.setdefault(str(node["rest_id"]), node)
    return list(found.values())


def tweet_author(tweet: dict[str, Any]) -> tuple[str | None, str | None]:
    """(screen name, display name): under ``core`` in new answers, ``legacy`` in older."""
    user = dig(tweet, "core", "user_results", "result") or {}
    for part in ("core", "legacy"):
        handle = dig(user, part, "screen_name")
        if isinstance(handle, str):
            return handle, dig(user, part, "name")
    return None, None


def tweet_fields(tweet: dict[str, Any], base_url: str) -> dict[str, Any]:
    legacy = tweet["legacy"]
    handle, name = tweet_author(tweet)
    post_id = str(tweet["rest_id"])
    long_text = dig(tweet, "note_tweet", "note_tweet_results", "result", "text")
    return {
        "post_id": post_id,
        "url": f"{base_url}/{handle or 'i/web'}/status/{post_id}",
        "author": name or handle,
        "author_url": f"{base_url}/{handle}" if handle else None,
        "text": (long_text or legacy.get("full_text") or "").strip(),
        "posted_at": iso_time(legacy.get("created_at")),
        "images": tweet_images(legacy),
        "reactions": as_int(legacy.get("favorite_count")),
        "comments": as_int(legacy.get("reply_count")),
        "shares": as_int(legacy.get("retweet_count")),
        "views": as_int(dig(tweet, "views", "count")),
        "kind": "tweet",
    }


def tweet_images(legacy: dict[str, Any]) -> list[str]:
    media = dig(legacy, "extended_entities", "media") or dig(legacy, "entities", "media") or []
    return unique([dig(m, "media_url_https") for m in media])


def bottom_cursor(trees: list[Any]) -> str | None:
    """The ``Bottom`` cursor: where the next (older) page of the timeline starts."""
    for tree in trees:
        for node in dicts(tree):
            if node.get("cursorType") == "Bottom" and isinstance(node.get("value"), str):
                return str(node["value"])
    return None


def user_id(trees: list[Any]) -> str | None:
    """``rest_id`` of the ``User`` an ``UserByScreenName`` answer gives."""
    for tree in trees:
        user = dig(tree, "data", "user", "result")
        if isinstance(user, dict) and user.get("rest_id"):
            return str(user["rest_id"])
    return None


def error_wall(trees: list[Any]) -> str | None:
    for tree in trees:
        for error in dig(tree, "errors") or []:
            reason = _ERROR_WALLS.get(as_int(dig(error, "code")) or 0)
            if reason:
                return reason
    return None


# The spider --------------------------------------------------------------------------


def parse_profile(value: str | None) -> str | None:
    if value is None:
        return None
    handle = value.strip().removeprefix("@")
    if not _HANDLE.match(handle):
        raise ValueError(f"profile must be an X handle (letters, digits, _), got {value!r}")
    return handle


class XSpider(PantauSpider):
    """Posts of one X profile's timeline, one search, or one API/page URL."""

    name = "x"
    platform = "x"
    default_base_url = "https://x.com"

    def __init__(
        self, *args: Any, profile: str | None = None, q: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = parse_profile(profile)
        self.query = (q or "").strip() or None
        if len([x for x in (self.profile, self.query, self.start_url) if x]) != 1:
            raise ValueError("give exactly one of profile=, q= or url=")

    def default_source(self) -> str:
        return self.profile or self.query or "x"

    def query_ids(self) -> dict[str, str]:
        configured = self.settings.get("PANTAU_X_QUERY_IDS") or "{}"
        given = json.loads(configured) if isinstance(configured, str) else dict(configured)
        return {**DEFAULT_QUERY_IDS, **given}

    def graphql_url(self, operation: str, variables: dict[str, Any]) -> str:
        query_id = self.query_ids()[operation]
        params = urlencode({"variables": json.dumps(variables, separators=(",", ":"))})
        return f"{self.base_url}/i/api/graphql/{query_id}/{operation}?{params}"

    def timeline_url(self, user: str | None, cursor: str | None) -> str:
        paging = {"cursor": cursor} if cursor else {}
        if self.query:
            variables = {"rawQuery": self.query, "count": 20, "product": "Latest"}
            return self.graphql_url("SearchTimeline", {**variables, **paging})
        return self.graphql_url("UserTweets", {"userId": user, "count": 20, **paging})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.start_url:
            url = self.start_url
        elif self.profile:
            url = self.graphql_url("UserByScreenName", {"screen_name": self.profile})
        else:
            url = self.timeline_url(None, None)
        callback = self.parse_user if self.profile and not self.start_url else self.parse
        yield self.request(url, callback)

    def request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.on_x_error, cb_kwargs=cb_kwargs, dont_filter=True
        )

    def read(self, response: Response) -> Embedded:
        text = self.page_text(response)
        self.stop_at_walls(response.url, text, X_WALLS)
        found = api_json(text) if text.lstrip().startswith("{") else page_json(text)
        found = self.decoded(found, response.url)
        reason = error_wall(found.trees)
        if reason:
            self.blocked(reason, response.url)
        return found

    def parse_user(self, response: Response) -> Iterator[scrapy.Request]:
        """``UserByScreenName``: the profile's id, then its first timeline page."""
        user = user_id(self.read(response).trees)
        if user is None:
            self.fail(f"X profile '{self.profile}' was not found ({response.url})")
        yield self.request(self.timeline_url(user, None), self.parse, user=user)

    def parse(
        self, response: Response, user: str | None = None, page: int = 1
    ) -> Iterator[PostItem | scrapy.Request]:
        found = self.read(response)
        posts = [tweet_fields(tweet, self.base_url) for tweet in tweets(found.trees)]
        self.count("pages")
        for post in posts:
            yield self.build_item(**post)
        cursor = bottom_cursor(found.trees)
        if page >= self.max_pages or not cursor or not posts or self.start_url:
            return
        if self.seen_before([post["post_id"] for post in posts]):
            self.logger.info("page %d holds posts stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return
        yield self.request(self.timeline_url(user, cursor), self.parse, user=user, page=page + 1)

    def on_x_error(self, failure: Failure) -> None:
        """401/403 mean the session is missing or expired: the run ends ``blocked``."""
        if failure.check(HttpError):
            response = failure.value.response
            reason = _STATUS_WALLS.get(response.status)
            if reason:
                self.blocked(reason, response.url)
        self.on_fetch_error(failure)
