"""Pantau's exception hierarchy.

    PantauError
    ├── ConfigError        a setting is missing or wrong (carries the key)
    ├── StoreError         the database cannot be opened or migrated
    ├── FencedError        a URL is outside the network fence (carries URL and reason)
    ├── CaptureError       evidence capture of a URL failed (carries the URL)
    │   └── BundleWriteError   the page was read but its bundle could not be written
    └── DeliveryError      an alert could not be handed to the SMTP server
        └── PermanentDeliveryError   the server refused it for good (5xx)

Each error carries the context an operator needs to act on it, and its ``str`` is the
one line the command prints.
"""

from __future__ import annotations


class PantauError(Exception):
    """Base class of every error Pantau raises on purpose."""


class ConfigError(PantauError):
    """A configuration value is missing or invalid."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class StoreError(PantauError):
    """The database cannot be opened or migrated."""


class FencedError(PantauError):
    """A URL is refused by the network fence (``crawler.fence``): a scheme other than
    http(s), or a host that is or resolves to an address hostile pages must not reach."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url[:200]}: {reason}")
        self.url = url
        self.reason = reason


class CaptureError(PantauError):
    """Capturing evidence of a page failed."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"capture of {url} failed: {problem}")
        self.url = url
        self.problem = problem


class BundleWriteError(CaptureError):
    """The page was read but its bundle could not be written (disk full, permissions):
    the fault is here, not the page's, so the post keeps its capture attempts."""


class DeliveryError(PantauError):
    """An alert could not be handed to the SMTP server; it stays queued."""


class PermanentDeliveryError(DeliveryError):
    """The SMTP server refused the alert for good; retrying will not help."""
