"""The review desk's words, one TOML table per language (``strings.id.toml`` is the
default, ``strings.en.toml`` the alternative), as the alert emails keep theirs."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
DEFAULT = "id"
FOLDER = Path(__file__).parent / "templates"


def language(chosen: object) -> str:
    """``chosen`` when it is a known language, else the default (Indonesian)."""
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else DEFAULT


@cache
def strings(lang: str) -> dict[str, Any]:
    """Every word of the desk in ``lang``."""
    return tomllib.loads((FOLDER / f"strings.{language(lang)}.toml").read_text(encoding="utf-8"))
