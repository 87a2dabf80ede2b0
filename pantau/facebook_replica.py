"""A replica of a public Facebook group, served on 127.0.0.1.

The bundled sample group (``pantau/sample_site/facebook_group.toml``, Indonesian sample
posts written for Pantau, posters in ``sample_site/img``) is rendered with the structure
and JSON field names of the real logged-out pages: ``Story`` nodes with ``post_id``,
``actors``, ``comet_sections`` ... ``message.text``, ``creation_time``, ``attachments``
with ``image.uri``, ``reaction_count``/``comment_count``/``share_count`` under
``feedback``; ``{"__bbox": ...}`` payloads of ``RelayPrefetchedStreamCache`` in a
``data-sjs`` script; a preloader with ``queryID`` and ``variables``; ``page_info`` with
``end_cursor``; ``/api/graphql/`` answers in the streamed one-JSON-per-line form; a single
post's page with its schema.org ``SocialMediaPosting``. The demo crawls it beside the
Telegram replica, and the facebook spider's tests use it (``tests/support/facebook_site.py``
adds the walls and broken pages), so nothing leaves the machine.

Routes, as on www.facebook.com:

    GET  /groups/<group>/                        the group page with its newest posts
    POST /api/graphql/                           older posts, by the cursor in ``variables``
    GET  /groups/<group>/permalink/<post_id>/    one post, readable in a browser (evidence)
    GET  /img/<file>                             the posters
"""

from __future__ import annotations

import html
import json
import logging
import threading
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pantau.replica import SAMPLE_SITE, image_reply, loopback_server

log = logging.getLogger(__name__)

FACEBOOK = "https://www.facebook.com"
MAX_REQUEST_BODY = 1 << 16
Answer = tuple[int, str, bytes]
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Post:
    """One sample post; ``time`` in Unix seconds, ``images`` file names in ``img/``."""

    post_id: str
    author: str
    text: str
    time: int
    images: tuple[str, ...] = ()
    reactions: int = 0
    comments: int = 0
    shares: int = 0


@dataclass(frozen=True)
class Group:
    """The sample group: its names, its feed query, and its posts, newest first."""

    slug: str
    id: str
    title: str
    page_size: int
    doc_id: str
    lsd: str
    posts: tuple[Post, ...] = field(default_factory=tuple)

    def post(self, post_id: str) -> Post | None:
        return next((post for post in self.posts if post.post_id == post_id), None)


def load_group(root: Path | None = None) -> Group:
    """The group described by ``<root>/facebook_group.toml`` (default: the bundled sample)."""
    path = (root or SAMPLE_SITE) / "facebook_group.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    posts = sorted((_post(raw) for raw in data.get("posts", [])), key=lambda p: -p.time)
    return Group(**data["group"], posts=tuple(posts))


def _post(raw: Mapping[str, Any]) -> Post:
    values = dict(raw)
    values["time"] = int(values["time"].timestamp())
    values["images"] = tuple(values.get("images", ()))
    return Post(**values)


# The Relay data ------------------------------------------------------------------------


def permalink(group: Group, post: Post, base_url: str = FACEBOOK) -> str:
    return f"{base_url}/groups/{group.slug}/permalink/{post.post_id}/"


def _actor(post: Post, base_url: str) -> dict[str, str]:
    number = "1000" + post.post_id[-6:]
    return {
        "__typename": "User",
        "id": number,
        "name": post.author,
        "url": f"{base_url}/profile.php?id={number}",
    }


def _image(base_url: str, name: str) -> str:
    return f"{base_url}/img/{name}"


def story(group: Group, post: Post, base_url: str = FACEBOOK) -> dict[str, Any]:
    """A ``Story`` node laid out as Facebook's Comet group feed lays it out."""
    node_id = f"UzpfSTpyZXBsaWNhOntwb3N0LnBvc3RfaWR9{post.post_id}"
    actor = _actor(post, base_url)
    media = [
        {"media": {"__typename": "Photo", "image": {"uri": _image(base_url, name)}}}
        for name in post.images
    ]
    attachments = (
        [{"styles": {"attachment": {"all_subattachments": {"count": len(media), "nodes": media}}}}]
        if media
        else []
    )
    timestamp = {
        "__typename": "CometFeedStoryMinimizedTimestampStrategy",
        "story": {
            "creation_time": post.time,
            "url": permalink(group, post, base_url),
            "id": node_id,
        },
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
                        "metadata": [timestamp],
                    }
                }
            },
            "feedback": _feedback_section(post),
        },
    }


def _feedback_section(post: Post) -> dict[str, Any]:
    """The counts under ``feedback``, beside the comments' own ``page_info`` (which is not
    the feed's: a parser must not page the feed with it)."""
    feedback = {
        "reaction_count": {"count": post.reactions},
        "comment_count": {"total_count": post.comments},
        "share_count": {"count": post.shares},
    }
    comments = {"page_info": {"has_next_page": True, "end_cursor": "kmt"}}
    renderer = {
        "comet_ufi_summary_and_actions_renderer": {"feedback": feedback},
        "display_comments": comments,
    }
    target = {"ufi_renderer": {"feedback": renderer}}
    return {"story": {"feedback_context": {"feedback_target_with_context": target}}}


def feed_data(group: Group, posts: Sequence[Post], base_url: str = FACEBOOK) -> dict[str, Any]:
    edges = [{"node": story(group, p, base_url), "cursor": f"c-{p.post_id}"} for p in posts]
    return {"node": {"__typename": "Group", "id": group.id, "group_feed": {"edges": edges}}}


def page_info(cursor: str | None) -> dict[str, Any]:
    return {"page_info": {"has_next_page": cursor is not None, "end_cursor": cursor}}


def cursor_after(group: Group, index: int) -> str | None:
    """The cursor of the page starting at post ``index``, None past the last post."""
    return f"cur{index}" if index < len(group.posts) else None


def to_script_json(value: Any) -> str:
    """JSON as Facebook puts it in a <script>: ``</`` written ``<\\/``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# Pages ---------------------------------------------------------------------------------


def render_group_page(
    group: Group, base_url: str, cursor: str | None, posts: Sequence[Post] | None = None
) -> str:
    """A logged-out group page: its first posts (``posts``, default the first page) in a
    data-sjs script, the feed preloader with the next page's ``cursor`` (None: no more),
    and the login form real content pages also carry."""
    shown = group.posts[: group.page_size] if posts is None else posts
    preloader = "adp_GroupsCometFeedRegularStoriesPaginationQueryRelayPreloader_6a1b"
    first = {"data": feed_data(group, shown, base_url), "extensions": {"is_final": False}}
    bbox = {"__bbox": {"complete": False, "result": first}}
    deferred = {"__bbox": {"complete": True, "result": {"data": page_info(cursor)}}}
    payload = {
        "require": [
            ["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [
                ["RelayPrefetchedStreamCache", "next", [], [preloader, bbox]],
                ["RelayPrefetchedStreamCache", "next", [], [preloader, deferred]],
            ]}}]]
        ]
    }  # fmt: skip
    variables = {"groupID": group.id, "count": group.page_size, "feedType": "DISCUSSION"}
    query = {"preloaderID": preloader, "queryID": group.doc_id, "variables": variables}
    data = to_script_json(payload)
    return f"""<!DOCTYPE html>
<html id="facebook" lang="id"><head><meta charset="utf-8">
<title>{html.escape(group.title)} | Facebook</title>
<script nonce="">requireLazy(["TimeSliceImpl"],function(){{}});
["LSD",[],{{"token":"{html.escape(group.lsd)}"}},323]</script>
</head><body class="UIPage_LoggedOut">
<div id="mount_0_0_Ab"></div>
<script type="application/json" data-content-len="{len(data)}" data-sjs>{data}</script>
<script nonce="">requireLazy(["RelayPrefetcher"],function(m){{m.preload({to_script_json(query)})}});</script>
<form id="login_form" action="/login/device-based/regular/login/?login_attempt=1" method="post">
<input type="hidden" name="lsd" value="{html.escape(group.lsd)}"><input type="text" name="email" id="email">
<input type="password" name="pass" id="pass"><button name="login" type="submit">Masuk</button>
</form>
</body></html>
"""  # noqa: E501


def graphql_answer(group: Group, cursor: str, base_url: str = FACEBOOK) -> str | None:
    """The ``/api/graphql/`` answer for ``cursor`` ("cur3" gives posts 4-6): the feed as
    one JSON line and the deferred ``page_info`` as another; None for an unknown cursor."""
    start = cursor.removeprefix("cur")
    if not start.isdigit() or not 0 < int(start) < len(group.posts):
        return None
    index = int(start)
    shown = group.posts[index : index + group.page_size]
    following = cursor_after(group, index + len(shown))
    first = {"data": feed_data(group, shown, base_url), "extensions": {"is_final": False}}
    deferred = {
        "label": "GroupsCometFeedRegularStories_paginationQuery$defer$page_info",
        "path": ["node", "group_feed"],
        "data": page_info(following),
        "extensions": {"is_final": True},
    }
    return json.dumps(first, ensure_ascii=False) + "\r\n" + json.dumps(deferred, ensure_ascii=False)


def graphql_error(message: str, code: int = 1675030) -> str:
    """What ``/api/graphql/`` answers to a query it cannot run."""
    return json.dumps({"errors": [{"message": message, "code": code}]})


_POST_STYLE = """
body{font-family:sans-serif;background:#f0f2f5;margin:0}
[role=article]{background:#fff;max-width:560px;margin:24px auto;padding:16px;border-radius:8px}
.author{font-weight:bold;color:#050505;text-decoration:none}
.time{color:#65676b;font-size:13px;display:block;margin:2px 0 10px}
.message{line-height:1.4;margin:8px 0}
[role=article] img{display:block;width:320px;margin:6px 0}
.counts{color:#65676b;font-size:13px}
"""


def posting(group: Group, post: Post, base_url: str = FACEBOOK) -> dict[str, Any]:
    """The post's schema.org ``SocialMediaPosting``, as a real post page carries it."""
    actor = _actor(post, base_url)
    return {
        "@context": "https://schema.org",
        "@type": "SocialMediaPosting",
        "identifier": f"{group.id};{post.post_id};;9",
        "url": permalink(group, post, base_url),
        "author": {"@type": "Person", "name": post.author, "url": actor["url"]},
        "articleBody": post.text,
        "dateCreated": datetime.fromtimestamp(post.time, UTC).isoformat(),
        "image": [{"@type": "ImageObject", "contentUrl": _image(base_url, n)} for n in post.images],
        "commentCount": post.comments,
        "interactionStatistic": [
            _counter("LikeAction", post.reactions),
            _counter("ShareAction", post.shares),
        ],
    }


def _counter(kind: str, count: int) -> dict[str, Any]:
    return {
        "@type": "InteractionCounter",
        "interactionType": f"https://schema.org/{kind}",
        "userInteractionCount": count,
    }


def render_post_page(group: Group, post: Post, base_url: str = FACEBOOK) -> str:
    """One post on its own page, readable in a browser (the evidence screenshot), with its
    ``SocialMediaPosting`` in ``ld+json``."""
    title = html.escape(f"{post.author} - {post.text.splitlines()[0] if post.text else ''}"[:100])
    when = datetime.fromtimestamp(post.time, UTC)
    images = "".join(f'<img src="{html.escape(_image(base_url, n))}" alt="">' for n in post.images)
    message = html.escape(post.text).replace("\n", "<br>")
    return f"""<!DOCTYPE html>
<html id="facebook" lang="id"><head><meta charset="utf-8">
<title>{title} | Facebook</title>
<meta property="og:title" content="{title}">
<meta property="og:description" content="{html.escape(post.text[:200])}">
<script type="application/ld+json">{to_script_json(posting(group, post, base_url))}</script>
<style>{_POST_STYLE}</style>
</head><body class="UIPage_LoggedOut">
<div role="main"><div role="article">
<a class="author" href="{html.escape(_actor(post, base_url)["url"])}">{html.escape(post.author)}</a>
<a class="time" href="{html.escape(permalink(group, post, base_url))}">
<abbr title="{when.isoformat()}">{when:%d-%m-%Y %H:%M}</abbr> · {html.escape(group.title)}</a>
<div class="message" data-ad-preview="message" dir="auto">{message}</div>{images}
<div class="counts">{post.reactions} reaksi · {post.comments} komentar · {post.shares} kali dibagikan</div>
</div></div>
</body></html>
"""  # noqa: E501


# Serving -------------------------------------------------------------------------------


@dataclass
class FacebookReplica:
    """A running replica group: where it is, what it serves, and what was asked for."""

    base_url: str
    group: Group
    root: Path
    requests: list[str] = field(default_factory=list)

    @property
    def group_url(self) -> str:
        return f"{self.base_url}/groups/{self.group.slug}/"

    def route(self, method: str, target: str, body: bytes = b"") -> Answer:
        """Status, content type and body of the answer to ``method target``."""
        self.requests.append(f"{method} {target}")
        segments = [s for s in urlsplit(target).path.split("/") if s]
        if method == "POST" and segments == ["api", "graphql"]:
            return self._graphql(body)
        if method != "GET":
            return 405, "text/plain", b"method not allowed"
        if len(segments) == 2 and segments[0] == "img":
            return image_reply(self.root, segments[1])
        if segments[:2] == ["groups", self.group.slug]:
            return self._group(segments[2:])
        return 404, "text/plain", b"not found"

    def _group(self, rest: list[str]) -> Answer:
        if not rest:
            cursor = cursor_after(self.group, self.group.page_size)
            return 200, HTML, render_group_page(self.group, self.base_url, cursor).encode()
        post = self.group.post(rest[1]) if len(rest) == 2 and rest[0] == "permalink" else None
        if post is None:
            return 404, "text/plain", b"no such post"
        return 200, HTML, render_post_page(self.group, post, self.base_url).encode()

    def _graphql(self, body: bytes) -> Answer:
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        answer = None
        if fields.get("doc_id") == self.group.doc_id:
            try:
                variables = json.loads(fields.get("variables", "{}"))
            except ValueError:
                variables = {}
            cursor = variables.get("cursor") if isinstance(variables, dict) else None
            answer = graphql_answer(self.group, str(cursor or ""), self.base_url)
        if answer is None:
            return 200, "application/json", graphql_error("Bad doc_id or cursor").encode()
        return 200, HTML, answer.encode()


def _handler(site: FacebookReplica) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(b"")

        def do_POST(self) -> None:  # noqa: N802
            length = min(int(self.headers.get("Content-Length") or 0), MAX_REQUEST_BODY)
            self._answer(self.rfile.read(length))

        def _answer(self, body: bytes) -> None:
            status, kind, data = site.route(self.command, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("facebook replica: " + format, *args)

    return Handler


@contextmanager
def serve_facebook_replica(
    root: Path | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[FacebookReplica]:
    """Serve the replica group from ``root`` (default: the bundled sample) in a daemon
    thread; yields the ``FacebookReplica`` (``.base_url``, ``.group_url``); shuts down on
    exit."""
    root = root or SAMPLE_SITE
    site = FacebookReplica(base_url="", group=load_group(root), root=root)
    with loopback_server(_handler(site), host, port, "facebook-replica") as base_url:
        site.base_url = base_url
        yield site


def main() -> None:
    """Serve the sample group until Ctrl-C (``python -m pantau.facebook_replica``)."""
    logging.basicConfig(level=logging.INFO)
    with serve_facebook_replica(port=8766) as site:
        print(f"Sample group: {site.group_url}  (Ctrl-C stops)")
        threading.Event().wait()


if __name__ == "__main__":
    main()
