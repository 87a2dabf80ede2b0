"""Replica feeds for the rss spider's tests: an RSS 2.0 feed of a "loker" blog (one entry
with its full content, the others with a summary only) with the article pages it links to,
and an Atom feed paged with ``rel="next"``. Indonesian entries written for these tests."""

from __future__ import annotations

from tests.support.http import Reply

ORIGIN = "https://loker-contoh.example"
XML = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"

ARTICLE = (
    "Perusahaan investasi di Phnom Penh membuka lowongan customer service berbahasa "
    "Indonesia. Gaji 1.500 USD per bulan, mess dan makan ditanggung. Tidak perlu "
    "pengalaman, tiket pesawat dibayar perusahaan dan dipotong dari gaji tiga bulan "
    "pertama. Berangkat menggunakan visa kunjungan, kontrak diurus setelah tiba. "
)


def rss_feed(origin: str = ORIGIN) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Info Loker Contoh</title><link>{origin}/</link>
  <item>
    <title>Lowongan CS Kamboja gaji 1.500 USD</title>
    <link>{origin}/2026/11/cs-kamboja/</link>
    <guid isPermaLink="false">loker-101</guid>
    <pubDate>Fri, 20 Nov 2026 09:00:00 +0700</pubDate>
    <description><![CDATA[Dicari CS berbahasa Indonesia...
      <a href="{origin}/2026/11/cs-kamboja/">baca</a>]]></description>
    <media:thumbnail url="https://img.loker-contoh.example/101.jpg"/>
  </item>
  <item>
    <title>Operator pabrik Karawang</title>
    <link>{origin}/2026/11/operator-karawang/</link>
    <guid>{origin}/?p=102</guid>
    <pubDate>Thu, 19 Nov 2026 08:00:00 GMT</pubDate>
    <description>Ringkasan singkat.</description>
    <content:encoded><![CDATA[<p>PT di Karawang mencari operator produksi.</p>
      <ul><li>Lulusan SMA</li><li>Usia maks. 30</li></ul><script>evil()</script>]]>
    </content:encoded>
  </item>
  <item>
    <title>Tanpa halaman</title>
    <link>{origin}/2026/11/hilang/</link>
    <guid>loker-103</guid>
    <description>Halaman ini sudah dihapus.</description>
  </item>
</channel>
</rss>""".encode()


def article_page(text: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="id"><body><nav>Menu Beranda Kontak</nav><article>'
        f'<h1>Judul</h1><div class="entry-content"><p>{text}</p><script>x()</script>'
        "</div></article><footer>Hak cipta</footer></body></html>"
    ).encode()


def atom_page(page: int, origin: str = ORIGIN) -> bytes:
    following = f'<link rel="next" href="{origin}/atom?page={page + 1}"/>' if page < 2 else ""
    entries = "".join(
        f"""<entry><title>Loker halaman {page} nomor {n}</title>
        <id>tag:loker-contoh.example,2026:{page}-{n}</id>
        <link href="{origin}/atom/{page}/{n}"/>
        <updated>2026-11-1{n}T10:00:00+07:00</updated>
        <author><name>Admin Loker</name></author>
        <content type="html">&lt;p&gt;Isi lowongan {page}-{n}&lt;/p&gt;</content></entry>"""
        for n in (1, 2)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Loker Atom</title>
<id>tag:loker-contoh.example,2026:feed</id><updated>2026-11-20T10:00:00Z</updated>
{following}{entries}</feed>""".encode()


def routes(origin: str = ORIGIN) -> dict[str, Reply]:
    return {
        "/feed": Reply(rss_feed(origin), content_type=XML),
        "/2026/11/cs-kamboja/": Reply(article_page(ARTICLE)),
        "/atom": Reply(atom_page(1, origin), content_type=ATOM),
        "/atom?page=2": Reply(atom_page(2, origin), content_type=ATOM),
    }
