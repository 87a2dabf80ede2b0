"""Helpers shared by the tests of every room: local servers, replica crawls, mail fixtures."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
