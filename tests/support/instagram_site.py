"""A replica of Instagram for the instagram spider's tests: a logged-out profile page that
names its API request in a ServerJS ``polaris_preload`` (as the real page in
``../shared/fixtures/instagram/`` does), the ``web_profile_info`` answer in the web graph
shape, the ``/api/v1/feed/user/<id>/`` answer in the v1 shape (field names of the real
``media/<id>/info`` answer), a login redirect, a ``require_login`` answer and a cut answer.
Our own Indonesian sample posts."""

from __future__ import annotations

import json
from typing import Any

from tests.support.http import Reply
from tests.support.site import Hit, Route

HANDLE = "lokerkorea_id"
USER_ID = "51000000001"
CURSOR = "QVFDcmVwbGljYUN1cnNvcg=="

GRAPH_POSTS = (
    ("DAbc001", "Lowongan pabrik Korea E-9, tanpa tes bahasa! Biaya 35 jt, DP dulu.", 1772438400),
    ("DAbc002", "Testimoni peserta berangkat bulan lalu 🇰🇷 #kerjakorea", 1772352000),
    ("DAbc003", "Kuota terbatas, hubungi WA 0813-1111-2222", 1772265600),
)
V1_POST = ("DAbc000", "Program magang resmi? Cek dulu di BP2MI & Disnaker.", 1772179200)


def graph_node(row: tuple[str, str, int]) -> dict[str, Any]:
    code, text, taken = row
    return {
        "__typename": "GraphImage",
        "id": "3" + str(taken),
        "shortcode": code,
        "display_url": f"https://scontent.cdninstagram.replica/{code}.jpg",
        "edge_media_to_caption": {"edges": [{"node": {"text": text}}]},
        "edge_media_to_comment": {"count": 9},
        "edge_liked_by": {"count": 240},
        "taken_at_timestamp": taken,
        "owner": {"id": USER_ID, "username": HANDLE},
        "is_video": False,
    }


def profile_info() -> dict[str, Any]:
    media = {
        "count": 4,
        "page_info": {"has_next_page": True, "end_cursor": CURSOR},
        "edges": [{"node": graph_node(row)} for row in GRAPH_POSTS],
    }
    user = {
        "id": USER_ID,
        "username": HANDLE,
        "full_name": "Loker Korea ID",
        "is_private": False,
        "edge_owner_to_timeline_media": media,
    }
    return {"data": {"user": user}, "status": "ok"}


def v1_item(row: tuple[str, str, int]) -> dict[str, Any]:
    code, text, taken = row
    candidate = {
        "width": 1080,
        "height": 1080,
        "url": f"https://scontent.cdninstagram.replica/{code}.jpg",
    }
    return {
        "taken_at": taken,
        "pk": 3100000000000000000,
        "id": f"3100000000000000000_{USER_ID}",
        "media_type": 1,
        "code": code,
        "comment_count": 1,
        "like_count": 31,
        "image_versions2": {"candidates": [candidate]},
        "user": {"pk": int(USER_ID), "username": HANDLE, "full_name": "Loker Korea ID"},
        "caption": {"pk": 1, "user_id": int(USER_ID), "text": text, "created_at": taken},
    }


def json_reply(value: Any) -> Reply:
    return Reply(json.dumps(value, ensure_ascii=False).encode(), content_type="application/json")


def web_profile_info(hit: Hit) -> Reply:
    name = hit.query.get("username", [""])[0]
    if name == HANDLE:
        return json_reply(profile_info())
    if name == "wajiblogin":
        return json_reply({"message": "", "require_login": True, "status": "fail"})
    if name == "dialihkan":
        return Reply(b"", 302, headers=(("Location", "/accounts/login/?next=%2Fdialihkan%2F"),))
    if name == "rusak":
        return Reply(json.dumps(profile_info()).encode()[:300], content_type="application/json")
    return json_reply({"data": {"user": None}, "status": "ok"})


def feed(hit: Hit) -> Reply:
    if hit.query.get("max_id") != [CURSOR]:
        return json_reply({"message": "bad max_id", "status": "fail"})
    return json_reply(
        {"items": [v1_item(V1_POST)], "num_results": 1, "more_available": False, "status": "ok"}
    )


def profile_page() -> str:
    preload = {
        "define": [["IntlCurrentLocale", [], {"code": "id_ID"}, 5954]],
        "require": [
            [
                "PolarisProfileRoot",
                "init",
                [],
                [
                    {
                        "polaris_preload": {
                            "profile": {
                                "expose": False,
                                "preloaderID": "82327",
                                "request": {
                                    "method": "GET",
                                    "url": "/api/v1/users/web_profile_info/",
                                    "params": {"query": {"username": HANDLE}},
                                },
                            }
                        },
                        "url": f"/{HANDLE}/",
                    }
                ],
            ]
        ],
    }
    # pretty-printed like the real page: "{ "define": [...] }"
    payload = "{ " + json.dumps(preload, ensure_ascii=False)[1:].replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>Loker Korea ID (&#064;{HANDLE}) • Foto dan video Instagram</title></head>"
        '<body><div id="mount_0_0_x"></div><script>requireLazy(["JSScheduler","ServerJS"],'
        "function (JSScheduler, ServerJS) { (new ServerJS()).handleWithCustomApplyEach("
        f"ScheduledApplyEach, {payload}); }});</script></body></html>"
    )


LOGIN_PAGE = (
    '<!DOCTYPE html><html lang="id"><head><title>Login • Instagram</title></head>'
    '<body><form id="loginForm" method="post"><input name="username"><input name="password" '
    'type="password"><button type="submit">Masuk</button></form></body></html>'
)


def routes() -> dict[str, Route]:
    return {
        "/api/v1/users/web_profile_info/": web_profile_info,
        f"/api/v1/feed/user/{USER_ID}/": feed,
        f"/{HANDLE}/": Reply(profile_page().encode("utf-8")),
        "/accounts/login/": Reply(LOGIN_PAGE.encode("utf-8")),
    }
