"""StorePipeline and RunRecorder: built from settings, writing to a real SQLite file;
and whole crawls against the replica that must record runs and never duplicate posts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler import store
from crawler.config import Source
from crawler.extensions import RunRecorder, run_status
from crawler.items import PostItem
from crawler.pipelines import NOT_STORED_STAT, StorePipeline
from pantau.replica import serve_replica
from spiders.telegram import TelegramSpider
from tests.support.replica import make_spider, run_crawl

CHANNEL = "lokerluarnegeri_demo"


def post(number: int = 1, text: str = "Loker admin Kamboja gaji 15jt") -> PostItem:
    return PostItem(
        platform="telegram",
        source="demo",
        post_id=f"kanal/{number}",
        message_id=number,
        url=f"https://t.me/kanal/{number}",
        author="Kanal",
        author_url="https://t.me/kanal",
        text=text,
        posted_at="2026-03-01T01:00:00+00:00",
        images=[],
        views=10,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pantau.db"


@pytest.fixture
def pipeline(db_path: Path) -> Iterator[StorePipeline]:
    """A pipeline committing every post at once (the batching has its own tests)."""
    settings = {
        "PANTAU_DB": str(db_path),
        "PANTAU_MAX_TEXT_CHARS": 50,
        "PANTAU_STORE_BATCH_SIZE": 1,
    }
    crawler = get_crawler(TelegramSpider, settings)
    component = StorePipeline.from_crawler(crawler)
    component.open_spider()
    try:
        yield component
    finally:
        component.close_spider()


def stored(db_path: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with store.connect(db_path) as db:
        return list(db.query(sql, params or []))


@pytest.mark.parametrize("component", [StorePipeline, RunRecorder])
def test_components_switch_off_without_pantau_db(component: Any) -> None:
    with pytest.raises(NotConfigured):
        component.from_crawler(get_crawler(TelegramSpider, {}))


def test_pipeline_stores_a_new_post(pipeline: StorePipeline, db_path: Path) -> None:
    pipeline.process_item(post())
    assert stored(db_path, "SELECT key, text FROM posts") == [
        {"key": "telegram:kanal/1", "text": "Loker admin Kamboja gaji 15jt"}
    ]


def test_pipeline_updates_instead_of_duplicating(pipeline: StorePipeline, db_path: Path) -> None:
    pipeline.process_item(post())
    pipeline.process_item(post(text="Loker admin Kamboja gaji 20jt"))
    assert stored(db_path, "SELECT text FROM posts") == [{"text": "Loker admin Kamboja gaji 20jt"}]


def test_pipeline_counts_scraped_and_new(pipeline: StorePipeline) -> None:
    for item in (post(1), post(2), post(1)):
        pipeline.process_item(item)
    assert pipeline.stats.get_value("pantau/items_scraped") == 3
    assert pipeline.stats.get_value("pantau/items_new") == 2


def test_pipeline_caps_text(pipeline: StorePipeline) -> None:
    item = pipeline.process_item(post(text="x" * 80))
    assert len(item["text"]) == 50


def test_pipeline_stamps_the_run(pipeline: StorePipeline, db_path: Path) -> None:
    pipeline.stats.set_value("pantau/run_id", 7)
    pipeline.process_item(post())
    assert stored(db_path, "SELECT first_run_id FROM posts") == [{"first_run_id": 7}]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def batching(db_path: Path, clock: Clock) -> Iterator[StorePipeline]:
    """A pipeline committing 3 posts at a time, or after 5 seconds of its clock."""
    crawler = get_crawler(TelegramSpider, {"PANTAU_DB": str(db_path)})
    assert crawler.stats is not None
    component = StorePipeline(str(db_path), crawler.stats, 1000, 3, 5.0, clock)
    component.open_spider()
    try:
        yield component
    finally:
        component.close_spider()


def count_posts(db_path: Path) -> int:
    return int(stored(db_path, "SELECT count(*) AS n FROM posts")[0]["n"])


def test_a_batch_is_committed_when_full(batching: StorePipeline, db_path: Path) -> None:
    for number in (1, 2):
        batching.process_item(post(number))
    assert count_posts(db_path) == 0
    batching.process_item(post(3))
    assert count_posts(db_path) == 3


def test_a_batch_is_committed_when_its_oldest_post_waited(
    batching: StorePipeline, db_path: Path, clock: Clock
) -> None:
    batching.process_item(post(1))
    clock.now = 5.0
    batching.process_item(post(2))
    assert count_posts(db_path) == 2


def test_the_last_batch_is_committed_at_close(batching: StorePipeline, db_path: Path) -> None:
    batching.process_item(post(1))
    batching.close_spider()
    assert count_posts(db_path) == 1
    assert batching.stats.get_value("pantau/items_scraped") == 1


def test_a_batch_counts_new_posts_once(batching: StorePipeline) -> None:
    for item in (post(1), post(1), post(2)):
        batching.process_item(item)
    assert batching.stats.get_value("pantau/items_scraped") == 3
    assert batching.stats.get_value("pantau/items_new") == 2


def searchable(db_path: Path, words: str) -> list[str]:
    return [
        row["key"]
        for row in stored(
            db_path,
            "SELECT posts.key FROM posts_fts JOIN posts ON posts.rowid = posts_fts.rowid "
            "WHERE posts_fts MATCH ? ORDER BY posts.key",
            [store.fts_words(words)],
        )
    ]


def test_posts_are_indexed_for_search_once_at_close(batching: StorePipeline, db_path: Path) -> None:
    for number in (1, 2, 3):
        batching.process_item(post(number))
    assert count_posts(db_path) == 3
    assert searchable(db_path, "kamboja") == []
    batching.close_spider()
    assert searchable(db_path, "kamboja") == [f"telegram:kanal/{n}" for n in (1, 2, 3)]


def test_a_locked_database_keeps_the_batch_for_later(
    batching: StorePipeline, db_path: Path
) -> None:
    blocker = sqlite3.connect(db_path, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    batching.db.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]
    try:
        for number in (1, 2, 3):
            batching.process_item(post(number))
        assert len(batching.pending) == 3
    finally:
        blocker.rollback()
        blocker.close()
    batching.close_spider()
    assert count_posts(db_path) == 3


def recorder_for(db_path: Path) -> tuple[RunRecorder, TelegramSpider]:
    spider = make_spider({"PANTAU_DB": str(db_path), "PANTAU_SOURCE": "demo"}, channel=CHANNEL)
    with store.connect(db_path) as db:
        store.sync_sources(db, [Source(name="demo", spider="telegram")])
    return RunRecorder.from_crawler(spider.crawler), spider


@pytest.mark.parametrize(
    ("reason", "status", "stored_reason"),
    [
        ("finished", "ok", "finished"),
        (
            "Telegram channel 'x' has no public preview",
            "failed",
            "Telegram channel 'x' has no public preview",
        ),
        ("shutdown", "failed", "shutdown"),
    ],
)
def test_recorder_records_the_outcome(
    db_path: Path, reason: str, status: str, stored_reason: str
) -> None:
    recorder, spider = recorder_for(db_path)
    recorder.spider_opened(spider)
    recorder.spider_closed(spider, reason)
    assert stored(db_path, "SELECT source, status, reason FROM runs") == [
        {"source": "demo", "status": status, "reason": stored_reason}
    ]


def test_recorder_shares_the_run_id(db_path: Path) -> None:
    recorder, spider = recorder_for(db_path)
    recorder.spider_opened(spider)
    try:
        assert spider.crawler.stats.get_value("pantau/run_id") == recorder.run_id == 1
    finally:
        recorder.spider_closed(spider, "finished")


def test_failed_run_marks_the_source(db_path: Path) -> None:
    recorder, spider = recorder_for(db_path)
    recorder.spider_opened(spider)
    recorder.spider_closed(spider, "no preview")
    assert stored(db_path, "SELECT last_status, last_error FROM sources") == [
        {"last_status": "failed", "last_error": "no preview"}
    ]


def walked(spider: TelegramSpider, number: int) -> None:
    """The spider builds the item of message ``number``, as when its walk reaches it."""
    fields = {k: v for k, v in post(number).items() if k not in ("platform", "source")}
    spider.build_item(**fields)


def fill_the_disk(db: Any) -> None:
    """Let the database grow no further: SQLite answers "database or disk is full", as on
    a full disk."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_post_the_store_refuses_is_counted_as_not_stored_at_close(
    pipeline: StorePipeline,
) -> None:
    """Posts are committed in batches: one the store still refuses when the spider closes
    is counted as not stored (which fails the run and keeps the watermark)."""
    assert pipeline.db is not None
    fill_the_disk(pipeline.db)
    big = post()
    big["images"] = [f"https://cdn.example.org/poster-{n:05}.jpg" for n in range(3000)]
    pipeline.process_item(big)
    pipeline.close_spider()
    assert pipeline.stats.get_value(NOT_STORED_STAT) == 1


def test_run_with_a_refused_post_fails_and_keeps_the_watermark(db_path: Path) -> None:
    recorder, spider = recorder_for(db_path)
    recorder.spider_opened(spider)
    walked(spider, 5)
    spider.crawler.stats.inc_value(NOT_STORED_STAT)
    recorder.spider_closed(spider, "finished")
    assert stored(db_path, "SELECT status, reason FROM runs") == [
        {"status": "failed", "reason": "1 post(s) could not be stored; see the log"}
    ]
    assert stored(db_path, "SELECT * FROM watermarks") == []


@pytest.mark.parametrize(
    ("reason", "errors", "watermark"),
    [
        ("finished", 0, [{"top": 9, "floor": 5}]),
        ("finished", 1, []),  # a page that raised may have cut the walk short
        ("shutdown", 0, []),
        ("closespider_timeout", 0, []),
    ],
)
def test_only_a_clean_finished_run_moves_the_watermark(
    db_path: Path, reason: str, errors: int, watermark: list[dict[str, int]]
) -> None:
    recorder, spider = recorder_for(db_path)
    recorder.spider_opened(spider)
    for number in (9, 7, 5):
        walked(spider, number)
    spider.crawler.stats.set_value("log_count/ERROR", errors)
    recorder.spider_closed(spider, reason)
    assert stored(db_path, "SELECT top, floor FROM watermarks WHERE source = 'demo'") == watermark


# Whole crawls -------------------------------------------------------------------------


@pytest.fixture
def site() -> Iterator[Any]:
    with serve_replica() as running:
        yield running


def crawl_into(site: Any, db_path: Path, channel: str = CHANNEL) -> None:
    settings = {"PANTAU_DB": str(db_path), "PANTAU_SOURCE": "demo"}
    result = run_crawl(site.base_url, channel, db_path.parent / "out.jsonl", settings=settings)
    assert result.returncode == 0, result.stderr


def test_crawl_records_an_ok_run_with_counts(site: Any, db_path: Path) -> None:
    crawl_into(site, db_path)
    assert stored(db_path, "SELECT status, reason, items_scraped, items_new FROM runs") == [
        {"status": "ok", "reason": "finished", "items_scraped": 14, "items_new": 14}
    ]


def test_crawled_posts_are_searchable_after_the_crawl(site: Any, db_path: Path) -> None:
    crawl_into(site, db_path)
    with store.connect(db_path) as db:
        texts = [row["text"] for row in db.query("SELECT text FROM posts")]
        assert store.count_rows(db, "posts_fts_pending") == 0
    assert len(searchable(db_path, "kamboja")) == sum("kamboja" in t.lower() for t in texts) > 0


def test_recrawl_never_duplicates_posts(site: Any, db_path: Path) -> None:
    crawl_into(site, db_path)
    crawl_into(site, db_path)
    assert stored(db_path, "SELECT count(*) AS n, count(DISTINCT key) AS k FROM posts") == [
        {"n": 14, "k": 14}
    ]
    assert stored(db_path, "SELECT items_new FROM runs ORDER BY id") == [
        {"items_new": 14},
        {"items_new": 0},
    ]


def test_crawl_of_channel_without_preview_fails_the_source(site: Any, db_path: Path) -> None:
    with store.connect(db_path) as db:
        store.sync_sources(db, [Source(name="demo", spider="telegram")])
    crawl_into(site, db_path, channel="tidak_ada_kanal")
    rows = stored(db_path, "SELECT last_status, last_error FROM sources")
    assert rows[0]["last_status"] == "failed"
    assert "has no public preview" in rows[0]["last_error"]


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("finished", "ok"),
        ("blocked: login wall at https://www.facebook.com/login", "blocked"),
        ("Could not fetch http://127.0.0.1:1/s/x: Connection refused", "failed"),
        ("shutdown", "failed"),
    ],
)
def test_run_status_from_close_reason(reason: str, status: str) -> None:
    assert run_status(reason) == status
