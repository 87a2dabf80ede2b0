"""The WARC record of a crawl: every exchange as it came over the wire, kept with the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler import store
from crawler.warc import WarcRecorder
from pantau.replica import serve_replica
from tests.support.replica import run_crawl

CHANNEL = "lokerluarnegeri_demo"


def test_recorder_switches_off_without_a_folder() -> None:
    # Without a message: Scrapy would log it as a warning on every crawl.
    with pytest.raises(NotConfigured) as raised:
        WarcRecorder.from_crawler(get_crawler())
    assert raised.value.args == ()


def test_crawl_writes_one_warc_with_every_page_and_keeps_it_with_the_run(tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    settings = {"PANTAU_DB": str(db_path), "PANTAU_WARC_DIR": str(tmp_path / "warc")}
    with serve_replica() as site:
        result = run_crawl(site.base_url, CHANNEL, tmp_path / "out.jsonl", settings=settings)
    assert result.returncode == 0, result.stderr
    [warc] = (tmp_path / "warc").glob("telegram-*.warc.gz")
    with store.connect(db_path) as db:
        assert [r["warc_path"] for r in db.query("SELECT warc_path FROM runs")] == [str(warc)]
    with warc.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]
    assert records[0][0] == "warcinfo"
    responses = {uri: body for kind, uri, body in records if kind == "response"}
    assert set(responses) == {
        f"{site.base_url}/s/{CHANNEL}",
        f"{site.base_url}/s/{CHANNEL}?before=108",
    }
    assert all(b"tgme_widget_message" in body for body in responses.values())
    assert sum(kind == "request" for kind, _, _ in records) == 2
