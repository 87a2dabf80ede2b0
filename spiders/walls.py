"""Telling a page that stands between Pantau and the posts (a login wall, a checkpoint, a
CAPTCHA, a consent page, "content not available", a rate-limit page) from a real page.

Each platform lists its ``Wall`` signs: paths the site redirects to, page titles and
sentences of the visible text (scripts and styles left out, so the i18n strings a real page
carries in its JavaScript do not count). ``wall_reason`` gives the first wall whose sign the
page shows, as the words ``PantauSpider.blocked`` puts into the run's reason.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_HIDDEN = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["'][^"']*url=([^"'>]+)""",
    re.S | re.I,
)
_FORM_ACTION = re.compile(r"""<form\b[^>]*\baction\s*=\s*["']([^"']*)""", re.I)


@dataclass(frozen=True)
class Wall:
    """One kind of wall and the signs that show it (all matched case-insensitively)."""

    reason: str
    paths: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    markup: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageSigns:
    """What ``wall_reason`` looks at, read once from a page."""

    paths: tuple[str, ...]
    forms: tuple[str, ...]
    title: str
    text: str
    markup: str


def page_signs(url: str, html: str) -> PageSigns:
    """The page's own path and where it refreshes to, where its forms post to (real pages
    carry a login form too, so only some walls look at forms), its title and visible text."""
    paths = [url] + [target.strip() for target in _REFRESH.findall(html)]
    title = _TITLE.search(html)
    return PageSigns(
        paths=_paths(paths),
        forms=_paths(_FORM_ACTION.findall(html)),
        title=_plain(title.group(1)) if title else "",
        text=visible_text(html),
        markup=html.lower(),
    )


def _paths(urls: list[str]) -> tuple[str, ...]:
    paths = (urlsplit(html_lib.unescape(url)).path.lower() for url in urls)
    return tuple(path for path in paths if path)


def visible_text(html: str) -> str:
    """The words a reader sees: tags, scripts and styles removed, spaces collapsed,
    apostrophes made plain, lower case."""
    return _plain(_TAG.sub(" ", _HIDDEN.sub(" ", html)))


def _plain(text: str) -> str:
    text = html_lib.unescape(text).replace("\u2019", "'")
    return _SPACE.sub(" ", text).strip().lower()


def wall_reason(url: str, html: str, walls: tuple[Wall, ...]) -> str | None:
    """The reason of the first of ``walls`` the page at ``url`` shows, or None."""
    signs = page_signs(url, html)
    for wall in walls:
        if shows(wall, signs):
            return wall.reason
    return None


def shows(wall: Wall, signs: PageSigns) -> bool:
    if any(path.startswith(prefix) for path in signs.paths for prefix in wall.paths):
        return True
    if any(path.startswith(prefix) for path in signs.forms for prefix in wall.forms):
        return True
    if any(signs.title.startswith(title) for title in wall.titles):
        return True
    if any(text in signs.text for text in wall.texts):
        return True
    return any(mark in signs.markup for mark in wall.markup)
