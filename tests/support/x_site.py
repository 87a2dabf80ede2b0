"""A replica of X's GraphQL API for the x spider's tests: ``UserByScreenName`` and
``UserTweets`` answers with the structure and field names of the real answers in
``../shared/fixtures/twitter/`` (``instructions`` -> entries -> ``tweet_results.result``
``Tweet`` with ``legacy`` and ``core.user_results``; ``Bottom`` cursors), a 403 for a
profile asked without a session, a rate-limit error and a cut answer. Our own samples."""

from __future__ import annotations

import json
from typing import Any

from tests.support.http import Reply
from tests.support.site import Hit, Route

HANDLE = "loker_ln_id"
USER_ID = "1500000000000000001"

TWEETS = (
    (
        "1900000000000000004",
        "Dibutuhkan 20 admin ke Kamboja, gaji $1000, tiket gratis. DM!",
        "Mon Mar 02 08:00:00 +0000 2026",
        ["https://pbs.twimg.com/media/replica_kamboja.jpg"],
    ),
    (
        "1900000000000000003",
        "Lowongan pabrik Taiwan, potongan gaji 9 bulan 😱 hati-hati",
        "Sun Mar 01 08:00:00 +0000 2026",
        [],
    ),
    (
        "1900000000000000002",
        "Info resmi penempatan PMI cek di bp2mi.go.id",
        "Sat Feb 28 08:00:00 +0000 2026",
        [],
    ),
    (
        "1900000000000000001",
        "Kerja kapal pesiar tanpa pengalaman? Hubungi 0812-9999-0000",
        "Fri Feb 27 08:00:00 +0000 2026",
        [],
    ),
)


def user_result() -> dict[str, Any]:
    return {
        "__typename": "User",
        "rest_id": USER_ID,
        "core": {
            "created_at": "Tue Jan 02 00:00:00 +0000 2024",
            "name": "Loker LN",
            "screen_name": HANDLE,
        },
        "legacy": {"followers_count": 830, "description": "Info lowongan luar negeri"},
    }


def tweet(row: tuple[str, str, str, list[str]]) -> dict[str, Any]:
    rest_id, text, created, images = row
    media = [{"type": "photo", "media_url_https": url} for url in images]
    legacy: dict[str, Any] = {
        "created_at": created,
        "full_text": text,
        "favorite_count": 14,
        "reply_count": 2,
        "retweet_count": 5,
        "quote_count": 0,
        "id_str": rest_id,
        "user_id_str": USER_ID,
        "entities": {"hashtags": [], "urls": [], "user_mentions": [], "media": media},
    }
    if media:
        legacy["extended_entities"] = {"media": media}
    return {
        "__typename": "Tweet",
        "rest_id": rest_id,
        "core": {"user_results": {"result": user_result()}},
        "legacy": legacy,
        "views": {"count": "310", "state": "EnabledWithCount"},
    }


def entry(row: tuple[str, str, str, list[str]]) -> dict[str, Any]:
    return {
        "entryId": f"tweet-{row[0]}",
        "sortIndex": row[0],
        "content": {
            "__typename": "TimelineTimelineItem",
            "entryType": "TimelineTimelineItem",
            "itemContent": {
                "__typename": "TimelineTweet",
                "itemType": "TimelineTweet",
                "tweet_results": {"result": tweet(row)},
            },
        },
    }


def cursor_entry(kind: str, value: str) -> dict[str, Any]:
    return {
        "entryId": f"cursor-{kind.lower()}-{value}",
        "content": {
            "__typename": "TimelineTimelineCursor",
            "entryType": "TimelineTimelineCursor",
            "cursorType": kind,
            "value": value,
        },
    }


def user_tweets(rows: tuple[Any, ...], bottom: str) -> dict[str, Any]:
    entries = [entry(row) for row in rows] + [
        cursor_entry("Top", "top"),
        cursor_entry("Bottom", bottom),
    ]
    instructions = [
        {"type": "TimelineClearCache"},
        {"type": "TimelineAddEntries", "entries": entries},
    ]
    timeline = {"timeline": {"instructions": instructions}}
    return {"data": {"user": {"result": {"__typename": "User", "timeline": timeline}}}}


def variables(hit: Hit) -> dict[str, Any]:
    return json.loads(hit.query.get("variables", ["{}"])[0])


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(json.dumps(value, ensure_ascii=False).encode(), status, "application/json")


def user_by_screen_name(hit: Hit) -> Reply:
    name = variables(hit).get("screen_name")
    if name == HANDLE:
        return json_reply({"data": {"user": {"result": user_result()}}})
    if name == "tanpasesi":
        return json_reply({"errors": [{"code": 32, "message": "Could not authenticate you."}]}, 403)
    if name == "terlalucepat":
        return json_reply({"errors": [{"code": 88, "message": "Rate limit exceeded"}]})
    if name == "rusak":
        return Reply(
            b'{"data":{"user":{"result":{"__typename":"User","rest_', 200, "application/json"
        )
    return json_reply({"data": {}})


PAGES = {None: (TWEETS[:3], "c1"), "c1": (TWEETS[3:], "c2"), "c2": ((), "c3")}


def user_tweets_route(hit: Hit) -> Reply:
    asked = variables(hit)
    if asked.get("userId") != USER_ID:
        return json_reply({"data": {}})
    rows, bottom = PAGES.get(asked.get("cursor"), ((), "end"))
    return json_reply(user_tweets(rows, bottom))


def routes() -> dict[str, Route]:
    return {
        "/i/api/graphql/UserByScreenName/UserByScreenName": user_by_screen_name,
        "/i/api/graphql/UserTweets/UserTweets": user_tweets_route,
    }
