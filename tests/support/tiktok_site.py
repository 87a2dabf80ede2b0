"""A replica of TikTok for the tiktok spider's tests: a profile page carrying its videos in
``<script id="SIGI_STATE" type="application/json">`` (``ItemModule``, ``ItemList``,
``UserModule``: the field names of the real pages in ``../shared/fixtures/tiktok/``), the
``/api/post/item_list/`` answer with the older videos, a captcha page and a page whose JSON
is cut. Our own Indonesian sample posts."""

from __future__ import annotations

import json
from typing import Any

from tests.support.http import Reply
from tests.support.site import Hit, Route

HANDLE = "lokerjepang_id"
SEC_UID = "MS4wLjABAAAAreplicaSecUid"
CURSOR = "1772000000000"

VIDEOS = (
    (
        "7400000000000000003",
        "Kerja di Jepang tanpa bahasa? Bisa! Gaji 25 jt #lokerjepang",
        1772438400,
        ["TANPA BIAYA", "WA 0812-3456-7890"],
    ),
    (
        "7400000000000000002",
        "Testimoni berangkat ke Taiwan, pabrik elektronik #tkw",
        1772352000,
        [],
    ),
    (
        "7400000000000000001",
        "Info magang resmi, cek BP2MI dulu ya",
        1772265600,
        ["Hati-hati penipuan"],
    ),
    (
        "7400000000000000000",
        "Lowongan admin Kamboja <b>gaji dolar</b> #kerjaluarnegeri",
        1772179200,
        ["Kamboja", "visa ditanggung"],
    ),
)


def item(video: tuple[str, str, int, list[str]], author_object: bool = False) -> dict[str, Any]:
    video_id, desc, created, stickers = video
    author: Any = (
        {"id": "6900000000000000001", "uniqueId": HANDLE, "nickname": "Loker Jepang ID",
         "secUid": SEC_UID}
        if author_object
        else HANDLE
    )  # fmt: skip
    node: dict[str, Any] = {
        "id": video_id,
        "desc": desc,
        "createTime": str(created),
        "video": {"id": video_id, "cover": f"https://p16-sign.replica.test/{video_id}.jpeg"},
        "author": author,
        "stats": {"diggCount": 120, "shareCount": 7, "commentCount": 33, "playCount": 5400},
        "stickersOnItem": [{"stickerText": stickers, "stickerType": 4}] if stickers else [],
    }
    if not author_object:
        node.update(nickname="Loker Jepang ID", authorSecId=SEC_UID)
    return node


def sigi_state(videos: tuple[Any, ...], has_more: bool) -> dict[str, Any]:
    return {
        "AppContext": {"appContext": {"language": "id-ID", "region": "ID"}},
        "ItemList": {
            "user-post": {
                "list": [v[0] for v in videos],
                "hasMore": has_more,
                "cursor": CURSOR if has_more else "0",
            }
        },
        "ItemModule": {v[0]: item(v) for v in videos},
        "UserModule": {
            "users": {HANDLE: {"id": "6900000000000000001", "uniqueId": HANDLE,
                               "nickname": "Loker Jepang ID", "secUid": SEC_UID}},
            "stats": {HANDLE: {"followerCount": 15200, "videoCount": 4}},
        },
    }  # fmt: skip


def profile_page(videos: tuple[Any, ...] = VIDEOS[:3], has_more: bool = True) -> str:
    state = json.dumps(sigi_state(videos, has_more), ensure_ascii=False).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>Loker Jepang ID (@{HANDLE}) | TikTok</title></head><body>"
        '<div id="app"></div>'
        f'<script id="SIGI_STATE" type="application/json">{state}</script>'
        "</body></html>"
    )


def item_list(hit: Hit) -> Reply:
    """``/api/post/item_list/``: the oldest video, when asked with the page's cursor."""
    asked = (hit.query.get("secUid", [""])[0], hit.query.get("cursor", [""])[0])
    if asked != (SEC_UID, CURSOR):
        return Reply(json.dumps({"statusCode": 10201}).encode(), content_type="application/json")
    answer = {
        "statusCode": 0,
        "itemList": [item(VIDEOS[3], author_object=True)],
        "hasMore": False,
        "cursor": "1771000000000",
    }
    return Reply(json.dumps(answer).encode(), content_type="application/json")


CAPTCHA_PAGE = (
    "<!DOCTYPE html><html><head><title>TikTok</title></head><body>"
    '<div id="captcha_container" class="captcha-verify-container">'
    '<div class="secsdk-captcha-drag-icon"></div><p>Tarik penggeser untuk menyusun puzzle</p>'
    "</div></body></html>"
)


def routes() -> dict[str, Route]:
    return {
        f"/@{HANDLE}": Reply(profile_page().encode("utf-8")),
        "/@kosong": Reply(profile_page(videos=(), has_more=False).encode("utf-8")),
        "/@rusak": Reply(profile_page().encode("utf-8")[:-200] + b"</script></body></html>"),
        "/@dicek": Reply(CAPTCHA_PAGE.encode("utf-8")),
        "/api/post/item_list/": item_list,
    }
