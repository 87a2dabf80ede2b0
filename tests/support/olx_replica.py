"""A replica of OLX Indonesia for the olx spider's tests: the JSON search API in the
structure of the platform's ``relevance/v4`` responses, the HTML search page with
``data-aut-id`` cards, and ad pages. The ads are Indonesian job ads written for these
tests (not copied from ../shared)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from tests.support.http import Reply

API = "/api/relevance/v4/search"
REAL = "https://www.olx.co.id"


@dataclass(frozen=True)
class Ad:
    ad_id: str
    title: str
    description: str
    salary: str
    city: str
    created: str


ADS = (
    Ad(
        "900000101",
        "Lowongan Admin Online Kamboja",
        "<p>Dibutuhkan <b>admin online</b> untuk kantor di Sihanoukville.</p>"
        "<ul><li>Gaji 1.200 USD</li><li>Tiket pesawat ditanggung</li></ul>"
        "<script>track()</script>Hubungi WA 0813 1111 2222",
        "Rp 18.000.000",
        "Jakarta Barat",
        "2026-11-21T10:00:00+07:00",
    ),
    Ad(
        "900000102",
        "Sopir pribadi Jakarta Selatan",
        "Keluarga di Kebayoran Baru mencari sopir pribadi, SIM A, menginap.",
        "Rp 5.000.000",
        "Jakarta Selatan",
        "2026-11-20T08:00:00+0700",
    ),
    Ad(
        "900000103",
        "Kerja di Malaysia ladang sawit tanpa biaya",
        "Berangkat lewat jalur kunjungan, paspor dibantu. Potongan gaji 3 bulan.",
        "Rp 7.500.000",
        "Nunukan",
        "2026-11-19T09:30:00+07:00",
    ),
    Ad(
        "900000104",
        "Barista kafe Bandung",
        "Kafe di Dago membuka lowongan barista berpengalaman.",
        "Rp 4.000.000",
        "Bandung",
        "2026-11-18T12:00:00+07:00",
    ),
)
PAGES = (ADS[:2], ADS[2:])


def api_ad(ad: Ad) -> dict[str, Any]:
    """One ad in the ``relevance/v4`` shape."""
    return {
        "id": ad.ad_id,
        "ad_id": ad.ad_id,
        "category_id": "4827",
        "title": ad.title,
        "description": ad.description,
        "created_at": ad.created,
        "created_at_first": ad.created,
        "display_date": ad.created,
        "user_id": "77" + ad.ad_id[-3:],
        "user_type": "Regular",
        "is_kyc_verified_user": False,
        "status": {"status": "active", "display": "new"},
        "price": {
            "value": {
                "raw": 1.0,
                "currency": {"iso_4217": "IDR", "pre": "Rp"},
                "display": ad.salary,
            },
            "key_name": "Gaji",
            "key": "price",
        },
        "images": [
            {
                "id": "1",
                "url": f"https://apollo.olx.co.id:443/v1/files/{ad.ad_id}-ID/image",
                "big": {"url": f"https://apollo.olx.co.id:443/v1/files/{ad.ad_id}-ID/image;s=780"},
            }
        ],
        "locations_resolved": {
            "COUNTRY_id": "1000001",
            "COUNTRY_name": "Indonesia",
            "ADMIN_LEVEL_3_name": ad.city,
            "ADMIN_LEVEL_1_name": "Indonesia",
        },
        "parameters": [
            {"key": "job_type", "key_name": "Tipe pekerjaan", "formatted_value": "Penuh waktu"},
            {"key": "salary_from", "key_name": "Gaji dari", "formatted_value": ad.salary},
        ],
    }


def api_page(page: int, origin: str) -> bytes:
    """Page ``page`` (0-based) of the search, with ``next_page_url`` on the real host."""
    ads = PAGES[page] if page < len(PAGES) else ()
    following = f"{origin}{API}?query=kerja&page={page + 1}" if page + 1 < len(PAGES) else None
    metadata: dict[str, Any] = {"total_ads": len(ADS), "feed_version": "100.9"}
    if following:
        metadata["next_page_url"] = following
    document = {"version": "100.9", "data": [api_ad(a) for a in ads], "metadata": metadata}
    return json.dumps(document, ensure_ascii=False).encode()


def item_path(ad: Ad) -> str:
    return f"/item/{ad.title.lower().replace(' ', '-')}-iid-{ad.ad_id}"


def card(ad: Ad) -> str:
    return (
        f'<li id="item-card-{ad.ad_id}" data-aut-id="itemBox" data-aut-category-id="4827" '
        f'class="_1DNjI"><a class="_2cbZ2" href="{escape(item_path(ad))}">'
        '<figure class="_3UrC5" data-aut-id="itemImage">'
        f'<img src="https://apollo.olx.co.id:443/v1/files/{ad.ad_id}-ID/image;s=272x0" '
        f'alt="{escape(ad.title)}" class="_2hBzJ"/></figure><div class="fTZT3">'
        f'<span class="_2Ks63" data-aut-id="itemPrice">{escape(ad.salary)}</span>'
        f'<span class="_2poNJ" data-aut-id="itemTitle">{escape(ad.title)}</span>'
        f'<div class="_3rmDx"><span data-aut-id="item-location">{escape(ad.city)}</span>'
        "<span><span>Kemarin</span></span></div></div></a></li>"
    )


def search_page() -> bytes:
    cards = "".join(card(ad) for ad in ADS)
    return (
        '<!DOCTYPE html><html lang="id"><body><div><ul class="_266Ly" data-aut-id="itemsList">'
        f"{cards}</ul></div></body></html>"
    ).encode()


def item_page(ad: Ad) -> bytes:
    return (
        '<!DOCTYPE html><html lang="id"><body><main>'
        f'<h1 data-aut-id="itemTitle">{escape(ad.title)}</h1>'
        f'<span data-aut-id="itemPrice">{escape(ad.salary)}</span>'
        f'<div data-aut-id="itemLocation"><span>{escape(ad.city)}</span></div>'
        f'<div data-aut-id="itemDescriptionContent">{ad.description}</div>'
        '<div data-aut-id="profileCard"><a href="/profile/7701">Agen Kerja</a></div>'
        "</main></body></html>"
    ).encode()


def routes(origin: str = REAL) -> dict[str, Reply]:
    """Every page of the replica by path; the API's pages by path and query."""
    json_type = "application/json; charset=utf-8"
    pages = {API: Reply(api_page(0, origin), content_type=json_type)}
    for page in range(1, len(PAGES)):
        pages[f"{API}?query=kerja&page={page}"] = Reply(
            api_page(page, origin), content_type=json_type
        )
    pages["/items/q-kerja"] = Reply(search_page())
    for ad in ADS:
        pages[item_path(ad)] = Reply(item_page(ad))
    return pages
