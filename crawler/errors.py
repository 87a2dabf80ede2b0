"""Pantau's exception hierarchy.

    PantauError
    ├── ConfigError        a setting is missing or wrong (carries the key)
    ├── StoreError         the database cannot be opened or migrated
    ├── AccountError       a review-desk account cannot be added or changed (carries the name)
    ├── CaptureError       evidence capture of a URL failed (carries the URL)
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


class AccountError(PantauError):
    """A review-desk account cannot be added or changed (unknown name, duplicate, bad role)."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"user {name!r}: {problem}")
        self.name = name
        self.problem = problem


class CaptureError(PantauError):
    """Capturing evidence of a page failed."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"capture of {url} failed: {problem}")
        self.url = url
        self.problem = problem


class DeliveryError(PantauError):
    """An alert could not be handed to the SMTP server; it stays queued."""


class PermanentDeliveryError(DeliveryError):
    """The SMTP server refused the alert for good; retrying will not help."""
