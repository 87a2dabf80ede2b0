"""Pantau's exception hierarchy.

    PantauError
    ├── ConfigError        a setting is missing or wrong (carries the key)
    ├── StoreError         the database cannot be opened or migrated
    ├── FencedError        a URL is outside the network fence (carries URL and reason)
    ├── AccountError       a review-desk account cannot be added or changed (carries the name)
    ├── CaptureError       evidence capture of a URL failed (carries the URL)
    │   └── BundleWriteError   the page was read but its bundle could not be written
    └── DeliveryError      an alert could not be handed to the SMTP server
        └── PermanentDeliveryError   the server refused it for good (5xx)

Each error carries the context an operator needs to act on it, and its ``str`` is the
one line the command prints.

Faults of the machine rather than of Pantau (``OSError`` such as a full disk,
``sqlite3.DatabaseError`` such as a locked or damaged database, ``UnicodeDecodeError``
for input that is not UTF-8) are not wrapped where they happen; ``describe_fault`` turns
them into that one line where they are caught: at the command line and around each
stage of the service.
"""

from __future__ import annotations

import errno
import sqlite3

FAULTS = (OSError, sqlite3.DatabaseError, UnicodeDecodeError)


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


class BundleWriteError(CaptureError):
    """The page was read but its bundle could not be written (disk full, permissions):
    the fault is here, not the page's, so the post keeps its capture attempts."""


class DeliveryError(PantauError):
    """An alert could not be handed to the SMTP server; it stays queued."""


class PermanentDeliveryError(DeliveryError):
    """The SMTP server refused the alert for good; retrying will not help."""


def describe_fault(exc: BaseException) -> str:
    """One line saying what failed and what to do, for one of ``FAULTS``."""
    if isinstance(exc, OSError):
        return _describe_os_error(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        return describe_database_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"the input is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
            "convert it first, e.g. with iconv -f latin1 -t utf-8"
        )
    return str(exc)


def is_locked(exc: sqlite3.DatabaseError) -> bool:
    """True when another connection holds the lock SQLite waited for in vain."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def describe_database_error(exc: sqlite3.DatabaseError) -> str:
    if is_locked(exc):
        return (
            "the database is locked by another process (is another pantau command writing?): "
            "wait for it to end, then try again"
        )
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc):
        return _DISK_FULL
    return (
        f"the database is damaged ({exc}): restore pantau.db from a backup, or move it away "
        "to start a new one"
    )


_DISK_FULL = (
    "the disk is full: free some space (move old WARC files or evidence bundles elsewhere), "
    "then try again"
)


def _describe_os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _DISK_FULL.replace("the disk is full", f"the disk is full{where}", 1)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{exc.strerror}{where}: give the user running pantau the right to write there"
    return f"{exc.strerror or exc}{where}: check the path and that the device works"
