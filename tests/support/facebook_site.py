"""A replica of public Facebook groups for the facebook spider's tests.

The pages have the structure and JSON field names of the real logged-out pages in
``../shared/fixtures/facebook/`` (``Story`` nodes with ``post_id``, ``actors``,
``comet_sections`` ... ``message.text``, ``creation_time``, ``attachments`` with
``image.uri``, ``reaction_count``/``comment_count``/``share_count`` under ``feedback``;
``{"__bbox": ...}`` payloads of ``RelayPrefetchedStreamCache`` in a ``data-sjs`` script; a
preloader with ``queryID`` and ``variables``; ``page_info`` with ``end_cursor``), and
``/api/graphql/`` answers in the streamed one-JSON-per-line form. The posts are our own
Indonesian samples; the walls copy the real pages' structure, not their files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tests.support.http import Reply
from tests.support.site import Hit, Route

GROUP = "lokerluarnegeri"
GROUP_ID = "610000000000001"
DOC_ID = "7012345678901234"
LSD = "AVqReplicaLsd"
PAGE_SIZE = 3


@dataclass(frozen=True)
class Post:
    post_id: str
    author: str
    text: str
    time: int
    images: tuple[str, ...] = ()
    reactions: int = 0
    comments: int = 0
    shares: int = 0


POSTS = (
    Post(
        "700000000000106",
        "Agen Resmi Sukses",
        "LOWONGAN ADMIN KAMBOJA 🇰🇭\nGaji 1.200 USD, tiket & visa ditanggung.\n"
        "Berangkat minggu depan, tanpa pengalaman! WA +855 12 345 678",
        1772438400,
        ("https://scontent.replica.test/v/poster_kamboja.jpg",),
        57,
        12,
        3,
    ),
    Post(
        "700000000000105",
        "Bu Sari Penyalur",
        "Dicari CS online ke Myawaddy, gaji 15 juta/bulan. Cukup paspor, proses 3 hari.",
        1772352000,
        (
            "https://scontent.replica.test/v/mess_1.jpg",
            "https://scontent.replica.test/v/mess_2.jpg",
        ),
        20,
        4,
    ),
    Post(
        "700000000000104",
        "Pak Darto Rekrut",
        "Awas kode <script>alert('x')</script> & tautan palsu: daftar hanya lewat BP2MI.",
        1772265600,
    ),
    Post(
        "700000000000103",
        "Info Loker Luar Negeri",
        "Loker ABK kapal ikan Taiwan, potong gaji 6 bulan untuk biaya. Hubungi t.me/abk_cepat",
        1772179200,
        (),
        8,
        1,
    ),
    Post(
        "700000000000102",
        "Rina Wati",
        "Ada yang tahu agen resmi ke Jepang (SSW perawat)? Mohon info 🙏",
        1772092800,
    ),
    Post(
        "700000000000101",
        "Agen Resmi Sukses",
        "Kerja di Dubai jadi ART, gaji 8 juta, berangkat gratis! Inbox saja.",
        1772006400,
        ("https://scontent.replica.test/v/dubai.jpg",),
    ),
)


def story(post: Post, group: str = GROUP) -> dict[str, Any]:
    """A ``Story`` node laid out as Facebook's Comet group feed lays it out."""
    node_id = f"UzpfSTpyZXBsaWNhOntwb3N0LnBvc3RfaWR9{post.post_id}"
    permalink = f"https://www.facebook.com/groups/{group}/permalink/{post.post_id}/"
    actor = {
        "__typename": "User",
        "id": "1000" + post.post_id[-6:],
        "name": post.author,
        "url": f"https://www.facebook.com/profile.php?id=1000{post.post_id[-6:]}",
    }
    media = [{"media": {"__typename": "Photo", "image": {"uri": uri}}} for uri in post.images]
    attachments = (
        [{"styles": {"attachment": {"all_subattachments": {"count": len(media), "nodes": media}}}}]
        if media
        else []
    )
    feedback = {
        "reaction_count": {"count": post.reactions},
        "comment_count": {"total_count": post.comments},
        "share_count": {"count": post.shares},
    }
    return {
        "__typename": "Story",
        "__isFeedUnit": "Story",
        "id": node_id,
        "post_id": post.post_id,
        "feedback": {"id": "ZmVlZGJhY2s6" + post.post_id},
        "comet_sections": {
            "content": {
                "__typename": "CometFeedStoryDefaultContentStrategy",
                "story": {
                    "id": node_id,
                    "actors": [actor],
                    "comet_sections": {"message": {"story": {"message": {"text": post.text}}}},
                    "attachments": attachments,
                },
            },
            "context_layout": {
                "story": {
                    "comet_sections": {
                        "actor_photo": {"story": {"actors": [actor]}},
                        "metadata": [
                            {
                                "__typename": "CometFeedStoryMinimizedTimestampStrategy",
                                "story": {
                                    "creation_time": post.time,
                                    "url": permalink,
                                    "id": node_id,
                                },
                            }
                        ],
                    }
                }
            },
            "feedback": {
                "story": {
                    "feedback_context": {
                        "feedback_target_with_context": {
                            "ufi_renderer": {
                                "feedback": {
                                    "comet_ufi_summary_and_actions_renderer": {
                                        "feedback": feedback
                                    },
                                    "display_comments": {
                                        "page_info": {"has_next_page": True, "end_cursor": "kmt"}
                                    },
                                }
                            }
                        }
                    }
                }
            },
        },
    }


def feed_data(posts: tuple[Post, ...] | list[Post], cursor: str | None) -> dict[str, Any]:
    edges = [{"node": story(post), "cursor": f"c-{post.post_id}"} for post in posts]
    return {
        "node": {
            "__typename": "Group",
            "id": GROUP_ID,
            "group_feed": {"edges": edges},
        }
    }


def page_info(cursor: str | None) -> dict[str, Any]:
    return {"page_info": {"has_next_page": cursor is not None, "end_cursor": cursor}}


def cursor_after(index: int) -> str | None:
    return f"cur{index}" if index < len(POSTS) else None


def to_script_json(value: Any) -> str:
    """JSON as Facebook puts it in a <script>: ``</`` written ``<\\/``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def group_page(
    posts: tuple[Post, ...] | list[Post] | None = None,
    cursor: str | None = "cur3",
    title: str = "Info Loker Luar Negeri | Facebook",
    broken_block: bool = False,
) -> str:
    """A logged-out group page: first posts in a data-sjs script, the feed preloader, the
    login form real content pages also carry."""
    shown = POSTS[:PAGE_SIZE] if posts is None else posts
    preloader = "adp_GroupsCometFeedRegularStoriesPaginationQueryRelayPreloader_6a1b"
    bbox = {
        "__bbox": {
            "complete": False,
            "result": {"data": feed_data(shown, cursor), "extensions": {"is_final": False}},
        }
    }
    deferred = {"__bbox": {"complete": True, "result": {"data": page_info(cursor)}}}
    payload = {
        "require": [
            ["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [
                ["RelayPrefetchedStreamCache", "next", [], [preloader, bbox]],
                ["RelayPrefetchedStreamCache", "next", [], [preloader, deferred]],
            ]}}]]
        ]
    }  # fmt: skip
    query = {
        "preloaderID": preloader,
        "queryID": DOC_ID,
        "variables": {"groupID": GROUP_ID, "count": PAGE_SIZE, "feedType": "DISCUSSION"},
    }
    broken = (
        '<script type="application/json" data-sjs>{"require":[["ScheduledServerJS",</script>'
        if broken_block
        else ""
    )
    return f"""<!DOCTYPE html>
<html id="facebook" lang="id"><head><meta charset="utf-8">
<title>{title}</title>
<script nonce="">requireLazy(["TimeSliceImpl"],function(){{}});
["LSD",[],{{"token":"{LSD}"}},323]</script>
</head><body class="UIPage_LoggedOut">
<div id="mount_0_0_Ab"></div>
{broken}
<script type="application/json" data-content-len="{len(to_script_json(payload))}" data-sjs>{to_script_json(payload)}</script>
<script nonce="">requireLazy(["RelayPrefetcher"],function(m){{m.preload({to_script_json(query)})}});</script>
<form id="login_form" action="/login/device-based/regular/login/?login_attempt=1" method="post">
<input type="hidden" name="lsd" value="{LSD}"><input type="text" name="email" id="email">
<input type="password" name="pass" id="pass"><button name="login" type="submit">Masuk</button>
</form>
</body></html>
"""  # noqa: E501


def graphql_answer(cursor: str) -> str:
    """The ``/api/graphql/`` answer for ``cursor`` ("cur3" gives posts 4-6): the feed as
    one JSON line and the deferred ``page_info`` as another."""
    start = int(cursor.removeprefix("cur"))
    shown = POSTS[start : start + PAGE_SIZE]
    following = cursor_after(start + len(shown))
    first = {"data": feed_data(shown, following), "extensions": {"is_final": False}}
    deferred = {
        "label": "GroupsCometFeedRegularStories_paginationQuery$defer$page_info",
        "path": ["node", "group_feed"],
        "data": page_info(following),
        "extensions": {"is_final": True},
    }
    return json.dumps(first, ensure_ascii=False) + "\r\n" + json.dumps(deferred, ensure_ascii=False)


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
