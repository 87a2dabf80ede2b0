"""The verdict contract: what the classifier returns for one post.

Plain frozen dataclasses with ``to_dict`` for JSON and the store. Nothing here knows
about Scrapy, SQLite or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUSPICIOUS = "suspicious"  # a recruitment offer with red flags: evidence and an alert
REPORT = "report"  # text about illegal recruitment (news, warning, testimony): kept, no alert
NOT_SUSPICIOUS = "not_suspicious"  # everything else
LABELS = (SUSPICIOUS, REPORT, NOT_SUSPICIOUS)


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
class Term:
    """One of the learned model's strongest terms for this post: the word n-gram, which
    head it pushed (``offer`` or ``report``) and by how much (its share of the logit)."""

    term: str
    head: str
    weight: float


@dataclass(frozen=True)
class Verdict:
    """``score`` is how much the post looks like an offer (0..1), ``report_score`` how much
    it looks like text about illegal recruitment; ``label`` is one of :data:`LABELS`."""

    score: float
    label: str
    indicators: tuple[Indicator, ...] = ()
    entities: tuple[Entity, ...] = ()
    model_version: str = ""
    reasons: tuple[str, ...] = field(default=())
    report_score: float = 0.0
    model_terms: tuple[Term, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "report_score": round(self.report_score, 4),
            "label": self.label,
            # vars() of these flat dataclasses is what asdict() gives, at a tenth of the cost
            "indicators": [dict(vars(i)) for i in self.indicators],
            "entities": [dict(vars(e)) for e in self.entities],
            "model_version": self.model_version,
            "reasons": list(self.reasons),
            "model_terms": [dict(vars(t)) for t in self.model_terms],
        }
