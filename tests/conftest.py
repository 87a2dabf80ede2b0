"""Shared fixtures: a fresh SQLite store per test and the location of ../shared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
