"""The item every Pantau spider yields: one post, in the shape ``store.upsert_post`` takes.

The stable fields are the ones of ``crawler.store.POST_FIELDS`` plus ``images``; the
others (``message_id``, ``views``, ``forwarded_from``, ``channel``; the social spiders'
``reactions``, ``comments``, ``shares``, ``kind`` and ``extra_text``); the
classifieds' and job boards' ``title``, ``price``, ``location``, ``site`` and ``extras``)
land in the stored post's ``extra`` column.
"""

from __future__ import annotations

import scrapy


class PostItem(scrapy.Item):
    """One crawled post.

    ``post_id`` is unique within ``platform`` (for Telegram: ``channel/123``);
    ``posted_at`` is ISO 8601 UTC or None; ``images`` is a list of absolute URLs.
    """

    platform = scrapy.Field()
    source = scrapy.Field()
    post_id = scrapy.Field()
    url = scrapy.Field()
    author = scrapy.Field()
    author_url = scrapy.Field()
    text = scrapy.Field()
    posted_at = scrapy.Field()
    images = scrapy.Field()
    message_id = scrapy.Field()
    channel = scrapy.Field()
    views = scrapy.Field()
    forwarded_from = scrapy.Field()
    # counts shown with a social post (None where the page does not show them)
    reactions = scrapy.Field()
    comments = scrapy.Field()
    shares = scrapy.Field()
    # "post", "listing" (Marketplace), "video" (TikTok), "tweet"...
    kind = scrapy.Field()
    # text the platform's JSON carries beside the caption (TikTok's on-screen stickers)
    extra_text = scrapy.Field()
    title = scrapy.Field()
    price = scrapy.Field()
    location = scrapy.Field()
    site = scrapy.Field()
    extras = scrapy.Field()
