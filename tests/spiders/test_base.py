"""The base's incremental stop: ``seen_before`` answers whether a page reaches the
watermark (how far back finished runs read the source), for message ids and post times."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler import store
from spiders.base import PantauSpider


class TimeOrderedSpider(PantauSpider):
    """A platform whose posts carry only their time (the base's default position)."""

    name = "contoh"
    platform = "contoh"
    default_base_url = "https://contoh.example.org"


def spider_with_mark(tmp_path: Path, top: Any, floor: Any) -> TimeOrderedSpider:
    db_path = tmp_path / "pantau.db"
    if top is not None:
        with store.connect(db_path) as db:
            store.move_watermark(db, "contoh", top, floor, run_id=1)
    crawler = get_crawler(TimeOrderedSpider, {"PANTAU_DB": str(db_path)})
    spider = TimeOrderedSpider.from_crawler(crawler)
    crawler.spider = spider
    return spider


def built(spider: PantauSpider, *times: str) -> list[str]:
    """Post ids of items built for a page of posts at ``times``."""
    ids = [f"p{n}" for n in range(len(times))]
    for post_id, posted in zip(ids, times, strict=True):
        spider.build_item(
            post_id=post_id, url=f"https://contoh.example.org/{post_id}", posted_at=posted
        )
    return ids


@pytest.mark.parametrize(
    ("top", "page", "stops"),
    [
        (None, ["2026-03-02T10:00:00+00:00"], False),  # no finished run yet
        ("2026-03-01T12:00:00+00:00", ["2026-03-02T10:00:00+00:00"], False),
        (
            "2026-03-01T12:00:00+00:00",
            ["2026-03-02T10:00:00+00:00", "2026-03-01T12:00:00+00:00"],
            True,
        ),
        ("2026-03-01T12:00:00+00:00", ["2026-03-01T08:00:00+00:00"], True),
    ],
)
def test_seen_before_is_true_only_at_the_watermark(
    tmp_path: Path, top: str | None, page: list[str], stops: bool
) -> None:
    spider = spider_with_mark(tmp_path, top, "2026-02-01T00:00:00+00:00")
    assert spider.seen_before(built(spider, *page)) is stops


def test_a_stored_post_above_the_watermark_does_not_stop_the_walk(tmp_path: Path) -> None:
    spider = spider_with_mark(tmp_path, "2026-03-01T12:00:00+00:00", "2026-02-01T00:00:00+00:00")
    ids = built(spider, "2026-03-02T10:00:00+00:00")
    with store.connect(tmp_path / "pantau.db") as db:  # stored by a run that was then killed
        store.upsert_post(db, {"platform": "contoh", "post_id": ids[0], "url": "u", "text": ""})
    assert spider.seen_before(ids) is False


def test_the_walked_range_goes_into_the_stats(tmp_path: Path) -> None:
    spider = spider_with_mark(tmp_path, None, None)
    built(spider, "2026-03-02T10:00:00+00:00", "2026-03-01T09:00:00+00:00")
    stats = spider.crawler.stats
    assert stats.get_value("pantau/walk_top") == "2026-03-02T10:00:00+00:00"
    assert stats.get_value("pantau/walk_floor") == "2026-03-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("posted", "stops"),
    [("2026-03-01T08:00:00+00:00", True), ("2026-03-02T10:00:00+00:00", False)],
    ids=["stored-below-the-mark", "stored-above-the-mark"],
)
def test_seen_before_of_ids_not_built_in_this_run_reads_the_stored_posts(
    tmp_path: Path, posted: str, stops: bool
) -> None:
    spider = spider_with_mark(tmp_path, "2026-03-01T12:00:00+00:00", "2026-02-01T00:00:00+00:00")
    with store.connect(tmp_path / "pantau.db") as db:
        item = {"platform": "contoh", "post_id": "lama", "url": "u", "posted_at": posted}
        store.upsert_post(db, item)
    assert spider.seen_before(["lama", "baru"]) is stops
