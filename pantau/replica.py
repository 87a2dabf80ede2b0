"""A replica of Telegram's public channel preview, served on 127.0.0.1.

The bundled sample channel (``pantau/sample_site/posts.toml``, Indonesian sample posts
written for Pantau, posters in ``sample_site/img``) is rendered in the markup of
``t.me/s/<channel>``: same classes, nesting and attributes as the real pages, our own
content. The demo crawls it and the tests use it, so nothing leaves the machine.

Routes, as on t.me:

    /s/<channel>              newest page of the channel preview
    /s/<channel>?before=<id>  the page of posts older than <id>
    /<channel>/<id>           a single post, readable in a browser (evidence screenshots)
    /<channel>                the channel's info page
    /s/<other>                302 to /<other>, the "contact @other" page (no preview)
    /img/<file>               the posters
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
import threading
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

SAMPLE_SITE = Path(__file__).resolve().parent / "sample_site"
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.png$")


@dataclass(frozen=True)
class Post:
    """One sample post; ``text`` is plain text with ``[label](url)`` links."""

    id: int
    date: str
    views: str
    text: str = ""
    signature: str | None = None
    photos: tuple[str, ...] = ()
    video_thumb: str | None = None
    forwarded_from: Mapping[str, str] | None = None
    album: bool = False
    double_escape_links: bool = False


@dataclass(frozen=True)
class Channel:
    """The sample channel: its names and its posts, oldest first."""

    name: str
    title: str
    description: str
    subscribers: str
    page_size: int
    posts: tuple[Post, ...] = field(default_factory=tuple)

    def post(self, post_id: int) -> Post | None:
        return next((post for post in self.posts if post.id == post_id), None)


def load_channel(root: Path | None = None) -> Channel:
    """The channel described by ``<root>/posts.toml`` (default: the bundled sample)."""
    data = tomllib.loads(((root or SAMPLE_SITE) / "posts.toml").read_text(encoding="utf-8"))
    posts = sorted((_post(raw) for raw in data.get("posts", [])), key=lambda p: p.id)
    return Channel(**data["channel"], posts=tuple(posts))


def _post(raw: Mapping[str, Any]) -> Post:
    values = dict(raw)
    values["photos"] = tuple(values.get("photos", ()))
    return Post(**values)


def page_of(channel: Channel, before: int | None) -> tuple[list[Post], int | None]:
    """The posts shown for ``?before=`` (None: newest) and the next ``data-before``."""
    older = [p for p in channel.posts if before is None or p.id < before]
    shown = older[-channel.page_size :]
    more = shown[0].id if shown and len(older) > len(shown) else None
    return shown, more


# Rendering -----------------------------------------------------------------------------

_STYLE = """
body{font-family:sans-serif;background:#d5d88d;margin:0}
.tgme_container{max-width:640px;margin:0 auto;padding:12px}
.tgme_header_title{font-weight:bold;font-size:20px}
.tgme_widget_message_wrap{margin:12px 0}
.tgme_widget_message_bubble{background:#fff;border-radius:12px;padding:10px 14px}
.tgme_widget_message_owner_name{font-weight:bold;color:#2481cc;text-decoration:none}
.tgme_widget_message_photo_wrap,.tgme_widget_message_video_thumb{display:block;width:320px;
height:320px;background-size:cover;margin:6px 0}
.tgme_widget_message_text{white-space:normal;margin:6px 0;line-height:1.4}
.tgme_widget_message_footer{color:#888;font-size:13px;text-align:right}
.tgme_widget_message_user,.tgme_widget_message_bubble_tail{display:none}
.tgme_page{background:#fff;max-width:420px;margin:40px auto;padding:24px;border-radius:12px}
"""


def _head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="utf-8">\n'
        f"    <title>{html.escape(title)}</title>\n"
        '    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'    <meta property="og:title" content="{html.escape(title)}">\n'
        f"{extra}    <style>{_STYLE}</style>\n  </head>\n"
    )


def render_text(text: str, double_escape: bool = False) -> str:
    """Plain ``text`` as Telegram's message HTML: escaped, ``<br/>`` for newlines,
    ``[label](url)`` as links (their ``&`` escaped twice when ``double_escape``)."""
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        parts.append(html.escape(text[position : match.start()]))
        href = html.escape(match.group(2))
        href = html.escape(href) if double_escape else href
        parts.append(
            f'<a href="{href}" target="_blank" rel="noopener" '
            "onclick=\"return confirm('Open this link?\\n\\n'+this.href);\">"
            f"{html.escape(match.group(1))}</a>"
        )
        position = match.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts).replace("\n", "<br/>")


def _img(base_url: str, name: str) -> str:
    return f"{base_url}/img/{name}"


def _photo(channel: Channel, post: Post, name: str, base_url: str, grouped: bool) -> str:
    kind = " grouped_media_wrap blured" if grouped else ""
    return (
        f'<a class="tgme_widget_message_photo_wrap{kind} js-message_photo" '
        f"style=\"width:320px;background-image:url('{_img(base_url, name)}')\" "
        f'href="{base_url}/{channel.name}/{post.id}?single">'
        '<div class="tgme_widget_message_photo" style="padding-top:100%"></div></a>'
    )


def _video(channel: Channel, post: Post, base_url: str) -> str:
    thumb = _img(base_url, post.video_thumb or "")
    return (
        '<a class="tgme_widget_message_video_player js-message_video_player" '
        f'href="{base_url}/{channel.name}/{post.id}">'
        f'<i class="tgme_widget_message_video_thumb" style="background-image:url(\'{thumb}\')">'
        '</i><div class="tgme_widget_message_video_wrap" style="width:320px;padding-top:100%">'
        '</div><time class="message_video_duration js-message_video_duration">0:42</time></a>'
    )


def _text_block(post: Post) -> str:
    if not post.text:
        return ""
    inner = render_text(post.text, post.double_escape_links)
    block = f'<div class="tgme_widget_message_text js-message_text" dir="auto">{inner}</div>'
    if post.album:
        # album captions arrive as a text block nested in another one
        block = f'<div class="tgme_widget_message_text js-message_text" dir="auto">{block}</div>'
    return block


def _media(channel: Channel, post: Post, base_url: str) -> str:
    if post.album:
        photos = "".join(_photo(channel, post, p, base_url, True) for p in post.photos)
        return (
            '<div class="tgme_widget_message_grouped_wrap js-message_grouped_wrap" '
            'data-margin-w="2" data-margin-h="2" style="width:320px;">'
            '<div class="tgme_widget_message_grouped js-message_grouped">'
            f'<div class="tgme_widget_message_grouped_layer js-message_grouped_layer">{photos}'
            "</div></div></div>"
        )
    media = "".join(_photo(channel, post, p, base_url, False) for p in post.photos)
    return media + (_video(channel, post, base_url) if post.video_thumb else "")


def _forwarded(post: Post) -> str:
    origin = post.forwarded_from
    if not origin:
        return ""
    return (
        '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;'
        '<a class="tgme_widget_message_forwarded_from_name" '
        f'href="{html.escape(origin["url"])}"><span dir="auto">{html.escape(origin["name"])}'
        "</span></a></div>"
    )


def _footer(channel: Channel, post: Post, base_url: str) -> str:
    signature = ""
    if post.signature:
        signature = (
            '<span class="tgme_widget_message_from_author" dir="auto">'
            f"{html.escape(post.signature)}</span>,&nbsp;"
        )
    clock = datetime.fromisoformat(post.date).strftime("%H:%M")
    return (
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">{html.escape(post.views)}</span>'
        '<span class="copyonly"> views</span><span class="tgme_widget_message_meta">'
        f'{signature}<a class="tgme_widget_message_date" href="{base_url}/{channel.name}/'
        f'{post.id}"><time datetime="{post.date}" class="time">{clock}</time></a></span>'
        "</div></div>"
    )


def render_message(channel: Channel, post: Post, base_url: str) -> str:
    """One ``div.tgme_widget_message_wrap`` block as t.me/s renders it."""
    channel_url = f"{base_url}/{channel.name}"
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        '<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{channel.name}/{post.id}" data-view="demo-{post.id}">\n'
        f'  <div class="tgme_widget_message_user"><a href="{channel_url}">'
        '<i class="tgme_widget_message_user_photo bgcolor1" data-content="L">'
        f'<img src="{_img(base_url, "avatar.png")}"></i></a></div>\n'
        '  <div class="tgme_widget_message_bubble">\n'
        '    <i class="tgme_widget_message_bubble_tail"></i>\n'
        '    <div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="{channel_url}"><span dir="auto">'
        f"{html.escape(channel.title)}</span></a></div>\n"
        f"{_forwarded(post)}{_media(channel, post, base_url)}{_text_block(post)}\n"
        f"{_footer(channel, post, base_url)}\n  </div>\n</div></div>\n"
    )


def _header(channel: Channel, base_url: str) -> str:
    return (
        '<header class="tgme_header search_collapsed"><div class="tgme_container">'
        f'<div class="tgme_header_info"><a class="tgme_header_link" href="{base_url}/'
        f'{channel.name}"><div class="tgme_header_title_wrap"><div class="tgme_header_title">'
        f'<span dir="auto">{html.escape(channel.title)}</span></div></div>'
        f'<div class="tgme_header_counter">{html.escape(channel.subscribers)} subscribers</div>'
        "</a></div></div></header>\n"
    )


def render_channel_page(channel: Channel, base_url: str, before: int | None = None) -> str:
    """The ``/s/<channel>`` page (``?before=`` selects an older page)."""
    posts, more = page_of(channel, before)
    pager = ""
    if more is not None:
        pager = (
            '<div class="tgme_widget_message_centered js-messages_more_wrap">'
            f'<a href="/s/{channel.name}?before={more}" class="tme_messages_more '
            f'js-messages_more" data-before="{more}"></a></div>\n'
        )
    messages = "".join(render_message(channel, post, base_url) for post in posts)
    return (
        _head(f"{channel.title} – Telegram")
        + '  <body class="widget_frame_base tgme_webpreview emoji_image tme_mode">\n'
        + _header(channel, base_url)
        + f'<main class="tgme_main" data-url="/{channel.name}"><div class="tgme_container">\n'
        + '<section class="tgme_channel_history js-message_history">\n'
        + pager
        + messages
        + "</section></div></main>\n  </body>\n</html>\n"
    )


def render_post_page(channel: Channel, post: Post, base_url: str) -> str:
    """A single post on its own, readable in a browser (real t.me uses an iframe)."""
    description = html.escape(post.text[:200])
    extra = f'    <meta property="og:description" content="{description}">\n'
    return (
        _head(f"{channel.title} – Telegram", extra)
        + '  <body class="widget_frame_base tgme_widget body_widget_post emoji_image">\n'
        + '<div class="tgme_container">\n'
        + render_message(channel, post, base_url)
        + "</div>\n  </body>\n</html>\n"
    )


def render_contact_page(name: str) -> str:
    """What t.me shows for a name with no public preview: "contact @name"."""
    safe = html.escape(name)
    return (
        _head(f"Telegram: Contact @{name}")
        + '  <body class="no_transition"><div class="tgme_page_wrap"><div class="tgme_body_wrap">'
        + '<div class="tgme_page"><div class="tgme_page_icon"><i class="tgme_icon_user"></i>'
        + '</div><div class="tgme_page_description">If you have <strong>Telegram</strong>, '
        + f'you can contact <a class="tgme_username_link" href="tg://resolve?domain={safe}">'
        + f'@{safe}</a> right away.</div><div class="tgme_page_action">'
        + f'<a class="tgme_action_button_new" href="tg://resolve?domain={safe}">Send Message'
        + "</a></div></div></div></div>\n  </body>\n</html>\n"
    )


def render_info_page(channel: Channel) -> str:
    """The ``/<channel>`` info page with its "Preview channel" link."""
    return (
        _head(f"Telegram: Contact @{channel.name}")
        + '  <body><div class="tgme_page_wrap"><div class="tgme_page">'
        + f'<div class="tgme_page_title"><span dir="auto">{html.escape(channel.title)}</span>'
        + f'</div><div class="tgme_page_extra">{html.escape(channel.subscribers)} subscribers'
        + f'</div><div class="tgme_page_description">{html.escape(channel.description)}</div>'
        + '<div class="tgme_page_context_link_wrap"><a class="tgme_page_context_link" '
        + f'href="/s/{channel.name}">Preview channel</a></div></div></div>\n  </body>\n</html>\n'
    )


# Serving -------------------------------------------------------------------------------


@dataclass
class ReplicaSite:
    """A running replica: where it is, what it serves, and which paths were asked for."""

    base_url: str
    channel: Channel
    root: Path
    pages: Mapping[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # Seconds each channel page takes to answer, as a slow site does (tests set it so that
    # a crawl walking back over several pages can be cut between two of them).
    latency: float = 0.0

    def publish(self, post: Post) -> None:
        """Add ``post`` to the channel while it is served (a channel that grows, for the
        tests of incremental crawling); pages rendered afterwards show it."""
        posts = sorted((*self.channel.posts, post), key=lambda p: p.id)
        self.channel = dataclasses.replace(self.channel, posts=tuple(posts))

    def route(self, target: str) -> tuple[int, str, bytes | str]:
        """Status, content type and body (a str body is a redirect target for 302)."""
        self.requests.append(target)
        if target in self.pages:
            return 200, "text/html; charset=utf-8", self.pages[target].encode()
        parts = urlsplit(target)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) == 2 and segments[0] == "img":
            return self._image(segments[1])
        if len(segments) == 2 and segments[0] == "s":
            return self._preview(segments[1], parse_qs(parts.query).get("before", [""])[0])
        if len(segments) == 1:
            return self._info(segments[0])
        if len(segments) == 2 and segments[1].isdigit():
            return self._single(segments[0], int(segments[1]))
        return 404, "text/plain", b"not found"

    def _is_channel(self, name: str) -> bool:
        # Telegram usernames are case-insensitive; data-post keeps the canonical spelling
        return name.lower() == self.channel.name.lower()

    def _preview(self, name: str, before: str) -> tuple[int, str, bytes | str]:
        if not self._is_channel(name):
            return 302, "text/html", f"/{name}"
        page = render_channel_page(
            self.channel, self.base_url, int(before) if before.isdigit() else None
        )
        return 200, "text/html; charset=utf-8", page.encode()

    def _info(self, name: str) -> tuple[int, str, bytes | str]:
        page = (
            render_info_page(self.channel)
            if self._is_channel(name)
            else (render_contact_page(name))
        )
        return 200, "text/html; charset=utf-8", page.encode()

    def _single(self, name: str, post_id: int) -> tuple[int, str, bytes | str]:
        post = self.channel.post(post_id) if self._is_channel(name) else None
        if post is None:
            return 404, "text/plain", b"no such post"
        page = render_post_page(self.channel, post, self.base_url)
        return 200, "text/html; charset=utf-8", page.encode()

    def _image(self, name: str) -> tuple[int, str, bytes | str]:
        return image_reply(self.root, name)


def image_reply(root: Path, name: str) -> tuple[int, str, bytes]:
    """Status, content type and body for the poster ``img/<name>`` under ``root``."""
    path = root / "img" / name
    if not _FILE.match(name) or not path.is_file():
        return 404, "text/plain", b"no such image"
    return 200, "image/png", path.read_bytes()


def _handler(site: ReplicaSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if site.latency and self.path.startswith("/s/"):
                time.sleep(site.latency)  # a slow site, not a wait for something
            status, kind, body = site.route(self.path)
            self.send_response(status)
            if isinstance(body, str):
                self.send_header("Location", body)
                body = b""
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("replica: " + format, *args)

    return Handler


@contextmanager
def serve_replica(
    root: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    pages: Mapping[str, str] | None = None,
) -> Iterator[ReplicaSite]:
    """Serve the replica channel from ``root`` (default: the bundled sample) in a
    daemon thread; yields the ``ReplicaSite`` (``.base_url``); shuts down on exit.

    ``pages`` maps a request target (path and query, e.g. ``/s/broken``) to an HTML
    body served verbatim, for tests that need a page the data cannot describe.
    """
    root = root or SAMPLE_SITE
    site = ReplicaSite(base_url="", channel=load_channel(root), root=root, pages=pages or {})
    with loopback_server(_handler(site), host, port, "replica") as base_url:
        site.base_url = base_url
        yield site


@contextmanager
def loopback_server(
    handler: type[BaseHTTPRequestHandler], host: str, port: int, name: str
) -> Iterator[str]:
    """Serve ``handler`` on ``host:port`` (0: any free port) in a daemon thread; yields the
    base URL; shuts the server down and closes its socket on exit."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> None:
    """Serve the sample channel until Ctrl-C (``python -m pantau.replica``)."""
    logging.basicConfig(level=logging.INFO)
    with serve_replica(port=8765) as site:
        print(f"Sample channel: {site.base_url}/s/{site.channel.name}  (Ctrl-C stops)")
        threading.Event().wait()


if __name__ == "__main__":
    main()
