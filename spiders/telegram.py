"""Spider for public Telegram channel previews, ``https://t.me/s/<channel>``.

No login: the preview is the page Telegram serves to anonymous browsers. Each
``div.tgme_widget_message[data-post]`` becomes one ``PostItem``; older pages are
reached through ``a.tme_messages_more[data-before]`` (``?before=<id>``) up to
``max_pages``. With ``q``, the channel's own search is read instead
(``t.me/s/<channel>?q=<words>``, same markup, paged the same way). A name without a
public preview (Telegram redirects ``/s/<x>`` to the contact page ``/<x>``) ends the run
as failed with a sentence saying so.

    scrapy crawl telegram -a channel=NAME [-a q=WORDS] [-a base_url=URL] [-a max_pages=N]
        -O out.jsonl
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import scrapy
from lxml.etree import XPath
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import Response, TextResponse

from crawler.items import PostItem
from spiders.base import PantauSpider

_CHANNEL = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_UTC_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", re.ASCII)
_MULTIPLIERS = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
_BLANK = "\u200b\u200c\u200d\ufeff \n"


def _css(query: str) -> XPath:
    """A CSS selector compiled once to an lxml XPath (as parsel translates it)."""
    return XPath(HTMLTranslator().css_to_xpath(query), smart_strings=False)


# Class name -> (the ``MessageNodes`` list it goes to, the tag it needs or None): the
# selectors a message was read with, one XPath each, which cost more than the rest of the
# spider's work together; a message's elements are now visited once (``MessageNodes``).
_PARTS: dict[str, tuple[str, str | None]] = {
    "tgme_widget_message_views": ("views", None),
    "tgme_widget_message_date": ("dates", None),
    "tgme_widget_message_from_author": ("signatures", None),
    "tgme_widget_message_owner_name": ("owners", None),
    "tgme_widget_message_photo_wrap": ("media", "a"),
    "tgme_widget_message_video_thumb": ("media", "i"),
    "tgme_widget_message_roundvideo_thumb": ("media", "i"),
    "tgme_widget_message_forwarded_from_name": ("forwarded", None),
    "tgme_widget_message_text": ("texts", "div"),
    "tgme_widget_message_reply": ("replies", None),
}
_XML_SPACE = re.compile(r"[ \t\n\r]+")
# Those class names as words of a ``class`` attribute (split at XML white space, as CSS).
_PART_CLASSES = re.compile(r"(?<![^ \t\n\r])(" + "|".join(_PARTS) + r")(?![^ \t\n\r])")


@dataclass(slots=True)
class MessageNodes:
    """The elements of one message block that its fields are read from, each list in
    document order, found in one walk of the block (itself included, as CSS selectors
    applied to it would)."""

    views: list[HtmlElement] = field(default_factory=list)
    dates: list[HtmlElement] = field(default_factory=list)
    times: list[HtmlElement] = field(default_factory=list)
    signatures: list[HtmlElement] = field(default_factory=list)
    owners: list[HtmlElement] = field(default_factory=list)
    media: list[HtmlElement] = field(default_factory=list)
    forwarded: list[HtmlElement] = field(default_factory=list)
    texts: list[HtmlElement] = field(default_factory=list)
    replies: list[HtmlElement] = field(default_factory=list)

    @classmethod
    def of(cls, block: Block) -> MessageNodes:
        """The nodes of ``block`` (a selector or element; walked once)."""
        if isinstance(block, MessageNodes):
            return block
        nodes = cls()
        for element in (block.root if isinstance(block, Selector) else block).iter():
            if element.tag == "time" and element.get("datetime") is not None:
                nodes.times.append(element)
            classes = element.get("class")
            if classes:
                for name in _part_classes(classes):
                    nodes.add(element, name)
        return nodes

    def add(self, element: HtmlElement, name: str) -> None:
        """File ``element``, which has the class ``name``, under its part."""
        part, tag = _PARTS[name]
        if tag is None or tag == element.tag:
            found: list[HtmlElement] = getattr(self, part)
            if not found or found[-1] is not element:
                found.append(element)


Block = Selector | HtmlElement | MessageNodes


def message_blocks(root: HtmlElement) -> list[HtmlElement]:
    """The ``div.tgme_widget_message`` elements under ``root`` (itself included), in page
    order: a walk of the page's divs, cheaper than the XPath a CSS class becomes (which
    normalises every element's class attribute)."""
    return [
        div
        for div in root.iter("div")
        if (classes := div.get("class")) and "tgme_widget_message" in _class_words(classes)
    ]


def older_page_id(root: HtmlElement) -> str | None:
    """``a.tme_messages_more::attr(data-before)``: where the older page starts, or None."""
    for link in root.iter("a"):
        classes = link.get("class")
        if classes and "tme_messages_more" in _class_words(classes):
            before = link.get("data-before")
            if before is not None:
                return before
    return None


@lru_cache(maxsize=4096)
def _class_words(classes: str) -> frozenset[str]:
    """The words of a ``class`` attribute, split at XML white space as CSS does."""
    return frozenset(_XML_SPACE.split(classes))


@lru_cache(maxsize=4096)
def _part_classes(classes: str) -> tuple[str, ...]:
    """The part class names among ``classes`` (pages repeat the same few attributes)."""
    return tuple(_PART_CLASSES.findall(classes))


class TelegramSpider(PantauSpider):
    """Posts of one public Telegram channel, newest page first."""

    name = "telegram"
    platform = "telegram"
    default_base_url = "https://t.me"

    def __init__(
        self, *args: Any, channel: str | None = None, q: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channel = parse_channel(channel)
        self.query = parse_query(q)

    def default_source(self) -> str:
        return self.channel

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.page_request(self.channel, before=None, page=1)

    def page_request(self, channel: str, before: int | None, page: int) -> scrapy.Request:
        params = {"q": self.query, "before": str(before) if before else None}
        query = urlencode({k: v for k, v in params.items() if v})
        url = f"{self.base_url}/s/{channel}" + (f"?{query}" if query else "")
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_fetch_error, cb_kwargs={"page": page}
        )

    def parse(self, response: Response, page: int = 1) -> Iterator[PostItem | scrapy.Request]:
        """Items of one preview page, then the request for the next older page."""
        if not isinstance(response, TextResponse):
            self.fail(no_preview_reason(self.channel, response.url))
        blocks = message_blocks(response.selector.root)
        if not blocks and not is_channel_page(response):
            self.fail(no_preview_reason(self.channel, response.url))
        items = list(self.parse_messages(response, blocks))
        self.count("pages")
        yield from items
        next_request = self.next_page(response, items, page)
        if next_request is not None:
            yield next_request

    def parse_messages(
        self, response: TextResponse, blocks: list[HtmlElement] | None = None
    ) -> Iterator[PostItem]:
        """One item per message block; blocks that cannot be read are logged and counted."""
        if blocks is None:
            blocks = message_blocks(response.selector.root)
        for block in blocks:
            try:
                yield self.parse_message(block, response)
            except MalformedMessage as exc:
                self.logger.warning("skipped a message on %s: %s", response.url, exc)
                self.count("messages_skipped")

    def parse_message(self, block: Selector | HtmlElement, response: TextResponse) -> PostItem:
        element = block.root if isinstance(block, Selector) else block
        channel, message_id = split_data_post(element.get("data-post"))
        channel_url = f"{self.base_url}/{channel}"
        nodes = MessageNodes.of(element)
        return self.build_item(
            post_id=f"{channel}/{message_id}",
            message_id=message_id,
            channel=channel,
            url=f"{channel_url}/{message_id}",
            author=message_author(nodes) or channel,
            author_url=channel_url,
            text=message_text(nodes),
            posted_at=message_time(nodes),
            views=parse_count(message_views(nodes)),
            images=message_images(nodes, response),
            forwarded_from=forwarded_from(nodes, response),
        )

    def position(self, item: Mapping[str, Any]) -> int | None:
        """Telegram message ids grow with time within a channel: the id is the position."""
        message_id = item.get("message_id")
        return int(message_id) if message_id is not None else None

    def next_page(
        self, response: TextResponse, items: list[PostItem], page: int
    ) -> scrapy.Request | None:
        """The request for the older page, unless the limit or the watermark stops us."""
        before = older_page_id(response.selector.root)
        if page >= self.max_pages or not before or not before.isdigit():
            return None
        if self.seen_before([str(item["post_id"]) for item in items]):
            self.logger.info(
                "page %d reaches posts read completely before; not paging further", page
            )
            self.count("stopped_at_watermark")
            return None
        channel = str(items[0]["channel"]) if items else self.channel
        return self.page_request(channel, before=int(before), page=page + 1)


class MalformedMessage(ValueError):
    """A message block that cannot be turned into an item."""


def parse_channel(value: str | None) -> str:
    """The channel name from ``-a channel=`` (``@name`` accepted); ValueError if invalid."""
    name = (value or "").strip().removeprefix("@")
    if not _CHANNEL.match(name):
        raise ValueError(f"channel must be a Telegram username like 'durov', got {value!r}")
    return name


def parse_query(value: str | None) -> str | None:
    """The search words of ``-a q=`` (Telegram's in-channel search), or None."""
    words = " ".join((value or "").split())
    if len(words) > 100:
        raise ValueError(f"q must be at most 100 characters, got {len(words)}")
    return words or None


def is_channel_page(response: TextResponse) -> bool:
    """True for a channel preview page (even one with no messages)."""
    return bool(response.css(".tgme_channel_history, div.tgme_widget_message"))


def no_preview_reason(channel: str, url: str) -> str:
    return (
        f"Telegram channel '{channel}' has no public preview: {url} is not a channel page "
        "(the name does not exist, is a user or bot, or its preview is turned off)."
    )


def split_data_post(value: str | None) -> tuple[str, int]:
    """``"channel/123"`` into the canonical channel name and the message id."""
    channel, _, number = (value or "").strip().rpartition("/")
    if not channel or not number.isdigit():
        raise MalformedMessage(f"message block without a valid data-post ({value!r})")
    return channel, int(number)


def parse_count(value: str | None) -> int | None:
    """Telegram's view counter as an int: ``"2.5K"`` is 2500, ``"1.2M"`` 1200000."""
    text = (value or "").strip().upper().replace(",", ".")
    if not text:
        return None
    number, suffix = (text[:-1], text[-1]) if text[-1] in _MULTIPLIERS else (text, "")
    try:
        return int(Decimal(number) * _MULTIPLIERS[suffix])
    except InvalidOperation:
        return None


def message_time(block: Block) -> str | None:
    """The post's time as ISO 8601 UTC, from the date link's ``time[datetime]`` (else the
    block's first ``time[datetime]``)."""
    nodes = MessageNodes.of(block)
    found = next((t for date in nodes.dates for t in _times_under(date)), None)
    if found is None and nodes.times:
        found = nodes.times[0]
    raw = found.get("datetime") if found is not None else None
    if not raw:
        return None
    raw = raw.strip()
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if _UTC_STAMP.fullmatch(raw):
        return raw  # already what the conversion below gives (Telegram's own form)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


def _times_under(element: HtmlElement) -> Iterator[HtmlElement]:
    """``time[datetime]`` elements inside ``element`` (not itself), in document order."""
    for time in element.iter("time"):
        if time is not element and time.get("datetime") is not None:
            yield time


def message_views(block: Block) -> str | None:
    """The view counter's text as shown (``"1.2K"``), or None."""
    for element in MessageNodes.of(block).views:
        for text in _own_texts(element):
            return text
    return None


def _own_texts(element: HtmlElement) -> Iterator[str]:
    """The text nodes directly inside ``element`` (``::text``), in document order."""
    if element.text:
        yield element.text
    for child in element:
        if child.tail:
            yield child.tail


def message_author(block: Block) -> str | None:
    """The post signature if there is one, else the channel's display name."""
    nodes = MessageNodes.of(block)
    for found in (nodes.signatures, nodes.owners):
        if found:
            name = clean_lines(inner_text(found[0]))
            if name:
                return name
    return None


def message_images(block: Block, response: TextResponse) -> list[str]:
    """Absolute URLs of photos and video thumbnails, in page order, without repeats."""
    nodes = MessageNodes.of(block)
    urls: list[str] = []
    for media in outside_replies(nodes.media, nodes):
        match = _BACKGROUND.search(media.get("style", ""))
        if match:
            url = response.urljoin(match.group(1).strip())
            if url not in urls:
                urls.append(url)
    return urls


def forwarded_from(block: Block, response: TextResponse) -> dict[str, str | None] | None:
    """``{"name", "url"}`` of the forwarded message's origin, or None."""
    found = MessageNodes.of(block).forwarded
    if not found:
        return None
    href = found[0].get("href")
    return {
        "name": clean_lines(inner_text(found[0])),
        "url": response.urljoin(clean_href(href)) if href else None,
    }


def message_text(block: Block) -> str:
    """The message text with line breaks and link targets; a nested caption once."""
    nodes = MessageNodes.of(block)
    texts: list[str] = []
    found = outside_replies(nodes.texts, nodes)
    for node in found:
        # Only where there are several can one text sit inside another (a caption).
        if len(found) > 1 and _has_class_ancestor(node, "tgme_widget_message_text"):
            continue
        text = clean_lines(inner_text(node))
        if text and text not in texts:
            texts.append(text)
    return "\n\n".join(texts)


def outside_replies(found: list[HtmlElement], nodes: MessageNodes) -> list[HtmlElement]:
    """``found`` (elements of the block ``nodes`` came from) that are not part of a quoted
    reply. Most messages quote none: then no element's ancestors need walking."""
    if not found or not nodes.replies:
        return found
    return [n for n in found if not _has_class_ancestor(n, "tgme_widget_message_reply")]


def _has_class_ancestor(element: HtmlElement, name: str) -> bool:
    return any(name in (a.get("class") or "").split() for a in element.iterancestors())


def inner_text(element: HtmlElement) -> str:
    """Readable text of ``element``: ``<br>`` as newline, links as ``label (target)``."""
    parts = [_collapse(element.text)]
    for child in element:
        # <br> inline: most children of a message text are line breaks.
        parts.append("\n" if child.tag == "br" else _node_text(child))
        if child.tail:
            parts.append(_collapse(child.tail))
    return "".join(parts)


def _collapse(text: str | None) -> str:
    """``text`` with white-space runs as one space; the pattern runs only where it would
    change something (``isprintable`` is False for every white space but the ASCII space)."""
    if not text:
        return ""
    return text if text.isprintable() and "  " not in text else _SPACES.sub(" ", text)


def _node_text(element: HtmlElement) -> str:
    if not isinstance(element.tag, str) or element.tag in ("script", "style"):
        return ""
    if element.tag == "br":
        return "\n"
    if element.tag == "a":
        return _link_text(element)
    return inner_text(element)


def _link_text(element: HtmlElement) -> str:
    label = inner_text(element)
    href = clean_href(element.get("href"))
    if not href.startswith(("http://", "https://")):
        return label
    shown = label.rstrip(_BLANK)
    trailing = label[len(shown) :]
    if not shown.strip(_BLANK):
        # a hidden anchor (zero-width label) carries the link preview's target
        return f"({href}) "
    if clean_href(shown.strip()) == href:
        return href + trailing
    return f"{shown} ({href}){trailing}"


def clean_href(href: str | None) -> str:
    """A link target with Telegram's double escaping undone (``&amp;amp;`` became ``&amp;``)."""
    value = (href or "").strip()
    while "&amp;" in value:
        value = value.replace("&amp;", "&")
    return value


def clean_lines(text: str) -> str:
    """Each line trimmed, the whole trimmed, blank runs kept at most one line."""
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip(_BLANK)
