"""Adding a review-desk account in one call: name and password checked, password hashed.
``pantau user add`` uses it, and so can ``pantau demo`` for its demo login."""

from __future__ import annotations

from sqlite_utils import Database

from crawler import store
from crawler.errors import AccountError
from review.passwords import PasswordError, check_new_password, hash_password


def add_account(db: Database, name: str, role: str, password: str) -> int:
    """Add the account ``name`` with ``role`` (admin, reviewer, viewer); ``AccountError``
    for a bad or taken name, an unknown role or a password under 10 characters."""
    if not store.USER_NAME.fullmatch(name):
        raise AccountError(name, "use letters, digits, '.', '_', '-' (1-64 characters)")
    try:
        check_new_password(password)
    except PasswordError as exc:
        raise AccountError(name, str(exc)) from None
    return store.add_user(db, name, role, hash_password(password))
