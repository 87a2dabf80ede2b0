"""Readable text from markup: HTML fragments from JSON (beautifulsoup4) and page elements
(lxml), with line breaks and list items kept and scripts dropped."""

from __future__ import annotations

import pytest
from lxml.html import fragment_fromstring

from spiders.text import MAX_FRAGMENT_CHARS, element_text, html_fragment_to_text, tidy

CASES = [
    ("", ""),
    ("Gaji 15 juta", "Gaji 15 juta"),
    ("<p>Dicari <b>Admin</b> &amp; CS</p>", "Dicari Admin & CS"),
    ("Baris satu<br>Baris dua<br/>Baris tiga", "Baris satu\nBaris dua\nBaris tiga"),
    ("<ul><li>Usia 18-35</li><li>Bisa mengetik</li></ul>", "- Usia 18-35\n- Bisa mengetik"),
    ("<ol><li>satu<li>dua</ol>", "- satu\n- dua"),
    ("<p>a</p><p>b</p>", "a\n\nb"),
    ("Kerja<script>alert('x')</script> di Kamboja", "Kerja di Kamboja"),
    ("<style>p{color:red}</style>Teks", "Teks"),
    ("<!-- komentar -->Teks", "Teks"),
    ("<p>tidak ditutup <b>tebal", "tidak ditutup tebal"),
    ("<div>  banyak     spasi\u00a0\u00a0di sini </div>", "banyak spasi di sini"),
    ("<p>a</p><br><br><br><br><p>b</p>", "a\n\nb"),
    ("<table><tr><td>Gaji</td><td>1000 USD</td></tr></table>", "Gaji 1000 USD"),
    ("&lt;script&gt;bukan tag&lt;/script&gt;", "<script>bukan tag</script>"),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_html_fragment_to_text(html: str, expected: str) -> None:
    assert html_fragment_to_text(html) == expected


# lxml's fragment parser cannot start a fragment with a comment or a style element.
ELEMENT_CASES = [c for c in CASES if c[0].startswith("<") and not c[0].startswith(("<!", "<st"))]


@pytest.mark.parametrize(("html", "expected"), ELEMENT_CASES)
def test_element_text_reads_page_elements_alike(html: str, expected: str) -> None:
    assert element_text(fragment_fromstring(html, create_parent="div")) == expected


def test_none_is_empty() -> None:
    assert html_fragment_to_text(None) == ""


def test_text_is_capped() -> None:
    assert len(html_fragment_to_text("<p>" + "kata " * 1000 + "</p>", max_chars=100)) == 100


def test_a_huge_fragment_is_cut_before_parsing() -> None:
    text = html_fragment_to_text("<p>" + "x" * (MAX_FRAGMENT_CHARS * 2), max_chars=10**7)
    assert len(text) <= MAX_FRAGMENT_CHARS


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" a \n\n\n\n b ", "a\n\nb"), ("a\t\tb", "a b"), ("\n\nx\n", "x")],
)
def test_tidy(text: str, expected: str) -> None:
    assert tidy(text) == expected
