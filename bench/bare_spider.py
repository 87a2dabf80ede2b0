"""Baseline for the crawl benchmark: the least a Scrapy spider can do on t.me/s pages.

It reads each message's id and text with two CSS selectors and follows ``?before=``;
no dates, media, forwarded-from, link targets, validation or storage.

    scrapy runspider bench/bare_spider.py -a base_url=URL -a channel=NAME -a max_pages=N
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response


class BareTelegramSpider(scrapy.Spider):
    name = "bare_telegram"

    def __init__(self, base_url: str, channel: str, max_pages: str = "1", **kw: Any) -> None:
        super().__init__(**kw)
        self.base_url, self.channel, self.max_pages = base_url, channel, int(max_pages)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/s/{self.channel}", cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int) -> Iterator[Any]:
        for block in response.css("div.tgme_widget_message"):
            text = " ".join(block.css(".tgme_widget_message_text ::text").getall())
            yield {"post_id": block.attrib.get("data-post"), "text": text}
        before = response.css("a.tme_messages_more::attr(data-before)").get()
        if before and page < self.max_pages:
            url = f"{self.base_url}/s/{self.channel}?before={before}"
            yield scrapy.Request(url, cb_kwargs={"page": page + 1})
