"""Spider for any classifieds or job site, driven by a site file (``crawler.sites``).

The operator describes the site in TOML (start pages, the selector of one listing, the
selectors of its fields, the next-page link, optionally the fields of each listing's own
page); this spider walks the listing pages up to ``max_pages``, follows each listing's
link when the site file has a ``[detail.fields]`` table, and yields one ``PostItem`` per
listing. No code per site.

    scrapy crawl classifieds -a site=spiders/sites/FILE.toml [-a base_url=URL]
        [-a url=START_URL] [-a max_pages=N] [-a proxy=URL] [-a browser=true] -O out.jsonl

``base_url`` moves the whole site: start pages and every absolute link to the site
file's origin are rewritten to it (tests point it at a loopback replica of the real
pages); links to other hosts are never followed. ``url`` replaces the start pages with
one page. A listing's ``post_id`` is ``<site name>/<id field or URL path>``. With
``browser = true`` in the site file (or ``-a browser=true``) the list and listing pages are
rendered in Chromium behind the network fence (``crawler.browser_pages``), for sites whose
listings are put in the page by script.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml.etree import XPath
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import PostItem
from crawler.sites import FieldSpec, Site, SiteFileError, parse_date, parse_site_file
from spiders.base import PantauSpider, parse_base_url
from spiders.text import element_text, tidy

MAX_FIELD_CHARS = 2_000
MAX_IMAGES = 20
_CSS = HTMLTranslator()


class ClassifiedsSpider(PantauSpider):
    """Listings of one site described by a site file."""

    name = "classifieds"
    platform = "classifieds"

    def __init__(
        self,
        *args: Any,
        site: str | None = None,
        url: str | None = None,
        proxy: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            self.site = load_site(site)
            super().__init__(*args, base_url=base_url or self.site.origin, **kwargs)
            self.browser = self.browser or self.site.browser
            self.start_url = parse_base_url(url) if url else None
            self.proxy = parse_base_url(proxy) if proxy else None
        except (SiteFileError, ValueError) as exc:
            # Reported by ``start`` as one line (and a failed run), not as a traceback.
            self.setup_error: str | None = str(exc)
            self.site = UNUSABLE
            super().__init__(*args, base_url=self.site.origin, **kwargs)
            self.start_url = self.proxy = None
        else:
            self.setup_error = None
        self.allowed_domains = [*self.site.allowed_domains, urlsplit(self.base_url).hostname]

    def default_source(self) -> str:
        return self.site.name

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.setup_error:
            self.fail(self.setup_error)
        urls = [self.rebase(u) for u in self.site.start_urls]
        for url in [self.start_url] if self.start_url else urls:
            yield self.request(url, self.parse, errback=self.on_fetch_error, page=1)

    def request(self, url: str, callback: Any, errback: Any, **cb_kwargs: Any) -> scrapy.Request:
        meta = {"proxy": self.proxy} if self.proxy else {}
        return scrapy.Request(
            url, callback=callback, errback=errback, cb_kwargs=cb_kwargs, meta=meta
        )

    def rebase(self, url: str) -> str:
        """``url`` moved from the site file's origin to ``base_url`` (unchanged otherwise)."""
        origin = self.site.origin
        if self.base_url != origin and (url == origin or url.startswith(origin + "/")):
            return self.base_url + url[len(origin) :]
        return url

    def parse(self, response: Response, page: int = 1) -> Iterator[PostItem | scrapy.Request]:
        """Listings of one page (items, or requests for their pages), then the next page."""
        if not isinstance(response, TextResponse):
            self.fail(f"{response.url} is not a web page ({response.headers.get('Content-Type')})")
        self.check_blocked(response)
        records = list(self.read_listings(response))
        self.count("pages")
        for record in records:
            yield self.detail_request(record) if self.site.detail_fields else self.item(record)
        next_request = self.next_page(response, records, page)
        if next_request is not None:
            yield next_request

    def check_blocked(self, response: TextResponse) -> None:
        if self.site.blocked is not None and select(response, self.site.blocked):
            self.blocked("login, CAPTCHA or rate-limit page (site file 'blocked')", response.url)

    def read_listings(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        """One record per listing; listings without a link are logged and counted."""
        nodes = select(response, self.site.item)
        if not nodes:
            self.logger.warning("no listing matched %r on %s", self.site.item.query, response.url)
            self.count("pages_without_listings")
        for node in nodes:
            record = self.read_fields(node, self.site.fields, response)
            if not record.get("url"):
                self.logger.warning("skipped a listing without a link on %s", response.url)
                self.count("listings_skipped")
                continue
            yield record

    def read_fields(
        self, node: Selector, specs: Mapping[str, FieldSpec], response: TextResponse
    ) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name, spec in specs.items():
            value = self.read_field(name, select_values(node, spec), spec, response)
            if value:
                record[name] = value
        return record

    def read_field(
        self, name: str, values: list[str], spec: FieldSpec, response: TextResponse
    ) -> Any:
        if name == "images":
            urls = [self.rebase(response.urljoin(v.strip())) for v in values if v.strip()]
            return list(dict.fromkeys(urls))[:MAX_IMAGES]
        if name == "text":
            return tidy("\n".join(values))
        first = next((v for v in (tidy(v, MAX_FIELD_CHARS) for v in values) if v), "")
        if name == "url" and first:
            return self.rebase(response.urljoin(first))
        if name == "posted_at" and first:
            return self.read_date(first, spec)
        return first

    def read_date(self, value: str, spec: FieldSpec) -> str | None:
        stamp = parse_date(value, spec.date_format, self.site.timezone)
        if stamp is None:
            self.logger.debug("unreadable date %r (format %r)", value, spec.date_format)
            self.count("dates_unreadable")
        return stamp

    def detail_request(self, record: dict[str, Any]) -> scrapy.Request:
        return self.request(
            record["url"], self.parse_detail, errback=self.on_detail_error, record=record
        )

    def parse_detail(self, response: Response, record: dict[str, Any]) -> PostItem:
        """The listing completed with the fields read on its own page."""
        self.count("details")
        if not isinstance(response, TextResponse):
            self.count("details_unreadable")
            return self.item(record)
        self.check_blocked(response)
        found = self.read_fields(response.selector, self.site.detail_fields, response)
        return self.item({**record, **found, "url": record["url"]})

    def on_detail_error(self, failure: Failure) -> Iterable[PostItem]:
        """A listing page that cannot be fetched: keep what the list showed."""
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning("could not fetch %s: %s", request.url, failure.getErrorMessage())
        self.count("details_failed")
        return [self.item(request.cb_kwargs["record"])]

    def item(self, record: dict[str, Any]) -> PostItem:
        title, body = record.get("title"), record.get("text", "")
        text = body if not title or title in body else f"{title}\n\n{body}".strip()
        return self.build_item(
            post_id=self.post_id(record),
            url=record["url"],
            title=title,
            text=text,
            author=record.get("author"),
            posted_at=record.get("posted_at"),
            images=record.get("images", []),
            price=record.get("price"),
            location=record.get("location"),
            site=self.site.name,
        )

    def post_id(self, record: Mapping[str, Any]) -> str:
        return f"{self.site.name}/{record.get('id') or listing_id(record['url'])}"

    def next_page(
        self, response: TextResponse, records: list[dict[str, Any]], page: int
    ) -> scrapy.Request | None:
        """The next listing page, unless the limit, the end or a stored listing stops us."""
        if self.site.next_page is None or page >= self.max_pages:
            return None
        link = next((v.strip() for v in select_values(response, self.site.next_page)), "")
        if not link:
            return None
        ids = [self.post_id(record) for record in records]
        if self.seen_before(ids):
            self.logger.info("page %d holds listings stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return None
        url = self.rebase(response.urljoin(link))
        return self.request(url, self.parse, errback=self.on_fetch_error, page=page + 1)


# Stands in for a site file that could not be read, until ``start`` reports why.
UNUSABLE = Site(
    path="",
    name="unusable",
    start_urls=("http://unusable.invalid",),
    item=FieldSpec("*"),
    fields={},
)


def load_site(path: str | None) -> Site:
    """The checked site file at ``path``; ``SiteFileError`` when it is missing or wrong."""
    if not path:
        raise SiteFileError("(none)", "site", "give the site file: -a site=FILE.toml")
    return parse_site_file(path)


@lru_cache(maxsize=1024)  # asked twice a listing: for its item and for the page's stop check
def listing_id(url: str) -> str:
    """The path (and query) of a listing URL: stable when the host moves."""
    parts = urlsplit(url)
    return (parts.path + (f"?{parts.query}" if parts.query else "")).strip("/") or url


def select(node: Selector | TextResponse, spec: FieldSpec) -> list[Selector]:
    """The nodes ``spec`` matches under ``node``."""
    found = node.xpath(spec.query) if spec.is_xpath else node.css(spec.query)
    return list(found)


def select_values(node: Selector | TextResponse, spec: FieldSpec) -> list[str]:
    """Strings ``spec`` matches: attribute and text values as they are, elements as their
    readable text (without the parts ``spec.remove`` names).

    Evaluated with lxml directly (the selector compiled once per run): building parsel
    objects for every field of every listing made the spider much slower than a bare one.
    """
    root = node.selector.root if isinstance(node, TextResponse) else node.root
    values: list[str] = []
    for found in compiled(spec.query, spec.is_xpath)(root):
        if isinstance(found, HtmlElement):
            values.append(element_text(without(found, spec.remove)))
        elif isinstance(found, str):
            values.append(found)
    return values


@lru_cache(maxsize=512)
def compiled(query: str, is_xpath: bool) -> XPath:
    """``query`` as a compiled XPath, CSS translated as parsel translates it."""
    return XPath(query if is_xpath else _CSS.css_to_xpath(query), smart_strings=False)


def without(element: HtmlElement, remove: tuple[str, ...]) -> HtmlElement:
    """A copy of ``element`` without the descendants matching the CSS selectors ``remove``."""
    if not remove:
        return element
    clone = copy.deepcopy(element)
    for query in remove:
        for bad in clone.xpath(_CSS.css_to_xpath(query, prefix="descendant::")):
            bad.drop_tree()
    return clone
