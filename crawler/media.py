"""Fetching the images attached to posts (posters), with the limits hostile input needs.

Only ``http``/``https`` URLs are fetched, a response larger than ``MAX_IMAGE_BYTES``
is cut off and refused, and every fetch has a time limit.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from crawler.errors import PantauError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Pantau/0.1 (+evidence capture)"


class MediaError(PantauError):
    """An image could not be fetched."""


def fetch_image(url: str, *, timeout: float = 20, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """The bytes of the image at ``url``; ``MediaError`` when it cannot be had."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise MediaError(f"{url}: only http and https images are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise MediaError(f"{url}: {exc}") from exc
    if len(data) > max_bytes:
        raise MediaError(f"{url}: larger than {max_bytes} bytes")
    return data
