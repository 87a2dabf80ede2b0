"""The post text cut into plain and marked runs, and which URLs may become links.

Post text is hostile: the templates print every run through Jinja2's autoescaping; only
the ``<mark>`` elements around the words that fired are ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


@dataclass(frozen=True)
class Run:
    """A stretch of the post text; ``codes`` name the indicators that fired on it."""

    text: str
    codes: tuple[str, ...] = ()


def highlight(text: str, indicators: Sequence[Mapping[str, Any]]) -> list[Run]:
    """``text`` split at the indicators' offsets; overlapping spans merge into one run.
    Offsets outside ``text`` (words read from a poster by OCR) are skipped."""
    runs: list[Run] = []
    position = 0
    for start, end, codes in _merged(text, indicators):
        if start > position:
            runs.append(Run(text[position:start]))
        runs.append(Run(text[start:end], tuple(codes)))
        position = end
    if position < len(text):
        runs.append(Run(text[position:]))
    return runs


def _merged(text: str, indicators: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, list[str]]]:
    spans = sorted(
        (int(i["start"]), int(i["end"]), str(i.get("code", "")))
        for i in indicators
        if isinstance(i.get("start"), int)
        and isinstance(i.get("end"), int)
        and 0 <= i["start"] < i["end"] <= len(text)
    )
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, code in spans:
        if merged and start < merged[-1][1]:
            first, last, codes = merged[-1]
            merged[-1] = (first, max(last, end), codes if code in codes else [*codes, code])
        else:
            merged.append((start, end, [code]))
    return merged


def safe_link(url: object) -> str | None:
    """``url`` when it may be a link (http/https with a host, no spaces or control
    characters); None for ``javascript:``, ``data:`` and everything else."""
    if not isinstance(url, str) or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None
