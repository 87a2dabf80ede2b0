"""The item every Pantau spider yields: one post, in the shape ``store.upsert_post`` takes.

The stable fields are the ones of ``crawler.store.POST_FIELDS`` plus ``images``; the
others land in the stored post's ``extra`` column: Telegram's ``message_id``, ``views``,
``forwarded_from``, ``channel``; the classifieds' and job boards' ``title``, ``price``,
``location``, ``site``, and ``extras`` (a dict of platform details, such as a job board's
company profile, logo and screening questions).
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
    title = scrapy.Field()
    price = scrapy.Field()
    location = scrapy.Field()
    site = scrapy.Field()
    extras = scrapy.Field()
