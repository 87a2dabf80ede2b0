"""Readable text from markup: line breaks, paragraphs and list items kept, scripts dropped.

Two entry points, one per kind of input:

- ``element_text(element)``: an element of a page Scrapy already parsed (lxml), as the
  classifieds spider reads it with a selector;
- ``html_fragment_to_text(html)``: an HTML *string* found inside JSON (job boards send
  their job descriptions that way), parsed with beautifulsoup4, which copes with the
  unclosed tags and stray entities such fragments carry.

Both drop ``<script>``, ``<style>`` and their content, turn ``<br>`` into a newline, block
elements into line breaks and ``<li>`` into ``- `` lines, collapse runs of spaces and
blank lines, and cap the result at ``max_chars``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lxml.html import HtmlElement

if TYPE_CHECKING:
    from bs4 import Tag

MAX_TEXT_CHARS = 100_000
# Fragments beyond this are cut before parsing: no job description is that long, and a
# hostile one must not cost the parser unbounded time.
MAX_FRAGMENT_CHARS = 1_000_000
DROP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "hr",
        "address",
        "figure",
        "main",
        "aside",
        "nav",
        "form",
    }
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")
_LINE_EDGES = re.compile(r"[^\S\n]*\n[^\S\n]*")
_WHITE = re.compile(r"\s+")
# What an element's start and end add to its text.
_OPENING = {**dict.fromkeys(BLOCKS, "\n"), "br": "\n", "li": "\n- "}
_CLOSING = {**dict.fromkeys(BLOCKS, "\n"), "td": " ", "th": " "}


def tidy(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Spaces collapsed, every line trimmed, at most one blank line in a row, capped."""
    if not _plain(text):
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        # Trimming each line is trimming the white space (not newlines) around each newline;
        # done by one pattern on the whole text, not line by line (a field of every listing).
        text = _BLANKS.sub("\n\n", _LINE_EDGES.sub("\n", text))
    return text.strip()[:max_chars]


def element_text(element: HtmlElement, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Readable text of an lxml element (see the module docstring)."""
    parts: list[str] = []
    _lxml_parts(element, parts, top=True)
    return tidy("".join(parts), max_chars)


def _lxml_parts(element: HtmlElement, parts: list[str], top: bool = False) -> None:
    """Append the text pieces of ``element`` (and its tail unless ``top``) to ``parts``:
    one list for the whole walk, where nested generators cost a frame per element."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag and tag not in DROP:
        parts.append(_OPENING.get(tag, ""))
        parts.append(_spaces(element.text))
        for child in element:
            _lxml_parts(child, parts)
        parts.append(_CLOSING.get(tag, ""))
    if not top:
        parts.append(_spaces(element.tail))


def _spaces(text: str | None) -> str:
    if not text:
        return ""
    return text if _plain(text) else _WHITE.sub(" ", text)


def _plain(text: str) -> bool:
    """True when ``text`` has no white space but single ASCII spaces, so collapsing white
    space would not change it (``isprintable`` is False for every other white space)."""
    return text.isprintable() and "  " not in text


def _open(tag: str) -> Iterator[str]:
    if tag in _OPENING:
        yield _OPENING[tag]


def _close(tag: str) -> Iterator[str]:
    if tag in _CLOSING:
        yield _CLOSING[tag]


def html_fragment_to_text(html: str | None, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Readable text of an HTML fragment (a job description from JSON); ``""`` for None.

    Plain text without tags comes back tidied; entities are decoded.
    """
    if not html:
        return ""
    # Imported here: every crawl process loads every spider module, and only the JSON
    # spiders need beautifulsoup4 (its import is a quarter of a second).
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html[:MAX_FRAGMENT_CHARS], "html.parser")
    return tidy("".join(_soup_parts(soup)), max_chars)


def _soup_parts(node: Tag) -> Iterator[str]:
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    for child in node.children:
        if isinstance(child, PreformattedString):
            continue  # comments, doctype, processing instructions
        if isinstance(child, NavigableString):
            yield _spaces(str(child))
        elif isinstance(child, Tag) and child.name not in DROP:
            yield from _open(child.name)
            yield from _soup_parts(child)
            yield from _close(child.name)
