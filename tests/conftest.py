"""Shared fixtures: a fresh SQLite store per test and the location of ../shared; the
hypothesis profile."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlite_utils import Database

from crawler import store
from tests.support import SHARED

# Property tests draw new examples on every developer's run (that is how they find bugs),
# and the same examples in CI, so that a submission's CI result does not depend on luck.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated store in a real SQLite file, closed after the test."""
    with store.connect(tmp_path / "pantau.db") as database:
        yield database


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the repository; skips the test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: shared fixtures and evaluation data not available")
    return SHARED
