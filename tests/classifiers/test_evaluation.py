"""Evaluation figures on small hand-checked tables."""

from __future__ import annotations

import json

import pytest

from classifiers.evaluation import best_threshold, evaluate

LABELS = [1, 1, 1, 0, 0, 0, 0, 1]
SCORES = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.05, 0.6]


@pytest.mark.parametrize(
    ("threshold", "tp", "fp", "fn", "tn"),
    [(0.5, 3, 1, 1, 3), (0.75, 2, 0, 2, 4), (0.0, 4, 4, 0, 0), (0.95, 0, 0, 4, 4)],
)
def test_confusion_counts(threshold: float, tp: int, fp: int, fn: int, tn: int) -> None:
    report = evaluate(LABELS, SCORES, threshold=threshold)
    assert report.confusion_matrix == [[tn, fp], [fn, tp]]


@pytest.mark.parametrize(
    ("threshold", "precision", "recall", "f1"),
    [(0.5, 0.75, 0.75, 0.75), (0.75, 1.0, 0.5, 2 / 3), (0.95, 0.0, 0.0, 0.0)],
)
def test_precision_recall_f1(threshold: float, precision: float, recall: float, f1: float) -> None:
    report = evaluate(LABELS, SCORES, threshold=threshold)
    assert (report.precision, report.recall, report.f1) == pytest.approx((precision, recall, f1))


def test_pr_auc_is_average_precision() -> None:
    # Ranked: 1(.9) 1(.8) 0(.7) 1(.6) 1(.3) -> AP = (1 + 1 + 3/4 + 4/5) / 4
    assert evaluate(LABELS, SCORES).pr_auc == pytest.approx((1 + 1 + 0.75 + 0.8) / 4)


@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1, 1]])
def test_pr_auc_is_none_without_both_classes(labels: list[int]) -> None:
    assert evaluate(labels, [0.2, 0.5, 0.9]).pr_auc is None


def test_indicator_rates_count_rows_not_firings() -> None:
    codes = [["DEST", "FEE", "DEST"], ["DEST"], [], ["DEST"], [], [], [], ["VISA"]]
    rates = {r.code: r for r in evaluate(LABELS, SCORES, indicators=codes).indicators}
    assert (rates["DEST"].positives, rates["DEST"].negatives) == (2, 1)
    assert rates["DEST"].positive_rate == pytest.approx(0.5)
    assert rates["DEST"].negative_rate == pytest.approx(0.25)
    assert sorted(rates) == ["DEST", "FEE", "VISA"]


@pytest.mark.parametrize(
    ("labels", "scores", "indicators"),
    [([1, 0], [0.5], None), ([1, 2], [0.5, 0.5], None), ([1, 0], [0.5, 0.5], [["DEST"]])],
    ids=["lengths", "label-value", "indicator-lengths"],
)
def test_bad_input_is_refused(
    labels: list[int], scores: list[float], indicators: list[list[str]] | None
) -> None:
    with pytest.raises(ValueError):
        evaluate(labels, scores, indicators=indicators)


def test_to_dict_is_json() -> None:
    report = evaluate(LABELS, SCORES, indicators=[["DEST"]] * len(LABELS))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["confusion_matrix"] == [[3, 1], [1, 3]]
    assert data["indicators"][0]["code"] == "DEST"


def test_to_table_shows_the_figures() -> None:
    table = evaluate(LABELS, SCORES, indicators=[["FEE"]] * len(LABELS)).to_table()
    assert "F1 0.750" in table and "PR-AUC 0.887" in table and "FEE" in table


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1], 0.8), ([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], 0.7)],
)
def test_best_threshold_maximises_f1(
    labels: list[int], scores: list[float], expected: float
) -> None:
    assert best_threshold(labels, scores) == pytest.approx(expected)
