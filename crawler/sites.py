"""Site files: the TOML an operator writes to watch a classifieds site without code.

``parse_site_file(path)`` reads and checks one file into a frozen ``Site``; a wrong or
missing key raises ``SiteFileError`` naming the file and the key, in one line. The
``classifieds`` spider crawls with it, and ``crawler.config`` calls the same parser when
it loads a ``[[sources]]`` entry, so a broken site file stops the program at start.

    start_urls = ["https://example.co.id/loker"]   # listing pages to start from
    item = "li.listing"                            # CSS or XPath of one listing
    next_page = "a.next::attr(href)"               # optional: link to the next page
    blocked = "form#login"                         # optional: marks a login/captcha page
    timezone = "+07:00"                            # optional: offset of dates without one
    browser = true                                 # optional: render pages in Chromium
    [fields]                                       # read inside each listing
    url = "a.title::attr(href)"                    # required: the listing's link
    title = "a.title::text"
    posted_at = { css = "time::attr(datetime)", format = "%Y-%m-%d %H:%M" }
    [detail.fields]                                # optional: read on the listing's page
    text = { css = "#body", remove = [".ads"] }

A selector is XPath when it starts with ``/``, ``./`` or ``(``, CSS otherwise; both may
end in ``::text``/``text()`` or ``::attr(name)``/``@name``. A selector of elements reads
their text with line breaks kept.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml.etree import XPath, XPathSyntaxError
from parsel.csstranslator import HTMLTranslator

from crawler.errors import PantauError

FIELDS = ("id", "title", "text", "url", "author", "posted_at", "images", "price", "location")
TOP_KEYS = {
    "name",
    "start_urls",
    "item",
    "next_page",
    "fields",
    "detail",
    "timezone",
    "browser",
    "allowed_domains",
    "blocked",
}
SPEC_KEYS = {"css", "xpath", "format", "remove"}
MAX_SITE_FILE_BYTES = 256 * 1024
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_CSS = HTMLTranslator()


class SiteFileError(PantauError):
    """A site file is missing, not TOML, or has a wrong key (carries the path and key)."""

    def __init__(self, path: str | Path, key: str, problem: str) -> None:
        super().__init__(f"site file {path}: {key}: {problem}")
        self.path = str(path)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class FieldSpec:
    """How one field is read: a CSS or XPath selector, a date format, parts to drop."""

    query: str
    is_xpath: bool = False
    date_format: str | None = None
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    """One site file, checked."""

    path: str
    name: str
    start_urls: tuple[str, ...]
    item: FieldSpec
    fields: Mapping[str, FieldSpec]
    detail_fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    next_page: FieldSpec | None = None
    timezone: timezone = UTC
    browser: bool = False
    allowed_domains: tuple[str, ...] = ()
    blocked: FieldSpec | None = None

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the first start URL."""
        parts = urlsplit(self.start_urls[0])
        return f"{parts.scheme}://{parts.netloc}"


def parse_site_file(path: str | Path) -> Site:
    """Read and check the site file at ``path``; ``SiteFileError`` names what is wrong."""
    raw = _read(path)
    return parse_site(raw, path)


def _read(path: str | Path) -> dict[str, Any]:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_SITE_FILE_BYTES:
            raise SiteFileError(path, "file", f"larger than {MAX_SITE_FILE_BYTES} bytes")
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteFileError(path, "file", "not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteFileError(path, "file", f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteFileError(path, "file", f"not valid TOML: {exc}") from None


def parse_site(raw: Mapping[str, Any], path: str | Path = "site.toml") -> Site:
    """Check a parsed site document into a ``Site``."""
    _check_keys(path, "", raw, TOP_KEYS)
    fields = _fields(path, "fields", raw.get("fields"), required=True)
    detail_fields = _detail(path, raw.get("detail"))
    if "url" not in fields:
        raise SiteFileError(path, "fields.url", "required: the link of each listing")
    if not {"title", "text"} & (set(fields) | set(detail_fields)):
        raise SiteFileError(path, "fields.title", "a title or text field is required")
    start_urls = _start_urls(path, raw.get("start_urls"))
    return Site(
        path=str(path),
        name=_name(path, raw.get("name", Path(str(path)).stem)),
        start_urls=start_urls,
        item=_spec(path, "item", _required(path, raw, "item")),
        fields=fields,
        detail_fields=detail_fields,
        next_page=_spec(path, "next_page", raw["next_page"]) if "next_page" in raw else None,
        timezone=_timezone(path, raw.get("timezone", "+00:00")),
        browser=_bool(path, "browser", raw.get("browser", False)),
        allowed_domains=_domains(path, raw.get("allowed_domains"), start_urls),
        blocked=_spec(path, "blocked", raw["blocked"]) if "blocked" in raw else None,
    )


def _required(path: str | Path, raw: Mapping[str, Any], key: str) -> Any:
    if key not in raw:
        raise SiteFileError(path, key, "required")
    return raw[key]


def _check_keys(path: str | Path, prefix: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise SiteFileError(path, prefix + key, f"unknown key; expected one of {expected}")


def _name(path: str | Path, value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise SiteFileError(path, "name", "letters, digits, '.', '_' or '-' only (1-64)")
    return value


def _start_urls(path: str | Path, value: Any) -> tuple[str, ...]:
    if value is None:
        raise SiteFileError(path, "start_urls", "required: a list of http(s) URLs")
    if not isinstance(value, list) or not value:
        raise SiteFileError(path, "start_urls", "must be a non-empty list of http(s) URLs")
    for index, url in enumerate(value):
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise SiteFileError(path, f"start_urls[{index}]", f"not an http(s) URL: {url!r}")
    return tuple(value)


def _fields(path: str | Path, key: str, value: Any, required: bool = False) -> dict[str, FieldSpec]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping) or not value:
        raise SiteFileError(path, key, "must be a table of field = selector")
    _check_keys(path, key + ".", value, set(FIELDS))
    specs = {name: _spec(path, f"{key}.{name}", raw) for name, raw in value.items()}
    for name, spec in specs.items():
        if spec.date_format and name != "posted_at":
            raise SiteFileError(path, f"{key}.{name}.format", "only posted_at takes a format")
    return specs


def _detail(path: str | Path, value: Any) -> dict[str, FieldSpec]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SiteFileError(path, "detail", "must be a table with a fields table")
    _check_keys(path, "detail.", value, {"fields"})
    return _fields(path, "detail.fields", value.get("fields"), required=True)


def _spec(path: str | Path, key: str, value: Any) -> FieldSpec:
    if isinstance(value, str):
        return _selector(path, key, value, None)
    if not isinstance(value, Mapping):
        raise SiteFileError(path, key, "must be a selector string or a table with css or xpath")
    _check_keys(path, key + ".", value, SPEC_KEYS)
    if ("css" in value) == ("xpath" in value):
        raise SiteFileError(path, key, "give exactly one of css or xpath")
    date_format = value.get("format")
    if date_format is not None and not isinstance(date_format, str):
        raise SiteFileError(path, key + ".format", "must be a strptime format string")
    spec = _selector(path, key, value.get("css") or value.get("xpath"), "xpath" in value)
    remove = _remove(path, key + ".remove", value.get("remove", []))
    return FieldSpec(spec.query, spec.is_xpath, date_format, remove)


def _selector(path: str | Path, key: str, query: Any, is_xpath: bool | None) -> FieldSpec:
    if not isinstance(query, str) or not query.strip():
        raise SiteFileError(path, key, "must be a non-empty selector")
    query = query.strip()
    if is_xpath is None:
        is_xpath = query.startswith(("/", "./", "("))
    try:
        XPath(query) if is_xpath else _CSS.css_to_xpath(query)
    except (XPathSyntaxError, SelectorError) as exc:
        kind = "XPath" if is_xpath else "CSS"
        raise SiteFileError(path, key, f"invalid {kind} selector {query!r}: {exc}") from None
    return FieldSpec(query, is_xpath)


def _remove(path: str | Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise SiteFileError(path, key, "must be a list of CSS selectors")
    for index, query in enumerate(value):
        _selector(path, f"{key}[{index}]", query, False)
    return tuple(value)


def _timezone(path: str | Path, value: Any) -> timezone:
    match = _OFFSET.match(value) if isinstance(value, str) else None
    if not match:
        raise SiteFileError(path, "timezone", f"must be an offset like '+07:00', not {value!r}")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        raise SiteFileError(path, "timezone", f"offset out of range: {value!r}")
    return timezone(-delta if sign == "-" else delta)


def _bool(path: str | Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SiteFileError(path, key, "must be true or false")
    return value


def _domains(path: str | Path, value: Any, start_urls: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return tuple(dict.fromkeys(urlsplit(url).hostname or "" for url in start_urls))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SiteFileError(path, "allowed_domains", "must be a list of host names")
    return tuple(value)


def parse_date(value: str, date_format: str | None, default_tz: timezone) -> str | None:
    """``value`` as ISO 8601 UTC: read with ``date_format`` (strptime), else as ISO 8601;
    a date without an offset is in ``default_tz``. None when it cannot be read."""
    text = value.strip()
    try:
        stamp = (
            datetime.strptime(text, date_format) if date_format else datetime.fromisoformat(text)
        )
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=default_tz)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")
