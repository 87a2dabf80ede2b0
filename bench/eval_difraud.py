"""Measure the learned text model on DIFrauD job scams with honest cross-validation.

Example::

    .venv/bin/python bench/eval_difraud.py ../shared/eval/difraud_job_scams_validation.jsonl

Stratified 5-fold CV (seed fixed). In each outer fold the decision threshold is chosen on
out-of-fold scores of the *training* part (inner 3-fold CV), the model is retrained on the
whole training part and scored once on the held-out part. Prints fraud-class F1 and
PR-AUC per fold, pooled over all held-out rows, and the batch throughput of
``predict_proba``. ``--json`` prints one JSON object instead (the tests read it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np
from sklearn.model_selection import StratifiedKFold

from classifiers.dataset import read_labelled
from classifiers.evaluation import EvaluationReport, best_threshold, evaluate
from classifiers.model import TextModel, train_model


def out_of_fold_scores(texts: list[str], y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Scores of each row from a model that did not see it."""
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y):
        model = train_model([texts[i] for i in train], y[train], seed=seed)
        scores[test] = model.predict_proba([texts[i] for i in test])
    return scores


def run_fold(
    texts: list[str], y: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int
) -> tuple[EvaluationReport, np.ndarray, TextModel]:
    """Pick the threshold inside ``train``, fit on ``train``, report on ``test``."""
    train_texts = [texts[i] for i in train]
    threshold = best_threshold(y[train], out_of_fold_scores(train_texts, y[train], 3, seed))
    model = train_model(train_texts, y[train], seed=seed)
    scores = np.asarray(model.predict_proba([texts[i] for i in test]))
    return evaluate(y[test].tolist(), scores.tolist(), threshold=threshold), scores, model


def throughput(model: TextModel, texts: Sequence[str], repeat: int = 3) -> float:
    """Texts per second of one batch ``predict_proba`` call (best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict_proba(list(texts))
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def measure(path: Path, folds: int = 5, seed: int = 0, speed: bool = True) -> dict[str, Any]:
    """Cross-validated figures for the fraud class, plus throughput when ``speed``."""
    rows = read_labelled(path)
    texts, y = [r.text for r in rows], np.asarray([r.label for r in rows])
    reports, flagged, pooled = [], np.zeros(len(y), bool), np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y):
        report, scores, model = run_fold(texts, y, train, test, seed)
        reports.append(report)
        pooled[test], flagged[test] = scores, scores >= report.threshold
    # Each row was flagged by its own fold's threshold, so score 1.0/0.0 at threshold 0.5.
    overall = evaluate(y.tolist(), flagged.astype(float).tolist(), threshold=0.5)
    return {
        "rows": len(y),
        "positives": int(y.sum()),
        "folds": [r.to_dict() for r in reports],
        "f1": overall.f1,
        "precision": overall.precision,
        "recall": overall.recall,
        "mean_fold_f1": float(np.mean([r.f1 for r in reports])),
        "pr_auc": evaluate(y.tolist(), pooled.tolist()).pr_auc,
        "mean_fold_pr_auc": float(np.mean([r.pr_auc for r in reports])),
        "throughput": _throughputs(model, texts) if speed else {},
    }


def _throughputs(model: TextModel, texts: list[str]) -> dict[str, Any]:
    batch = (texts * (10_000 // len(texts) + 1))[:10_000]
    result = {}
    for chars in (200, 500, 1000, None):
        cut = [t[:chars] for t in batch] if chars else batch
        mean = float(np.mean([len(t) for t in cut]))
        result[f"mean {mean:.0f} chars"] = round(throughput(model, cut))
    return result


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", default=5, show_default=True, help="Outer stratified CV folds.")
@click.option("--seed", default=0, show_default=True, help="Seed of splits and model.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-speed", is_flag=True, help="Skip the throughput measurement.")
def main(path: Path, folds: int, seed: int, as_json: bool, no_speed: bool) -> None:
    """Cross-validate the text model on a DIFrauD JSONL file (text, label 1 = fraud).

    Example: python bench/eval_difraud.py ../shared/eval/difraud_job_scams_validation.jsonl
    """
    figures = measure(path, folds, seed, speed=not no_speed)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for number, fold in enumerate(figures["folds"], start=1):
        click.echo(f"fold {number}: F1 {fold['f1']:.3f}  PR-AUC {fold['pr_auc']:.3f}"
                   f"  threshold {fold['threshold']:.3f}")  # fmt: skip
    click.echo(f"pooled: F1 {figures['f1']:.3f} (P {figures['precision']:.3f}"
               f" R {figures['recall']:.3f})  PR-AUC {figures['pr_auc']:.3f}")  # fmt: skip
    click.echo(f"mean of folds: F1 {figures['mean_fold_f1']:.3f}"
               f"  PR-AUC {figures['mean_fold_pr_auc']:.3f}")  # fmt: skip
    click.echo(f"predict_proba texts/s (one batch of 10,000): {figures['throughput']}")


if __name__ == "__main__":
    main()
