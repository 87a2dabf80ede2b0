"""A classifieds site in Craigslist's list markup for the crawl benchmark: ``--pages``
listing pages of 20 Indonesian job ads each, linked by ``<link rel="next">``, served on
127.0.0.1; plus the site file the ``classifieds`` spider reads it with and the bare
spider that reads it with two selectors (``bench/bare_classifieds.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 20
TEXTS = (
    "Dicari admin online ke Kamboja, gaji 15 juta, tiket dan visa ditanggung",
    "Lowongan operator produksi pabrik garmen Cikarang, tanpa biaya",
    "ABK kapal ikan Taiwan, biaya proses potong gaji, paspor diurus agen",
    "Kasir minimarket Bekasi shift pagi, lamaran ke kantor cabang",
    "ART ke Arab Saudi visa ziarah, berangkat cepat tanpa pelatihan",
)
SITE_FILE = """name = "bench"
start_urls = ["{base}/search?page=1"]
item = "li.cl-search-result"
next_page = "link[rel=next]::attr(href)"

[fields]
id = "./@data-pid"
title = "a.posting-title .label::text"
url = "a.posting-title::attr(href)"
text = "div.teaser"
price = ".priceinfo::text"
location = "./descendant::div[contains(@class, 'meta')]/text()[last()]"
images = "a.main img::attr(src)"
"""


def listing(number: int) -> str:
    title = TEXTS[number % len(TEXTS)]
    url = f"/jkt/job/d/lowongan-{number}/{7000000000 + number}.html"
    return (
        f'<li data-pid="{7000000000 + number}" class="cl-search-result" title="{escape(title)}">'
        f'<div class="gallery-card"><a class="main" href="{url}"><img alt="" '
        f'src="https://images.example/{number}.jpg"></a>'
        f'<a href="{url}" class="cl-app-anchor text-only posting-title">'
        f'<span class="label">{escape(title)} #{number}</span></a>'
        f'<div class="teaser"><p>{escape(title)}.</p><p>Hubungi WA 0812-0000-{number:04d}</p>'
        f'</div><div class="meta">2 jam lalu<span class="separator">·</span>Jakarta</div>'
        f'<span class="priceinfo">Rp{number * 1000:,}</span></div></li>'
    )


def page(number: int, pages: int) -> bytes:
    start = (number - 1) * PAGE_SIZE
    cards = "".join(listing(n) for n in range(start, start + PAGE_SIZE))
    following = f'<link rel="next" href="/search?page={number + 1}">' if number < pages else ""
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="UTF-8">{following}</head>'
        f'<body><div class="results cl-results-page"><ol>{cards}</ol></div></body></html>'
    ).encode()


@contextmanager
def serve(pages: int) -> Iterator[str]:
    """Serve the site in a thread; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            query = parse_qs(urlsplit(self.path).query)
            number = int((query.get("page") or ["1"])[0])
            body = page(number, pages) if 1 <= number <= pages else b"not found"
            self.send_response(200 if 1 <= number <= pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_site_file(folder: Path, base: str) -> Path:
    path = folder / "bench-site.toml"
    path.write_text(SITE_FILE.format(base=base), encoding="utf-8")
    return path
