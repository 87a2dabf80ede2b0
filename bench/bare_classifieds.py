"""Baseline for the classifieds benchmark: the least a Scrapy spider can do on the
replica's listing pages: two CSS selectors a listing and the next-page link; no other
fields, validation or storage.

    scrapy runspider bench/bare_classifieds.py -a url=URL -a max_pages=N
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response


class BareClassifiedsSpider(scrapy.Spider):
    name = "bare_classifieds"

    def __init__(self, url: str, max_pages: str = "1", **kw: Any) -> None:
        super().__init__(**kw)
        self.first_url, self.max_pages = url, int(max_pages)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.first_url, cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int) -> Iterator[Any]:
        for listing in response.css("li.cl-search-result"):
            yield {
                "url": response.urljoin(listing.css("a.posting-title::attr(href)").get()),
                "text": " ".join(listing.css("div.teaser ::text").getall()),
            }
        following = response.css("link[rel=next]::attr(href)").get()
        if following and page < self.max_pages:
            yield scrapy.Request(response.urljoin(following), cb_kwargs={"page": page + 1})
