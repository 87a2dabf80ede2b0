"""The verdict contract: what the classifier returns for one post.

Plain frozen dataclasses with ``to_dict`` for JSON and the store. Nothing here knows
about Scrapy, SQLite or the network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SUSPICIOUS = "suspicious"
NOT_SUSPICIOUS = "not_suspicious"


@dataclass(frozen=True)
class Indicator:
    """One red flag that fired: its code (see DOMAIN.md), its weight in the score, the
    words that matched and their character offsets in the classified text."""

    code: str
    weight: float
    text: str
    start: int
    end: int
    note: str = ""


@dataclass(frozen=True)
class Entity:
    """A contact or name found in the text: phone, whatsapp, telegram, email, url, company."""

    kind: str
    value: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Verdict:
    score: float
    label: str
    indicators: tuple[Indicator, ...] = ()
    entities: tuple[Entity, ...] = ()
    model_version: str = ""
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "label": self.label,
            "indicators": [asdict(i) for i in self.indicators],
            "entities": [asdict(e) for e in self.entities],
            "model_version": self.model_version,
            "reasons": list(self.reasons),
        }
