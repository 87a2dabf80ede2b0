"""Reading the JSON that social sites embed in their pages, without their markup.

Facebook, Instagram, TikTok and X render posts from JSON: whole ``<script
type="application/json">`` blocks (Facebook's ``data-sjs``, TikTok's
``__UNIVERSAL_DATA_FOR_REHYDRATION__`` and ``SIGI_STATE``, X's GraphQL answers) or JSON
objects inside JavaScript calls (Facebook's ``require``/``RelayPrefetchedStreamCache``
payloads start at ``{"__bbox":``). These helpers find and decode them and walk the
decoded trees; the platform modules only know which keys hold what.

Scraped content is hostile: a block that does not decode is counted in ``Embedded.errors``
(the spider logs it) and skipped, never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_JSON_TYPE = re.compile(r"""type\s*=\s*["']?application/(?:ld\+)?json""", re.I)
_DECODER = json.JSONDecoder()
# Facebook answers XHR with "for (;;);" before the JSON so a <script> include loops.
_XHR_GUARD = "for (;;);"


@dataclass
class Embedded:
    """The JSON trees found in one page, and how many blocks could not be decoded."""

    trees: list[Any] = field(default_factory=list)
    errors: int = 0


def page_json(html: str, markers: tuple[str, ...] = ('{"__bbox":',)) -> Embedded:
    """Every JSON ``<script>`` block of ``html``, and every object starting at one of
    ``markers`` inside other scripts."""
    found = Embedded()
    for attributes, body in _SCRIPT.findall(html):
        if _JSON_TYPE.search(attributes):
            _decode_into(found, body.strip())
        else:
            for marker in markers:
                for match in re.finditer(re.escape(marker), body):
                    _decode_into(found, body, match.start())
    return found


def response_json(text: str) -> Embedded:
    """The JSON of an API answer: one document, or one per line (GraphQL streams its
    deferred parts that way), with Facebook's ``for (;;);`` guard removed."""
    found = Embedded()
    body = text.strip().removeprefix(_XHR_GUARD)
    try:
        found.trees.append(json.loads(body))
    except ValueError:
        for line in body.splitlines():
            if line.strip():
                _decode_into(found, line.strip())
    return found


def _decode_into(found: Embedded, text: str, start: int = 0) -> None:
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except ValueError:
        found.errors += 1
        return
    found.trees.append(value)


def dicts(
    tree: Any,
    stop: Callable[[dict[str, Any]], bool] | None = None,
    skip: tuple[str, ...] = (),
) -> Iterator[dict[str, Any]]:
    """Every dict in ``tree``, depth first in document order; a dict for which ``stop`` is
    true is yielded but not entered, and values under a key in ``skip`` are not entered."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            yield node
            if stop is not None and stop(node):
                continue
            pending.extend(reversed([v for k, v in node.items() if k not in skip]))
        elif isinstance(node, list):
            pending.extend(reversed(node))


def first(
    tree: Any,
    key: str,
    skip: tuple[str, ...] = (),
    where: Callable[[Any], bool] | None = None,
) -> Any:
    """The first value under ``key`` anywhere in ``tree`` that is not None (and passes
    ``where``), or None; values under keys in ``skip`` are not searched."""
    for node in dicts(tree, skip=skip):
        value = node.get(key)
        if value is not None and (where is None or where(value)):
            return value
    return None


def dig(tree: Any, *path: str | int) -> Any:
    """``tree[path[0]][path[1]]...``, or None where a step is missing."""
    node = tree
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict):
            node = node.get(step)
        else:
            return None
    return node


def as_int(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def epoch_iso(value: Any) -> str | None:
    """Unix seconds as ISO 8601 UTC, or None when ``value`` is not a plausible time."""
    seconds = as_int(value)
    if seconds is None or not 0 < seconds < 10_000_000_000:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def iso_time(value: Any) -> str | None:
    """An ISO 8601 (or X's ``Wed Oct 10 20:19:24 +0000 2018``) time as ISO 8601 UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for parse in (_from_iso, _from_twitter):
        stamp = parse(text)
        if stamp is not None:
            return stamp.astimezone(UTC).isoformat(timespec="seconds")
    return None


def _from_iso(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        # Facebook's ld+json writes offsets without a colon: 2022-05-26T12:26:44-0700
        try:
            stamp = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _from_twitter(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None


def unique(values: list[str]) -> list[str]:
    """``values`` without empty strings and repeats, in their order."""
    seen: list[str] = []
    for value in values:
        if isinstance(value, str) and value and value not in seen:
            seen.append(value)
    return seen
