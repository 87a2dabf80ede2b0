"""A replica classifieds site in Craigslist's markup (search list and posting pages),
with Indonesian listings written for these tests (not copied from ../shared).

Links are absolute to the real host, as on the live site, so that the spider's
``base_url`` rewriting is exercised; ``routes(origin)`` gives the pages for ``serve``, and
``scripted_routes(origin)`` the same pages with their listings and posting texts put in by
a script, as on sites that render in the browser (a plain HTTP fetch sees none of them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

from tests.support.http import Reply

ORIGIN = "https://boston.craigslist.org"


@dataclass(frozen=True)
class Listing:
    pid: int
    slug: str
    title: str
    body: str
    price: str
    place: str
    posted: str

    @property
    def path(self) -> str:
        return f"/jkt/job/d/{self.slug}/{self.pid}.html"


LISTINGS = (
    Listing(
        7700000001,
        "admin-kamboja",
        "Dicari ADMIN online ke Kamboja, gaji 15 juta",
        "Lowongan admin & CS untuk perusahaan di Phnom Penh.<br>Syarat:<br>- Usia 18-35"
        "<br>- Bisa mengetik<br>Tiket & visa ditanggung, berangkat minggu depan."
        "<br>Hubungi WA 0812-3456-7890",
        "Rp15.000.000",
        "Jakarta Barat",
        "2026-11-20T09:15:00+0700",
    ),
    Listing(
        7700000002,
        "abk-kapal-taiwan",
        "ABK kapal ikan Taiwan tanpa pengalaman",
        "Dibutuhkan 20 ABK kapal penangkap ikan. Biaya proses Rp 8 juta potong gaji."
        "<br>Paspor diurus agen.",
        "Rp9.500.000",
        "Tegal",
        "2026-11-19T14:00:00+0700",
    ),
    Listing(
        7700000003,
        "kasir-minimarket",
        "Kasir minimarket, Bekasi",
        "Minimarket di Bekasi Timur mencari kasir shift pagi. Lamaran ke kantor cabang.",
        "",
        "Bekasi",
        "2026-11-18T08:30:00+0700",
    ),
    Listing(
        7700000004,
        "art-arab-saudi",
        "ART ke Arab Saudi visa ziarah, berangkat cepat",
        "Asisten rumah tangga untuk keluarga di Riyadh, visa ziarah/umroh, "
        "tanpa pelatihan.<script>alert('x')</script><br>Gaji 1.500 riyal.",
        "Rp6.000.000",
        "Indramayu",
        "2026-11-18T07:00:00+0700",
    ),
    Listing(
        7700000005,
        "operator-produksi",
        "Operator produksi pabrik garmen",
        "PT garmen di Cikarang membuka lowongan operator jahit. Tanpa biaya.",
        "Rp5.200.000",
        "Cikarang",
        "2026-11-17T10:45:00+0700",
    ),
)
PAGES = (LISTINGS[:3], LISTINGS[3:])


def _card(listing: Listing, origin: str) -> str:
    url = escape(origin + listing.path)
    price = f'<span class="priceinfo">{escape(listing.price)}</span>' if listing.price else ""
    return (
        f'<li data-pid="{listing.pid}" class="cl-search-result cl-search-view-mode-gallery" '
        f'title="{escape(listing.title)}"><div class="gallery-card"><div class="cl-gallery">'
        f'<div class="gallery-inner"><a class="main" href="{url}"><div class="swipe">'
        f'<img alt="{escape(listing.title)} 1" src="https://images.craigslist.org/'
        f'{listing.pid}_300x300.jpg"></div></a></div></div>'
        f'<a tabindex="0" href="{url}" class="cl-app-anchor text-only posting-title">'
        f'<span class="label">{escape(listing.title)}</span></a>'
        f'<div class="meta">2 jam lalu<span class="separator">·</span>{escape(listing.place)}'
        f"</div>{price}</div></li>"
    )


def search_page(page: int, origin: str = ORIGIN) -> str:
    """Page ``page`` (1-based) of the search list; page 1 links to page 2."""
    cards = "".join(_card(listing, origin) for listing in PAGES[page - 1])
    following = f'<link rel="next" href="{origin}/search/sss?s=120">' if page < len(PAGES) else ""
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="UTF-8">'
        f"<title>jakarta lowongan - craigslist</title>{following}</head><body>"
        '<div class="cl-search-results"><div class="results cl-results-page" '
        f'id="search-results-page-{page}"><ol>{cards}</ol></div></div>'
        '<button type="button" class="bd-button cl-next-page icon-only">'
        '<span class="label">next page</span></button></body></html>'
    )


def detail_page(listing: Listing, origin: str = ORIGIN) -> str:
    """A posting page; the body keeps the print-only QR block Craigslist puts in it."""
    price = f'<span class="price">{escape(listing.price)}</span>' if listing.price else ""
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="UTF-8">'
        f'<title>{escape(listing.title)}</title></head><body><section class="body">'
        f'<h1 class="postingtitle"><span class="postingtitletext">'
        f'<span id="titletextonly">{escape(listing.title)}</span>{price}'
        f"<span> ({escape(listing.place)})</span></span></h1>"
        '<div id="thumbs"><a class="thumb" href="https://images.craigslist.org/'
        f'{listing.pid}_600x450.jpg"><img src="x_50x50c.jpg"></a></div>'
        '<section id="postingbody"><div class="print-information print-qrcode-container">'
        '<p class="print-qrcode-label">QR Code Link to This Post</p></div>\n'
        f"{listing.body}</section>"
        '<div class="postinginfos"><p class="postinginfo">post id: '
        f'{listing.pid}</p><p class="postinginfo reveal">posted: '
        f'<time class="date timeago" datetime="{listing.posted}">2 jam lalu</time></p>'
        "</div></section></body></html>"
    )


def routes(origin: str = ORIGIN) -> dict[str, Reply]:
    """Every page of the replica, by path (page 2 of the search by path and query)."""
    pages = {"/search/sss": Reply(search_page(1, origin).encode())}
    pages["/search/sss?s=120"] = Reply(search_page(2, origin).encode())
    for listing in LISTINGS:
        pages[listing.path] = Reply(detail_page(listing, origin).encode())
    return pages


_RESULTS = re.compile(r"<ol>(.*)</ol>", re.S)
_BODY = re.compile(r"(<section id=\"postingbody\">)(.*)(</section><div class=\"postinginfos)", re.S)


def _script_putting(html: str, selector: str) -> str:
    """A script that puts ``html`` into the element ``selector`` names, as it runs."""
    data = json.dumps(html).replace("</", "<\\/")
    return f"<script>document.querySelector({json.dumps(selector)}).innerHTML = {data};</script>"


def _beacon_script(url: str) -> str:
    """A script that asks ``url`` before the page finishes loading (a synchronous XHR, so
    the request is made before the browser hands the page over), errors ignored."""
    target = json.dumps(url)
    return (
        "<script>try { const r = new XMLHttpRequest(); "
        f"r.open('GET', {target}, false); r.send(); }} catch (e) {{}}</script>"
    )


def scripted_routes(origin: str = ORIGIN, beacon: str | None = None) -> dict[str, Reply]:
    """``routes(origin)`` with the search results and posting texts moved into scripts
    that put them in the page; with ``beacon``, each search page's script also asks that
    URL (a stand-in for a hostile page reaching into the network)."""
    pages = routes(origin)
    for path, reply in pages.items():
        page = reply.body.decode()
        if path.startswith("/search/"):
            cards = _RESULTS.search(page)
            assert cards is not None
            page = page.replace(cards.group(0), "<ol></ol>")
            script = _script_putting(cards.group(1), "ol")
            if beacon:
                script = _beacon_script(beacon) + script
        else:
            body = _BODY.search(page)
            assert body is not None
            page = page.replace(body.group(0), body.group(1) + body.group(3))
            script = _script_putting(body.group(2), "#postingbody")
        pages[path] = Reply(page.replace("</body>", script + "</body>").encode())
    return pages
