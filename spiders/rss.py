"""Spider for any RSS or Atom feed (job boards, "loker" blogs, news searches).

feedparser reads the feed (RSS 0.9x/1.0/2.0 and Atom, broken XML included, dates in any
of their formats); each entry becomes one ``PostItem``. An entry's text is its full
content (``content:encoded``, Atom ``content``) or else its summary, HTML turned into text.
With ``follow=true`` the page an entry links to is fetched for entries that carry only a
summary, and its article text (``text_css``, default: the usual article containers) is
used. Atom feeds paged with ``<link rel="next">`` (RFC 5005) are followed up to
``max_pages``.

    scrapy crawl rss -a url=FEED_URL [-a follow=true] [-a text_css=SELECTOR]
        [-a max_pages=N] [-a base_url=URL] [-a proxy=URL] -O out.jsonl
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import scrapy
from parsel.csstranslator import HTMLTranslator
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import PostItem
from spiders.base import PantauSpider, parse_base_url
from spiders.text import element_text, html_fragment_to_text, tidy

DEFAULT_TEXT_CSS = (
    "[itemprop=articleBody], article .entry-content, .entry-content, .post-content, article, main"
)
# Content no longer than this (in characters of text) counts as a summary only.
SUMMARY_CHARS = 600
MAX_ID_CHARS = 200
MAX_IMAGES = 20
_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class RssSpider(PantauSpider):
    """Entries of one RSS or Atom feed."""

    name = "rss"
    platform = "rss"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        follow: str | bool = False,
        text_css: str | None = None,
        proxy: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not url:
            raise ValueError("give the feed's address: -a url=https://...")
        self.feed_url = parse_base_url(url)
        parts = urlsplit(self.feed_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        super().__init__(*args, base_url=base_url or self.origin, **kwargs)
        self.follow = parse_bool("follow", follow)
        self.text_css = parse_css(text_css or DEFAULT_TEXT_CSS)
        self.proxy = parse_base_url(proxy) if proxy else None

    def default_source(self) -> str:
        return urlsplit(self.feed_url).hostname or "rss"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.rebase(self.feed_url), self.parse, self.on_fetch_error, page=1)

    def request(self, url: str, callback: Any, errback: Any, **cb_kwargs: Any) -> scrapy.Request:
        meta = {"proxy": self.proxy} if self.proxy else {}
        return scrapy.Request(
            url, callback=callback, errback=errback, cb_kwargs=cb_kwargs, meta=meta
        )

    def rebase(self, url: str) -> str:
        """``url`` moved from the feed's origin to ``base_url`` (unchanged otherwise)."""
        if self.base_url != self.origin and (
            url == self.origin or url.startswith(self.origin + "/")
        ):
            return self.base_url + url[len(self.origin) :]
        return url

    def parse(self, response: Response, page: int = 1) -> Iterator[PostItem | scrapy.Request]:
        """Items of one feed document (or requests for their pages), then the next page."""
        # A stream, never bytes or str: feedparser would read a body that looks like a path
        # or URL as one (a hostile response could name a local file).
        feed = feedparser.parse(io.BytesIO(response.body))
        if not feed.entries and not feed.get("version"):
            self.fail(f"{response.url} is not an RSS or Atom feed ({bozo_reason(feed)})")
        if feed.bozo:
            self.logger.warning(
                "feed %s is malformed (%s); read what could be", response.url, bozo_reason(feed)
            )
            self.count("feeds_malformed")
        self.count("pages")
        records = [r for r in (self.entry_record(e, response.url) for e in feed.entries) if r]
        yield from self.records_out(records)
        next_request = self.next_page(feed, records, page)
        if next_request is not None:
            yield next_request

    def entry_record(self, entry: Mapping[str, Any], feed_url: str) -> dict[str, Any] | None:
        """What the feed says of one entry; None (counted) without an id or link."""
        link = self.rebase(str(entry.get("link") or ""))
        entry_id = str(entry.get("id") or link).strip()
        if not entry_id:
            self.count("entries_skipped")
            return None
        content = entry_text(entry)
        return {
            "post_id": entry_id if len(entry_id) <= MAX_ID_CHARS else digest(entry_id),
            "url": link or feed_url,
            "title": html_fragment_to_text(str(entry.get("title") or ""), 500),
            "text": content,
            "author": tidy(str(entry.get("author") or ""), 200) or None,
            "posted_at": entry_time(entry),
            "images": entry_images(entry),
            "summary_only": len(content) <= SUMMARY_CHARS and not entry.get("content"),
        }

    def records_out(self, records: list[dict[str, Any]]) -> Iterator[PostItem | scrapy.Request]:
        """Items, or requests for the linked pages of summary-only entries when following."""
        for record in records:
            if self.follow and record["summary_only"] and record["url"].startswith("http"):
                yield self.request(
                    record["url"], self.parse_page, self.on_page_error, record=record
                )
            else:
                yield self.item(record)

    def parse_page(self, response: Response, record: dict[str, Any]) -> PostItem:
        """The entry with the article text of the page it links to."""
        self.count("pages_followed")
        if isinstance(response, TextResponse):
            found = response.xpath(self.text_css)
            text = element_text(found[0].root) if found else ""
            if len(text) > len(record["text"]):
                record = {**record, "text": text}
        return self.item(record)

    def on_page_error(self, failure: Failure) -> list[PostItem]:
        """A linked page that cannot be fetched: keep the feed's summary."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning("could not fetch %s: %s", request.url, failure.getErrorMessage())
        self.count("pages_failed")
        return [self.item(request.cb_kwargs["record"])]

    def item(self, record: Mapping[str, Any]) -> PostItem:
        title, body = record["title"], record["text"]
        text = body if not title or body.startswith(title) else f"{title}\n\n{body}".strip()
        return self.build_item(
            post_id=record["post_id"],
            url=record["url"],
            title=title,
            text=text,
            author=record["author"],
            posted_at=record["posted_at"],
            images=record["images"],
        )

    def next_page(
        self, feed: Any, records: list[dict[str, Any]], page: int
    ) -> scrapy.Request | None:
        links = feed.feed.get("links", []) if isinstance(feed.feed, Mapping) else []
        following = next((link.get("href") for link in links if link.get("rel") == "next"), None)
        if not following or page >= self.max_pages:
            return None
        if self.seen_before([r["post_id"] for r in records]):
            self.logger.info("page %d holds entries stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return None
        return self.request(self.rebase(following), self.parse, self.on_fetch_error, page=page + 1)


def parse_bool(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    try:
        return _TRUE[value.strip().lower()]
    except KeyError:
        raise ValueError(f"{name} must be true or false, got {value!r}") from None


def parse_css(query: str) -> str:
    """``query`` translated to XPath; ValueError for an invalid CSS selector."""
    try:
        return HTMLTranslator().css_to_xpath(query)
    except Exception as exc:  # cssselect raises several types; all mean "invalid"
        raise ValueError(f"text_css is not a valid CSS selector: {query!r} ({exc})") from None


def bozo_reason(feed: Any) -> str:
    return str(feed.get("bozo_exception") or "no entries")[:200]


def digest(value: str) -> str:
    return "sha1-" + hashlib.sha1(value.encode()).hexdigest()


def entry_text(entry: Mapping[str, Any]) -> str:
    """The longest of the entry's contents and summary, as text."""
    candidates = [str(c.get("value") or "") for c in entry.get("content") or []]
    candidates.append(str(entry.get("summary") or ""))
    texts = [html_fragment_to_text(candidate) for candidate in candidates]
    return max(texts, key=len, default="")


def entry_time(entry: Mapping[str, Any]) -> str | None:
    """Published (else updated) time as ISO 8601 UTC; feedparser gives it as UTC."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not isinstance(parsed, time.struct_time):
        return None
    stamp = datetime(*parsed[:6], tzinfo=UTC)
    return stamp.isoformat(timespec="seconds")


def entry_images(entry: Mapping[str, Any]) -> list[str]:
    """Enclosure, media:content and media:thumbnail image URLs."""
    urls: list[str] = []
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            urls.append(str(link.get("href")))
    for key in ("media_content", "media_thumbnail"):
        urls += [str(m.get("url")) for m in entry.get(key) or [] if m.get("url")]
    return [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))][:MAX_IMAGES]
