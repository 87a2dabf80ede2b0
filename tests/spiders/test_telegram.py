"""The telegram spider: parse callbacks on replica pages and on the real pages in
../shared, and real ``scrapy crawl`` runs against the replica server."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import CloseSpider

from crawler import store
from crawler.items import PostItem
from pantau.replica import (
    Channel,
    load_channel,
    page_of,
    render_channel_page,
    render_contact_page,
    serve_replica,
)
from spiders.telegram import (
    TelegramSpider,
    clean_href,
    message_images,
    message_text,
    message_time,
    parse_count,
)
from tests.support.http import Reply, serve
from tests.support.replica import (
    SHARED_TELEGRAM,
    html_response,
    make_spider,
    read_jsonl,
    run_crawl,
    run_spider,
)

BASE = "http://replica.test"
CHANNEL = "lokerluarnegeri_demo"


@pytest.fixture(scope="module")
def channel() -> Channel:
    return load_channel()


@pytest.fixture(scope="module")
def newest(channel: Channel) -> dict[int, PostItem]:
    """Items of the replica's newest page and of its older page, by message id."""
    items: dict[int, PostItem] = {}
    for before in (None, 108):
        spider = make_spider(channel=CHANNEL, base_url=BASE)
        page = html_response(f"{BASE}/s/{CHANNEL}", render_channel_page(channel, BASE, before))
        items.update({i["message_id"]: i for i in spider.parse(page) if isinstance(i, PostItem)})
    return items


def parse_all(spider: TelegramSpider, body: str | bytes, url: str = f"{BASE}/s/x") -> list[Any]:
    return list(spider.parse(html_response(url, body)))


# Fields, on the replica pages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("message_id", "field", "expected"),
    [
        (102, "post_id", f"{CHANNEL}/102"),
        (102, "url", f"{BASE}/{CHANNEL}/102"),
        (102, "author", "Info Loker Luar Negeri"),
        (102, "author_url", f"{BASE}/{CHANNEL}"),
        (102, "posted_at", "2026-03-01T03:25:00+00:00"),
        (102, "views", 8100),
        (102, "platform", "telegram"),
        (102, "source", CHANNEL),
        (102, "channel", CHANNEL),
        (102, "forwarded_from", None),
        (101, "views", 12400),
        (109, "views", 11000),
        (108, "author", "Pak Darto Rekrut"),
        (104, "text", ""),
        (104, "images", [f"{BASE}/img/poster_kamboja.png"]),
        (112, "images", [f"{BASE}/img/video_sihanoukville.png"]),
        (109, "images", [f"{BASE}/img/poster_myawaddy.png", f"{BASE}/img/mess_myawaddy.png"]),
        (
            106,
            "forwarded_from",
            {"name": "Kabar Migran Indonesia", "url": "https://t.me/kabarmigran_id/2210"},
        ),
    ],
)
def test_replica_fields(
    newest: dict[int, PostItem], message_id: int, field: str, expected: object
) -> None:
    assert newest[message_id][field] == expected


def test_every_replica_post_is_extracted(newest: dict[int, PostItem], channel: Channel) -> None:
    assert sorted(newest) == [post.id for post in channel.posts]


def test_line_breaks_are_kept(newest: dict[int, PostItem]) -> None:
    assert (
        newest[102]["text"].splitlines()[1] == "Posisi: ADMIN / CS online di Phnom Penh, Kamboja 🇰🇭"
    )


def test_link_target_is_kept_next_to_its_label(newest: dict[int, PostItem]) -> None:
    assert "situs resmi BP2MI (https://bp2mi.go.id/berita/eps-topik-2026)" in newest[101]["text"]


def test_nested_album_caption_is_taken_once(newest: dict[int, PostItem]) -> None:
    assert newest[109]["text"].count("OPERATOR KETIK CEPAT") == 1


def test_script_in_a_post_stays_text(newest: dict[int, PostItem]) -> None:
    assert "berisi kode seperti <script>alert('x')</script> & sejenisnya" in newest[110]["text"]


def test_double_escaped_ampersand_becomes_plain(newest: dict[int, PostItem]) -> None:
    text = newest[111]["text"]
    assert "(https://lowongan.example.id/cari?negara=jepang&sektor=perawat&hal=1)" in text
    assert "&amp;" not in text


def test_source_setting_overrides_channel(channel: Channel) -> None:
    spider = make_spider({"PANTAU_SOURCE": "kanal-demo"}, channel=CHANNEL, base_url=BASE)
    items = parse_all(spider, render_channel_page(channel, BASE))
    assert {item["source"] for item in items if isinstance(item, PostItem)} == {"kanal-demo"}


# Paging -------------------------------------------------------------------------------


def test_newest_page_asks_for_the_older_page(channel: Channel) -> None:
    spider = make_spider(channel=CHANNEL, base_url=BASE, max_pages=2)
    requests = [
        r
        for r in parse_all(spider, render_channel_page(channel, BASE))
        if isinstance(r, scrapy.Request)
    ]
    assert [r.url for r in requests] == [f"{BASE}/s/{CHANNEL}?before=108"]


def test_max_pages_one_stops_after_the_first_page(channel: Channel) -> None:
    spider = make_spider(channel=CHANNEL, base_url=BASE)
    output = parse_all(spider, render_channel_page(channel, BASE))
    assert not [r for r in output if isinstance(r, scrapy.Request)]


def test_last_page_has_no_next_request(channel: Channel) -> None:
    spider = make_spider(channel=CHANNEL, base_url=BASE, max_pages=5)
    output = list(
        spider.parse(
            html_response(
                f"{BASE}/s/{CHANNEL}?before=108", render_channel_page(channel, BASE, 108)
            ),
            page=2,
        )
    )
    assert len(output) == 7 and all(isinstance(i, PostItem) for i in output)


def test_next_page_uses_canonical_name_from_data_post(channel: Channel) -> None:
    spider = make_spider(channel="LokerLuarNegeri_Demo", base_url=BASE, max_pages=2)
    output = parse_all(spider, render_channel_page(channel, BASE))
    assert output[-1].url == f"{BASE}/s/{CHANNEL}?before=108"
    assert output[0]["post_id"].startswith(f"{CHANNEL}/")


# Small parsers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("999", 999),
        ("2.5K", 2500),
        ("1K", 1000),
        ("214.4K", 214400),
        ("1.2M", 1_200_000),
        ("", None),
        (None, None),
        ("n/a", None),
    ],
)
def test_parse_count(raw: str | None, expected: int | None) -> None:
    assert parse_count(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-01T08:10:00+07:00", "2026-03-01T01:10:00+00:00"),
        ("2023-02-28T16:38:34+00:00", "2023-02-28T16:38:34+00:00"),
        ("2023-02-28T16:38:34", "2023-02-28T16:38:34+00:00"),
        ("", None),
        ("kemarin", None),
    ],
)
def test_message_time_is_iso_utc(raw: str, expected: str | None) -> None:
    block = scrapy.Selector(
        text=f'<div><a class="tgme_widget_message_date"><time datetime="{raw}"></time></a></div>'
    )
    assert message_time(block) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://a.id/?x=1&y=2", "https://a.id/?x=1&y=2"),
        ("https://a.id/?x=1&amp;y=2", "https://a.id/?x=1&y=2"),
        ("https://a.id/?x=1&amp;amp;y=2", "https://a.id/?x=1&y=2"),
        (None, ""),
    ],
)
def test_clean_href(href: str | None, expected: str) -> None:
    assert clean_href(href) == expected


@pytest.mark.parametrize("channel_arg", [None, "", "a b", "../etc", "x" * 65, "t.me/x"])
def test_invalid_channel_argument_is_refused(channel_arg: str | None) -> None:
    with pytest.raises(ValueError, match="channel"):
        TelegramSpider(channel=channel_arg)


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ({"max_pages": "0"}, "max_pages"),
        ({"max_pages": "dua"}, "max_pages"),
        ({"base_url": "ftp://x"}, "base_url"),
    ],
)
def test_invalid_arguments_are_refused(args: dict[str, str], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        TelegramSpider(channel=CHANNEL, **args)


# Failures -----------------------------------------------------------------------------


def test_contact_page_closes_the_spider_with_a_sentence() -> None:
    spider = make_spider(channel="tidak_ada", base_url=BASE)
    with pytest.raises(CloseSpider) as raised:
        parse_all(spider, render_contact_page("tidak_ada"), f"{BASE}/tidak_ada")
    assert raised.value.reason.startswith("Telegram channel 'tidak_ada' has no public preview")


def test_block_without_data_post_is_skipped_and_counted(
    channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    page = render_channel_page(channel, BASE).replace(f'data-post="{CHANNEL}/110"', "", 1)
    spider = make_spider(channel=CHANNEL, base_url=BASE)
    with caplog.at_level(logging.WARNING):
        items = parse_all(spider, page)
    assert [i["message_id"] for i in items] == [108, 109, 111, 112, 113, 114]
    assert spider.crawler.stats.get_value("telegram/messages_skipped") == 1
    assert "without a valid data-post" in caplog.text


def test_truncated_page_yields_what_it_holds(channel: Channel) -> None:
    page = render_channel_page(channel, BASE)
    cut = page[: page.index(f'data-post="{CHANNEL}/111"') + 400]
    items = parse_all(make_spider(channel=CHANNEL, base_url=BASE), cut)
    assert [i["message_id"] for i in items] == [108, 109, 110, 111]


# Real pages from ../shared -----------------------------------------------------------

REAL_PAGES = [
    "statosphere_t_me_s_codecamp.html",
    "statosphere_t_me_s_habr_com.html",
    "statosphere_t_me_s_seniorpy.html",
    "lifemodel_t_me_s_test_channel_anonymized.html",
    "any2feed_full.html",
    "any2feed_message_text.html",
    "any2feed_message_with_from_author.html",
    "any2feed_message_media_forwarded_from.html",
    "any2feed_message_media_photo_and_video.html",
    "any2feed_message_media_round_video.html",
    "any2feed_message_link_preview.html",
    "any2feed_message_poll.html",
    "any2feed_message_sticker.html",
    "any2feed_message_voice.html",
    "any2feed_message_media_file.html",
]
NO_PREVIEW_PAGES = [
    "statosphere_t_me_s_not_existed_channel.html",
    "statosphere_t_me_s_not_valid_channel.html",
]


def shared_page(name: str) -> bytes:
    path = SHARED_TELEGRAM / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: real Telegram pages from ../shared not available")
    return path.read_bytes()


def real_items(name: str) -> tuple[bytes, list[PostItem]]:
    body = shared_page(name)
    spider = make_spider(channel="requested_name")
    items = [
        i
        for i in parse_all(spider, body, "https://t.me/s/requested_name")
        if isinstance(i, PostItem)
    ]
    return body, items


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_page_every_post_extracted(name: str) -> None:
    body, items = real_items(name)
    assert len(items) == body.count(b"data-post=") > 0


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_page_dates_are_iso_utc(name: str) -> None:
    body, items = real_items(name)
    dates = [i["posted_at"] for i in items if i["posted_at"]]
    assert len(dates) == len(re.findall(rb'<time\s+datetime="[^"]+"', body))
    assert all(datetime.fromisoformat(d).utcoffset().total_seconds() == 0 for d in dates)


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_page_channel_comes_from_data_post(name: str) -> None:
    body, items = real_items(name)
    canonical = {m.decode() for m in re.findall(rb'data-post="([^"/]+)/', body)}
    assert {i["channel"] for i in items} == canonical
    assert all(i["url"] == f"https://t.me/{i['post_id']}" for i in items)


@pytest.mark.shared
def test_real_page_codecamp_is_canonically_campcode() -> None:
    _, items = real_items("statosphere_t_me_s_codecamp.html")
    assert {i["channel"] for i in items} == {"campcode"}


@pytest.mark.shared
def test_real_double_escaped_links_are_plain() -> None:
    _, items = real_items("statosphere_t_me_s_habr_com.html")
    texts = "\n".join(i["text"] for i in items)
    assert "?telegram_habr&utm_medium=social&utm_campaign=" in texts
    assert "&amp;" not in texts


@pytest.mark.shared
def test_real_signature_is_the_author() -> None:
    _, items = real_items("any2feed_message_with_from_author.html")
    assert items[0]["author"] == "🅰️rkadiy Ivanov"


@pytest.mark.shared
def test_real_nested_album_caption_once() -> None:
    _, items = real_items("lifemodel_t_me_s_test_channel_anonymized.html")
    forwarded = next(i for i in items if i["message_id"] == 1010)
    assert forwarded["text"].count("Key updates:") == 1
    assert forwarded["forwarded_from"]["name"] == "Another Channel"


@pytest.mark.shared
@pytest.mark.parametrize("name", NO_PREVIEW_PAGES)
def test_real_contact_page_is_no_preview(name: str) -> None:
    body = shared_page(name)
    with pytest.raises(CloseSpider) as raised:
        parse_all(make_spider(channel="x"), body, "https://t.me/x")
    assert "has no public preview" in raised.value.reason


# Real crawls against the replica server ----------------------------------------------


@pytest.fixture
def site() -> Iterator[Any]:
    with serve_replica() as running:
        yield running


def test_crawl_gets_both_pages(site: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run_crawl(site.base_url, CHANNEL, out, max_pages=2)
    assert result.returncode == 0, result.stderr
    assert sorted(item["message_id"] for item in read_jsonl(out)) == list(range(101, 115))


def test_crawl_of_unknown_channel_records_a_failed_run(site: Any, tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    run_crawl(
        site.base_url, "tidak_ada_kanal", tmp_path / "o.jsonl", settings={"PANTAU_DB": str(db_path)}
    )
    with store.connect(db_path) as db:
        run = store.get_run(db, 1)
    assert run is not None and run["status"] == "failed"
    assert run["reason"].startswith("Telegram channel 'tidak_ada_kanal' has no public preview")


def test_crawl_of_a_malformed_page_does_not_crash(tmp_path: Path, channel: Channel) -> None:
    page = render_channel_page(channel, "http://x").replace(f'data-post="{CHANNEL}/108"', "")
    broken = page[: page.index(f'data-post="{CHANNEL}/112"')]
    with serve_replica(pages={"/s/rusak": broken}) as site:
        result = run_crawl(site.base_url, "rusak", tmp_path / "out.jsonl", max_pages=1)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert [i["message_id"] for i in read_jsonl(tmp_path / "out.jsonl")] == [109, 110, 111]
    assert "'telegram/messages_skipped': 1" in result.stderr


def test_second_crawl_stops_at_stored_posts(site: Any, tmp_path: Path) -> None:
    settings = {"PANTAU_DB": str(tmp_path / "pantau.db")}
    run_crawl(site.base_url, CHANNEL, tmp_path / "1.jsonl", settings=settings)
    site.requests.clear()
    run_crawl(site.base_url, CHANNEL, tmp_path / "2.jsonl", settings=settings)
    assert site.requests == [f"/s/{CHANNEL}"]


def test_crawl_after_an_interrupted_one_reads_its_older_pages_again(
    site: Any, tmp_path: Path
) -> None:
    db_path = tmp_path / "pantau.db"
    settings = {"PANTAU_DB": str(db_path)}
    # the first run ends after its first page (as if killed): page 1 stored, page 2 not
    cut = run_crawl(
        site.base_url,
        CHANNEL,
        tmp_path / "1.jsonl",
        settings={**settings, "CLOSESPIDER_PAGECOUNT": "1", "CONCURRENT_REQUESTS": "1"},
    )
    assert cut.returncode == 0, cut.stderr
    site.requests.clear()
    run_crawl(site.base_url, CHANNEL, tmp_path / "2.jsonl", settings=settings)
    assert site.requests == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=108"]
    with store.connect(db_path) as db:
        assert store.count_rows(db, "posts") == 14
        assert [r["status"] for r in db.query("SELECT status FROM runs ORDER BY id")] == [
            "failed",
            "ok",
        ]
        assert store.get_watermark(db, CHANNEL) | {"updated_at": None} == {
            "source": CHANNEL,
            "top": 114,
            "floor": 101,
            "run_id": 2,
            "updated_at": None,
        }


def test_crawl_after_a_finished_one_stops_at_the_watermark_not_at_a_stored_post(
    tmp_path: Path, channel: Channel
) -> None:
    db_path = tmp_path / "pantau.db"
    settings = {"PANTAU_DB": str(db_path)}
    with serve_replica() as site:
        run_crawl(site.base_url, CHANNEL, tmp_path / "1.jsonl", settings=settings)
        # eight newer posts: the newest page no longer reaches the covered range
        for number in range(115, 123):
            site.publish(dataclasses.replace(channel.posts[0], id=number))
        site.requests.clear()
        run_crawl(site.base_url, CHANNEL, tmp_path / "2.jsonl", settings=settings, max_pages=5)
    assert site.requests == [f"/s/{CHANNEL}", f"/s/{CHANNEL}?before=116"]


# Search inside a channel (-a q=) ------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "before", "expected"),
    [
        ("gaji kamboja", None, f"{BASE}/s/{CHANNEL}?q=gaji+kamboja"),
        ("  gaji   kamboja ", 107, f"{BASE}/s/{CHANNEL}?q=gaji+kamboja&before=107"),
        ("&before=1", None, f"{BASE}/s/{CHANNEL}?q=%26before%3D1"),
        (None, 107, f"{BASE}/s/{CHANNEL}?before=107"),
    ],
)
def test_search_words_go_into_every_page_address(
    q: str | None, before: int | None, expected: str
) -> None:
    spider = make_spider(channel=CHANNEL, base_url=BASE, q=q)
    assert spider.page_request(CHANNEL, before=before, page=1).url == expected


def test_overlong_search_words_are_refused() -> None:
    with pytest.raises(ValueError, match="q must be"):
        make_spider(channel=CHANNEL, base_url=BASE, q="kata " * 30)


def test_crawl_reads_the_channel_search(channel: Channel, tmp_path: Path) -> None:
    page = render_channel_page(channel, BASE).encode()
    routes = {f"/s/{CHANNEL}?q=admin+kamboja": Reply(page), f"/s/{CHANNEL}": Reply(b"", 404)}
    out = tmp_path / "out.jsonl"
    with serve(routes) as base:
        result = run_spider(
            "telegram", {"channel": CHANNEL, "q": "admin kamboja", "base_url": base}, out
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(read_jsonl(out)) == len(page_of(channel, None)[0])


def test_a_quoted_reply_gives_neither_text_nor_pictures() -> None:
    body = (
        '<div class="tgme_widget_message" data-post="loker/7">'
        '<a class="tgme_widget_message_reply" href="https://t.me/loker/6">'
        '<div class="tgme_widget_message_text">Pesan lama yang dikutip</div>'
        '<i class="tgme_widget_message_video_thumb" style="background-image:url(\'/old.jpg\')">'
        "</i></a>"
        '<a class="tgme_widget_message_photo_wrap" style="background-image:url(\'/new.jpg\')"></a>'
        '<div class="tgme_widget_message_text">Lowongan baru: admin Kamboja</div></div>'
    )
    response = html_response("https://t.me/s/loker", body)
    block = response.css("div.tgme_widget_message")[0]
    assert message_text(block) == "Lowongan baru: admin Kamboja"
    assert message_images(block, response) == ["https://t.me/new.jpg"]
