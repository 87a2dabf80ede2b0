"""Spider for OLX Indonesia listings (job ads by category, region and keyword).

OLX Indonesia runs on OLX's "Panamera" platform, whose web client reads its search results
from a JSON API, ``/api/relevance/v4/search`` (the same schema family as the platform's
``relevance/v4/feed``): ``data`` holds the ads (``ad_id``, ``title``, ``description``,
``created_at_first``, ``price.value.display``, ``locations_resolved``, ``images``,
``parameters``, ``user_id``), ``metadata.next_page_url`` the next page. That is the first
way in. When the API does not answer with JSON (an error status, a changed format, a page
instead of data), the spider falls back to the HTML search page, reads the ``data-aut-id``
cards (``li[data-aut-id=itemBox]``: stable hooks, unlike the hashed class names) and
follows each card to its page for the full text (``[data-aut-id=itemDescriptionContent]``).

    scrapy crawl olx -a q=KEYWORD [-a category=ID] [-a location=ID] [-a via=api|html]
        [-a max_pages=N] [-a base_url=URL] [-a url=START_URL] [-a proxy=URL] -O out.jsonl
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import PostItem
from spiders.base import PantauSpider, parse_base_url
from spiders.text import element_text, html_fragment_to_text, tidy

_ID = re.compile(r"^[0-9]{1,12}$")
_IID = re.compile(r"-iid-([0-9]{1,15})")
_SLUG = re.compile(r"[^a-z0-9]+")
MAX_FIELD_CHARS = 500
MAX_IMAGES = 20
VIAS = ("api", "html")


class OlxSpider(PantauSpider):
    """OLX Indonesia ads for a keyword, category and region, newest first."""

    name = "olx"
    platform = "olx"
    default_base_url = "https://www.olx.co.id"

    def __init__(
        self,
        *args: Any,
        q: str | None = None,
        category: str | None = None,
        location: str | None = None,
        via: str = "api",
        url: str | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.query = tidy(q or "", 100)
        self.category = parse_id("category", category)
        self.location = parse_id("location", location)
        if via not in VIAS:
            raise ValueError(f"via must be one of {', '.join(VIAS)}, got {via!r}")
        if not (self.query or self.category or url):
            raise ValueError("give a keyword (-a q=...), a category (-a category=ID) or -a url=")
        self.via = via
        self.start_url = parse_base_url(url) if url else None
        self.proxy = parse_base_url(proxy) if proxy else None

    def default_source(self) -> str:
        return "olx-" + "-".join(filter(None, [self.category, self.location, self.query]))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.start_url:
            callback = self.parse_api if "/api/" in self.start_url else self.parse_html
            yield self.request(self.start_url, callback, page=1)
        elif self.via == "api":
            yield self.request(self.api_url(0), self.parse_api, errback=self.on_api_error, page=1)
        else:
            yield self.request(self.html_url(), self.parse_html, page=1)

    def request(
        self, url: str, callback: Any, errback: Any = None, **cb_kwargs: Any
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.on_fetch_error,
            cb_kwargs=cb_kwargs,
            meta={"proxy": self.proxy} if self.proxy else {},
        )

    def api_url(self, page: int) -> str:
        """The JSON search for this spider's keyword, category and region (pages from 0)."""
        params = {"category": self.category, "location": self.location, "query": self.query}
        query = {k: v for k, v in params.items() if v}
        query.update(page=str(page), platform="web-desktop", lang="id")
        return f"{self.base_url}/api/relevance/v4/search?{urlencode(query)}"

    def html_url(self) -> str:
        """The HTML search page (``/lowongan_c<category>/q-<keyword>`` style paths)."""
        path = f"/items_c{self.category}" if self.category else "/items"
        if self.query:
            path += "/q-" + _SLUG.sub("-", self.query.lower()).strip("-")
        return self.base_url + path

    # The JSON API -------------------------------------------------------------------

    def parse_api(self, response: Response, page: int = 1) -> Iterator[Any]:
        """Ads of one API page, then the next page; not JSON: the HTML fallback."""
        document = load_json(response)
        if not isinstance(document, Mapping) or not isinstance(document.get("data"), list):
            self.logger.warning("the search API at %s gave no ad list; reading HTML", response.url)
            self.count("api_unusable")
            yield self.request(self.html_url(), self.parse_html, page=1)
            return
        self.count("pages")
        items = list(self.api_items(document["data"]))
        yield from items
        next_url = (document.get("metadata") or {}).get("next_page_url")
        if isinstance(next_url, str) and self.may_page(items, page):
            yield self.request(self.rebase(next_url), self.parse_api, page=page + 1)

    def api_items(self, ads: list[Any]) -> Iterator[PostItem]:
        for ad in ads:
            try:
                yield self.api_item(ad)
            except (KeyError, TypeError, ValueError) as exc:
                self.logger.warning("skipped an ad the API gave: %s", exc)
                self.count("ads_skipped")

    def api_item(self, ad: Any) -> PostItem:
        if not isinstance(ad, Mapping):
            raise TypeError(f"an ad must be an object, not {type(ad).__name__}")
        ad_id = str(ad.get("ad_id") or ad["id"])
        if not _ID.match(ad_id):
            raise ValueError(f"ad id {ad_id!r} is not a number")
        title = tidy(str(ad.get("title") or ""), MAX_FIELD_CHARS)
        body = html_fragment_to_text(str(ad.get("description") or ""))
        user = str(ad.get("user_id") or "") or None
        return self.build_item(
            post_id=ad_id,
            url=f"{self.base_url}/item/{slug(title)}-iid-{ad_id}",
            title=title,
            text=join_title(title, body),
            author=user,
            author_url=f"{self.base_url}/profile/{user}" if user else None,
            posted_at=iso_utc(ad.get("created_at_first") or ad.get("created_at")),
            images=api_images(ad.get("images")),
            price=nested(ad, "price", "value", "display"),
            location=api_location(ad.get("locations_resolved")),
            extras=api_extras(ad),
        )

    def on_api_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """The API refused (after Scrapy's retries): try the HTML search page."""
        self.logger.warning("the search API failed (%s); reading HTML", failure.getErrorMessage())
        self.count("api_failed")
        if failure.check(HttpError) and failure.value.response.status == 429:
            self.blocked("rate limit (HTTP 429)", failure.value.response.url)
        yield self.request(self.html_url(), self.parse_html, page=1)

    # The HTML fallback ----------------------------------------------------------------

    def parse_html(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        """Cards of one HTML search page: a request for each card's own page."""
        if not isinstance(response, TextResponse):
            self.fail(f"{response.url} is not a web page")
        cards = response.css("li[data-aut-id=itemBox]")
        if not cards and not response.css("[data-aut-id=itemsList]"):
            self.fail(f"{response.url} is not an OLX search page (no data-aut-id=itemsList)")
        self.count("pages")
        records = [r for r in (card_record(c, response) for c in cards) if r]
        self.count("cards_skipped", len(cards) - len(records))
        for record in records:
            yield self.request(
                self.rebase(record["url"]),
                self.parse_item_page,
                errback=self.on_item_page_error,
                record=record,
            )
        if self.may_page_ids([r["post_id"] for r in records], page):
            link = response.css("[data-aut-id=btnLoadMore]::attr(href), a[rel=next]::attr(href)")
            if link:
                url = self.rebase(response.urljoin(link.get("")))
                yield self.request(url, self.parse_html, page=page + 1)

    def parse_item_page(self, response: Response, record: dict[str, Any]) -> PostItem:
        """The ad completed with the full text of its own page."""
        if isinstance(response, TextResponse):
            record = {**record, **item_page_fields(response)}
        else:
            self.count("item_pages_unreadable")
        return self.record_item(record)

    def on_item_page_error(self, failure: Failure) -> list[PostItem]:
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning("could not fetch %s: %s", request.url, failure.getErrorMessage())
        self.count("item_pages_failed")
        return [self.record_item(request.cb_kwargs["record"])]

    def record_item(self, record: Mapping[str, Any]) -> PostItem:
        title = record.get("title") or ""
        return self.build_item(
            post_id=record["post_id"],
            url=self.rebase(record["url"]),
            title=title,
            text=join_title(title, record.get("text", "")),
            author=record.get("author"),
            author_url=record.get("author_url"),
            posted_at=record.get("posted_at"),
            images=record.get("images", []),
            price=record.get("price"),
            location=record.get("location"),
            extras={"category_id": record.get("category_id"), "via": "html"},
        )

    # Shared ---------------------------------------------------------------------------

    def rebase(self, url: str) -> str:
        """A URL of OLX's own hosts moved to ``base_url`` (the API answers with absolute
        URLs of its host); other URLs unchanged."""
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith(("olx.co.id", "olx.com.tr")):
            return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return url

    def may_page(self, items: list[PostItem], page: int) -> bool:
        return self.may_page_ids([str(item["post_id"]) for item in items], page)

    def may_page_ids(self, ids: list[str], page: int) -> bool:
        """True unless the page limit is reached or the page holds a stored ad."""
        if page >= self.max_pages or not ids:
            return False
        if self.seen_before(ids):
            self.logger.info("page %d holds ads stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return False
        return True


def parse_id(name: str, value: str | None) -> str | None:
    """A numeric OLX category or region id; ValueError otherwise."""
    if value is None or value == "":
        return None
    if not _ID.match(value.strip()):
        raise ValueError(f"{name} must be a numeric OLX id, got {value!r}")
    return value.strip()


def load_json(response: Response) -> Any:
    """The response body as JSON, or None (not text, not JSON)."""
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None


def slug(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")[:80] or "iklan"


def join_title(title: str, body: str) -> str:
    """The text stored and classified: the title, then the body when it adds something."""
    if not body or body == title:
        return title
    return body if not title or body.startswith(title) else f"{title}\n\n{body}"


def iso_utc(value: Any) -> str | None:
    """An API date (``2023-10-30T23:55:43-06:00`` or ``...+0000``) as ISO 8601 UTC."""
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


def nested(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...`` or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def api_images(images: Any) -> list[str]:
    """The largest URL of each image (``big``, then ``url``)."""
    urls: list[str] = []
    for image in images if isinstance(images, list) else []:
        url = nested(image, "big", "url") or nested(image, "url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            urls.append(url)
    return urls[:MAX_IMAGES]


def api_location(resolved: Any) -> str | None:
    """Sub-district, city and province names from ``locations_resolved``."""
    if not isinstance(resolved, Mapping):
        return None
    levels = ("SUBLOCALITY_LEVEL_1_name", "ADMIN_LEVEL_3_name", "ADMIN_LEVEL_1_name")
    names = [str(resolved[k]) for k in levels if resolved.get(k)]
    return ", ".join(dict.fromkeys(names)) or None


def api_extras(ad: Mapping[str, Any]) -> dict[str, Any]:
    """The ad's category, seller type, verification and its parameters (job type, salary
    range, education... as ``key_name: formatted_value``)."""
    parameters = {}
    for parameter in ad.get("parameters") or []:
        if isinstance(parameter, Mapping) and parameter.get("key_name"):
            value = parameter.get("formatted_value") or parameter.get("value_name")
            parameters[tidy(str(parameter["key_name"]), 100)] = tidy(str(value or ""), 200)
    return {
        "category_id": ad.get("category_id"),
        "user_type": ad.get("user_type"),
        "kyc_verified": ad.get("is_kyc_verified_user"),
        "parameters": parameters,
        "via": "api",
    }


def card_record(card: Selector, response: TextResponse) -> dict[str, Any] | None:
    """What an HTML result card shows (no text: that is on the ad's page); None without a
    link holding the ad id."""
    href = card.css("a::attr(href)").get()
    match = _IID.search(href or "")
    if not href or not match:
        return None
    return {
        "post_id": match.group(1),
        "url": response.urljoin(href),
        "title": tidy(" ".join(card.css("[data-aut-id=itemTitle] ::text").getall()), 500),
        "price": tidy(" ".join(card.css("[data-aut-id=itemPrice] ::text").getall()), 100),
        "location": tidy(" ".join(card.css("[data-aut-id=item-location] ::text").getall()), 200),
        "images": [
            response.urljoin(src)
            for src in card.css("figure[data-aut-id=itemImage] > img::attr(src)").getall()
        ][:MAX_IMAGES],
        "category_id": card.attrib.get("data-aut-category-id"),
    }


def item_page_fields(response: TextResponse) -> dict[str, Any]:
    """Title, full text, price, place, seller and date from an ad's own page."""
    description = response.css("[data-aut-id=itemDescriptionContent]")
    fields = {
        "title": tidy(" ".join(response.css("[data-aut-id=itemTitle] ::text").getall()), 500),
        "text": element_text(description[0].root) if description else "",
        "price": tidy(" ".join(response.css("[data-aut-id=itemPrice] ::text").getall()), 100),
        "location": tidy(" ".join(response.css("[data-aut-id=itemLocation] ::text").getall()), 200),
        "author": tidy(" ".join(response.css("[data-aut-id=profileCard] ::text").getall()), 200),
        "posted_at": iso_utc(response.css("[data-aut-id=itemCreationDate]::attr(datetime)").get()),
    }
    profile = response.css("[data-aut-id=profileCard] a::attr(href)").get()
    if profile:
        fields["author_url"] = response.urljoin(profile)
    return {k: v for k, v in fields.items() if v}
