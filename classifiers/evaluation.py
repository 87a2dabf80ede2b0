"""Measuring a scorer against labelled text: precision, recall, F1, PR-AUC, confusion matrix.

``evaluate(labels, scores)`` is pure: it takes the gold labels (1 = suspicious/fraud) and
the scores, and returns an ``EvaluationReport`` with ``to_dict`` for JSON and ``to_table``
for people. ``best_threshold`` picks the F1-maximising threshold; call it on training
scores only, never on the rows you report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve


@dataclass(frozen=True)
class IndicatorRate:
    """How often one indicator code fired among positives and among negatives."""

    code: str
    positives: int
    negatives: int
    positive_rate: float
    negative_rate: float


@dataclass(frozen=True)
class EvaluationReport:
    """Figures for the positive (suspicious/fraud) class at one threshold."""

    threshold: float
    count: int
    positives: int
    negatives: int
    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float
    pr_auc: float | None  # average precision; None without both classes
    indicators: tuple[IndicatorRate, ...] = field(default=())

    @property
    def confusion_matrix(self) -> list[list[int]]:
        """[[TN, FP], [FN, TP]], rows = truth, columns = prediction (sklearn's layout)."""
        return [
            [self.true_negatives, self.false_positives],
            [self.false_negatives, self.true_positives],
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "count": self.count,
            "positives": self.positives,
            "negatives": self.negatives,
            "confusion_matrix": self.confusion_matrix,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "pr_auc": None if self.pr_auc is None else round(self.pr_auc, 4),
            "indicators": [vars(rate) for rate in self.indicators],
        }

    def to_table(self) -> str:
        """A few aligned lines for a terminal or an e-mail."""
        pr_auc = "n/a" if self.pr_auc is None else f"{self.pr_auc:.3f}"
        lines = [
            f"rows {self.count}  positives {self.positives}  negatives {self.negatives}"
            f"  threshold {self.threshold:.3f}",
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}"
            f"  PR-AUC {pr_auc}",
            "              predicted 0  predicted 1",
            f"  actual 0    {self.true_negatives:11d}  {self.false_positives:11d}",
            f"  actual 1    {self.false_negatives:11d}  {self.true_positives:11d}",
        ]
        lines += _indicator_lines(self.indicators)
        return "\n".join(lines)


def _indicator_lines(rates: Sequence[IndicatorRate]) -> list[str]:
    if not rates:
        return []
    head = [f"  {'indicator':<14}{'positives':>16}{'negatives':>16}"]
    return head + [
        f"  {r.code:<14}{r.positives:6d} ({r.positive_rate:6.1%}){r.negatives:6d} "
        f"({r.negative_rate:6.1%})"
        for r in rates
    ]


def evaluate(
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    threshold: float = 0.5,
    indicators: Sequence[Sequence[str]] | None = None,
) -> EvaluationReport:
    """Compare ``scores`` (flagged when ``score >= threshold``) with gold ``labels``.

    ``indicators``, when given, holds the codes that fired for each row (same order).
    """
    y, s = _arrays(labels, scores, indicators)
    predicted = s >= threshold
    tp, fp = int((predicted & y).sum()), int((predicted & ~y).sum())
    fn, tn = int((~predicted & y).sum()), int((~predicted & ~y).sum())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return EvaluationReport(
        threshold=threshold,
        count=len(y),
        positives=int(y.sum()),
        negatives=int((~y).sum()),
        true_positives=tp,
        false_positives=fp,
        true_negatives=tn,
        false_negatives=fn,
        precision=precision,
        recall=recall,
        f1=_ratio(2 * precision * recall, precision + recall),
        pr_auc=_pr_auc(y, s),
        indicators=_indicator_rates(y, indicators) if indicators is not None else (),
    )


def _arrays(
    labels: Sequence[int], scores: Sequence[float], indicators: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    if len(labels) != len(scores):
        raise ValueError(f"{len(labels)} labels but {len(scores)} scores")
    if indicators is not None and len(indicators) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(indicators)} indicator lists")
    y = np.asarray(labels, dtype=int)
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError("labels must be 0 or 1")
    return y.astype(bool), np.asarray(scores, dtype=float)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def _pr_auc(y: np.ndarray, s: np.ndarray) -> float | None:
    if y.all() or not y.any():
        return None
    return float(average_precision_score(y, s))


def _indicator_rates(
    y: np.ndarray, indicators: Sequence[Sequence[str]]
) -> tuple[IndicatorRate, ...]:
    on_pos: Counter[str] = Counter()
    on_neg: Counter[str] = Counter()
    for is_pos, codes in zip(y.tolist(), indicators, strict=True):
        (on_pos if is_pos else on_neg).update(set(codes))
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return tuple(
        IndicatorRate(
            code,
            on_pos[code],
            on_neg[code],
            _ratio(on_pos[code], n_pos),
            _ratio(on_neg[code], n_neg),
        )  # fmt: skip
        for code in sorted(on_pos.keys() | on_neg.keys())
    )


def best_threshold(labels: Sequence[int], scores: Sequence[float]) -> float:
    """The score threshold with the highest F1 on these rows (ties: the highest threshold).

    Use on training or out-of-fold training scores; choosing it on test rows inflates F1.
    """
    y, s = _arrays(labels, scores, None)
    if not y.any():
        return 0.5
    precision, recall, thresholds = precision_recall_curve(y, s)
    p, r = precision[:-1], recall[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    best = np.flatnonzero(f1 == f1.max())[-1]
    return float(thresholds[best])


# --- three labels ------------------------------------------------------------------------

WILSON_Z = 1.96  # 95% interval


def wilson(hits: int, total: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval of the share ``hits / total`` (95% by default); (0, 1) when
    there is nothing to count."""
    if total == 0:
        return 0.0, 1.0
    share = hits / total
    denominator = 1 + z * z / total
    centre = (share + z * z / (2 * total)) / denominator
    half = z * ((share * (1 - share) / total + z * z / (4 * total * total)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Share:
    """``hits`` of ``total`` with its 95% Wilson interval."""

    hits: int
    total: int

    @property
    def value(self) -> float:
        return _ratio(self.hits, self.total)

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.hits, self.total)

    def __str__(self) -> str:
        if not self.total:
            return "n/a (0 rows)"
        low, high = self.interval
        return f"{self.value:.3f} [{low:.3f}, {high:.3f}] ({self.hits}/{self.total})"

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {"value": round(self.value, 4), "hits": self.hits, "total": self.total,
                "low": round(low, 4), "high": round(high, 4)}  # fmt: skip


@dataclass(frozen=True)
class LabelReport:
    """Expected against predicted labels (``suspicious``, ``report``, ``not_suspicious``)."""

    labels: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # (expected, predicted) per row

    def confusion(self) -> dict[str, Counter[str]]:
        """Rows = expected, columns = predicted."""
        table: dict[str, Counter[str]] = {label: Counter() for label in self.labels}
        for expected, predicted in self.pairs:
            table.setdefault(expected, Counter())[predicted] += 1
        return table

    def recall(self, label: str) -> Share:
        rows = [p for e, p in self.pairs if e == label]
        return Share(sum(p == label for p in rows), len(rows))

    def precision(self, label: str) -> Share:
        rows = [e for e, p in self.pairs if p == label]
        return Share(sum(e == label for e in rows), len(rows))

    def predicted_as(self, expected: str, predicted: set[str]) -> Share:
        """Share of rows expected ``expected`` whose label is one of ``predicted``."""
        rows = [p for e, p in self.pairs if e == expected]
        return Share(sum(p in predicted for p in rows), len(rows))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": len(self.pairs),
            "confusion": {e: dict(row) for e, row in self.confusion().items()},
            "recall": {label: self.recall(label).to_dict() for label in self.labels},
            "precision": {label: self.precision(label).to_dict() for label in self.labels},
        }

    def to_table(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        head = "expected \\ predicted".ljust(22) + "".join(f"{lb:>{width}}" for lb in self.labels)
        lines = [head]
        for expected, row in self.confusion().items():
            cells = "".join(f"{row[label]:>{width}}" for label in self.labels)
            lines.append(f"{expected:<22}{cells}")
        for label in self.labels:
            lines.append(f"{label}: precision {self.precision(label)}, recall {self.recall(label)}")
        return "\n".join(lines)


def correct_by(
    groups: Sequence[str], expected: Sequence[str], predicted: Sequence[str]
) -> dict[str, Share]:
    """Per group (typology, register ...): the share of rows given their expected label."""
    tally: dict[str, list[int]] = {}
    for group, e, p in zip(groups, expected, predicted, strict=True):
        counts = tally.setdefault(group, [0, 0])
        counts[0] += e == p
        counts[1] += 1
    return {group: Share(*counts) for group, counts in sorted(tally.items())}
