"""The replica Facebook group for the facebook spider's tests: the bundled sample group of
``pantau.facebook_replica`` (the real pages' structure and JSON field names, our own
Indonesian posts) served through ``tests.support.site`` (which logs every request), plus
what only the tests need: bad pages and every kind of wall, built from the structure of the
real pages, not their files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from pantau import facebook_replica
from pantau.facebook_replica import Post, load_group
from tests.support.http import Reply
from tests.support.site import Hit, Route

SAMPLE = load_group()
GROUP = SAMPLE.slug
GROUP_ID = SAMPLE.id
DOC_ID = SAMPLE.doc_id
LSD = SAMPLE.lsd
PAGE_SIZE = SAMPLE.page_size
POSTS = SAMPLE.posts
FACEBOOK = facebook_replica.FACEBOOK


def story(post: Post) -> dict[str, Any]:
    """``post`` as the ``Story`` node of the sample group on www.facebook.com."""
    return facebook_replica.story(SAMPLE, post)


def group_page(
    posts: Sequence[Post] | None = None, cursor: str | None = "cur3", broken_block: bool = False
) -> str:
    """The sample group's page (default: its first page, more after "cur3"); with
    ``broken_block`` a truncated JSON script comes before the good one."""
    page = facebook_replica.render_group_page(SAMPLE, FACEBOOK, cursor, posts)
    if not broken_block:
        return page
    broken = '<script type="application/json" data-sjs>{"require":[["ScheduledServerJS",</script>'
    mount = '<div id="mount_0_0_Ab"></div>'
    return page.replace(mount, mount + "\n" + broken, 1)


def graphql_answer(cursor: str) -> str:
    """The ``/api/graphql/`` answer for ``cursor`` ("cur3" gives posts 4-6)."""
    answer = facebook_replica.graphql_answer(SAMPLE, cursor)
    assert answer is not None, f"the sample group has no page at {cursor!r}"
    return answer


def graphql_route(hit: Hit) -> Reply:
    """Answers a POST by the cursor in its ``variables``; an unknown doc_id gets an error."""
    fields = {k: v[0] for k, v in parse_qs(hit.body.decode("utf-8")).items()}
    if hit.method != "POST" or fields.get("doc_id") != DOC_ID:
        return json_reply({"errors": [{"message": "Bad doc_id", "code": 1675030}]})
    cursor = json.loads(fields.get("variables", "{}")).get("cursor", "")
    return Reply(graphql_answer(cursor).encode("utf-8"), content_type="text/html; charset=utf-8")


def json_reply(value: Any) -> Reply:
    return Reply(json.dumps(value).encode("utf-8"), content_type="application/json")


# Walls: the structure of the real pages, our own words -----------------------------------


def login_wall() -> str:
    """Facebook's logged-out login wall: refresh to /login/, the login form, the notice."""
    return """<!DOCTYPE html>
<html lang="id" id="facebook" class="no_js"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; URL=/login/?next=https%3A%2F%2Fwww.facebook.com%2Fgroups%2Flokerluarnegeri%2F&amp;_fb_noscript=1">
<title id="pageTitle">Log into Facebook</title>
<meta property="og:site_name" content="Facebook">
</head><body class="_39il UIPage_LoggedOut _-kb _605a b_c3pyn-ahh x1 Locale_id_ID" dir="ltr">
<div class="_li"><div id="globalContainer" class="uiContextualLayerParent">
<div class="fb_content clearfix " id="content" role="main"><div class="_4-u5 _30ny">
<div class="_2pio _1uxu"><div class="_585n"><i class="_585p img"><u>Notice</u></i>
<div class="_585r _50f4">You must log in to continue.</div></div></div>
<div class="_4-u2 _1w1t _4-u8 _52jv"><div class="_xku" id="header_block">
<span class="_97w1 _50f6"><div class="_9axz">Log Into Facebook</div></span></div>
<div class="login_form_container">
<form id="login_form" action="/login/device-based/regular/login/?login_attempt=1&amp;lwv=100" method="post">
<input type="hidden" name="jazoest" value="2901"><input type="hidden" name="lsd" value="AVrWall">
<div class="pam _9ay2 uiBoxYellow">You must log in to continue.</div>
<div id="loginform"><input type="text" class="inputtext _55r1" name="email" id="email">
<input type="password" class="inputtext _55r1" name="pass" id="pass">
<button value="1" class="_42ft _4jy0" id="loginbutton" name="login" type="submit">Log In</button>
</div></form></div></div></div></div></div></div>
<script nonce="">requireLazy(["Bootloader"],function(){});</script>
</body></html>
"""  # noqa: E501


def simple_page(title: str, body: str, form_action: str = "") -> str:
    form = f'<form method="post" action="{form_action}"><button>Lanjutkan</button></form>'
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title>'
        f'</head><body><div role="main"><h2>{body}</h2>{form if form_action else ""}</div>'
        "</body></html>"
    )


WALL_PAGES = {
    "/checkpoint/1501092823525282/": (
        "checkpoint",
        simple_page("Security Check", "Konfirmasi identitas Anda", "/checkpoint/?next"),
    ),
    "/groups/dicek/": (
        "checkpoint",
        simple_page("Facebook", "Akun Anda dikunci sementara", "/checkpoint/1501092823525282/"),
    ),
    "/captcha/": (
        "CAPTCHA",
        simple_page("Facebook", "Masukkan karakter yang Anda lihat", "/captcha/submit/"),
    ),
    "/groups/diblokir/": (
        "rate limit",
        simple_page(
            "Facebook", "Anda Diblokir Sementara. Anda terlalu cepat menggunakan fitur ini."
        ),
    ),
    "/privacy/consent/user_cookie_choice/": (
        "consent page",
        simple_page("Izinkan penggunaan cookie dari Facebook?", "Cookie", "/cookie/consent/"),
    ),
    "/groups/hilang/": (
        "content not available",
        simple_page("Facebook", "Konten Ini Tidak Tersedia Saat Ini"),
    ),
    "/groups/tertutup/": ("login wall", login_wall()),
}


def routes() -> dict[str, Route]:
    """The whole replica: a group with three pages of posts, an empty group, bad pages
    and every kind of wall."""
    html = "text/html; charset=utf-8"
    table: dict[str, Route] = {
        f"/groups/{GROUP}/": Reply(group_page().encode("utf-8"), content_type=html),
        "/groups/kosong/": Reply(group_page(posts=[], cursor=None).encode("utf-8")),
        "/groups/rusak/": Reply(group_page(broken_block=True, cursor=None).encode("utf-8")),
        "/groups/terpotong/": Reply(group_page().encode("utf-8")[:1800]),
        "/api/graphql/": graphql_route,
        "/login-wall/": Reply(login_wall().encode("utf-8")),
    }
    for path, (_reason, page) in WALL_PAGES.items():
        table[path] = Reply(page.encode("utf-8"))
    return table
