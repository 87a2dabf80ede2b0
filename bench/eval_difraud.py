"""Measure the learned text model on DIFrauD job scams with nested cross-validation.

Example::

    .venv/bin/python bench/eval_difraud.py ../shared/eval/difraud_job_scams_validation.jsonl

Procedure (nothing is chosen on the rows a figure is reported on):

* Outer loop: repeated stratified K-fold (``--folds`` x ``--repeats``, seeds fixed).
* Inside each outer training part, every configuration of the grid (model kind x C) gets
  out-of-fold scores from an inner stratified 3-fold CV; the one with the best inner
  PR-AUC wins, and the decision threshold is the F1-best threshold on its inner scores.
* The winner is retrained on the whole training part and scores the held-out part once.

Prints, per repeat, the fraud-class F1, precision and recall of all held-out rows pooled
(each flagged by its own fold's threshold) and PR-AUC of the pooled probabilities; the
F1 ceiling of those pooled scores (one threshold picked on the held-out rows themselves:
not a result, but what the ranking allows when the threshold is known in advance); the
mean and sd of per-fold F1; which configurations won; a learning curve (F1 vs number of
fraud rows kept in each training part, ``--no-learning-curve`` to skip) and the batch
throughput of each model kind. The text output also replaces the section "Learned model
on DIFrauD" of docs/benchmarks.md (``--no-docs``: print only); ``--json`` prints one JSON
object only.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from classifiers.dataset import read_labelled
from classifiers.evaluation import EvaluationReport, best_threshold, evaluate
from classifiers.model import KINDS, TextModel, train_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import write_section  # noqa: E402  (bench/ is not a package on the path)

DOC_HEADING = "Learned model on DIFrauD"

INNER_FOLDS = 3
DEFAULT_CONFIG = ("words", 10.0)  # train_model's defaults
FULL_GRID = [(kind, c) for kind in KINDS for c in (10.0, 100.0)]
CURVE_SIZES = (6, 12, 24, 36, 48)


@dataclass(frozen=True)
class Choice:
    """A configuration picked on inner folds, with its threshold and inner PR-AUC."""

    kind: str
    c: float
    threshold: float
    inner_pr_auc: float

    @property
    def name(self) -> str:
        return f"{self.kind} C={self.c:g}"


@dataclass(frozen=True)
class Fold:
    """One outer fold: the report on its held-out rows, their scores and the choice."""

    report: EvaluationReport
    scores: np.ndarray
    choice: Choice


def _subset(texts: Sequence[str], rows: np.ndarray) -> list[str]:
    return [texts[i] for i in rows]


def out_of_fold_scores(
    texts: list[str], y: np.ndarray, config: tuple[str, float], seed: int
) -> np.ndarray:
    """Scores of each row from a model (of ``config``) that did not see it."""
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y):
        model = train_model(_subset(texts, train), y[train], seed=seed, kind=config[0], c=config[1])
        scores[test] = model.predict_proba(_subset(texts, test))
    return scores


def choose(texts: list[str], y: np.ndarray, grid: Sequence[tuple[str, float]], seed: int) -> Choice:
    """The grid configuration with the best inner out-of-fold PR-AUC (first on ties)."""
    best: Choice | None = None
    for kind, c in grid:
        scores = out_of_fold_scores(texts, y, (kind, c), seed)
        pr_auc = evaluate(y.tolist(), scores.tolist()).pr_auc or 0.0
        if best is None or pr_auc > best.inner_pr_auc:
            best = Choice(kind, c, best_threshold(y, scores), pr_auc)
    assert best is not None, "the grid is empty"
    return best


def run_fold(
    texts: list[str],
    y: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    grid: Sequence[tuple[str, float]],
    seed: int,
) -> Fold:
    """Choose inside the training part, fit on all of it, report on the held-out part."""
    train, test = split
    train_texts = _subset(texts, train)
    choice = choose(train_texts, y[train], grid, seed)
    model = train_model(train_texts, y[train], seed=seed, kind=choice.kind, c=choice.c)
    scores = np.asarray(model.predict_proba(_subset(texts, test)))
    report = evaluate(y[test].tolist(), scores.tolist(), threshold=choice.threshold)
    return Fold(report, scores, choice)


def cross_validate(
    texts: list[str],
    y: np.ndarray,
    grid: Sequence[tuple[str, float]],
    *,
    folds: int,
    repeats: int,
    seed: int,
) -> dict[str, Any]:
    """Nested repeated CV figures for the fraud class (see module docstring)."""
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(splitter.split(texts, y))
    results = [run_fold(texts, y, split, grid, seed) for split in splits]
    pooled = _pooled_repeats(y, splits, results, folds)
    fold_f1 = [f.report.f1 for f in results]
    return {
        "folds": [f.report.to_dict() | {"choice": f.choice.name} for f in results],
        "fold_f1_mean": float(np.mean(fold_f1)),
        "fold_f1_sd": float(np.std(fold_f1, ddof=1)) if len(fold_f1) > 1 else 0.0,
        "repeats": pooled,
        **{
            key: _mean(pooled, key) for key in ("f1", "precision", "recall", "pr_auc", "f1_ceiling")
        },
        "f1_sd": float(np.std([p["f1"] for p in pooled])),
        "choices": dict(Counter(f.choice.name for f in results)),
    }


def _pooled_repeats(
    y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], results: list[Fold], folds: int
) -> list[dict[str, float]]:
    """``_pooled`` of each repeat (splits come repeat by repeat, ``folds`` at a time)."""
    starts = range(0, len(splits), folds)
    return [_pooled(y, splits[s : s + folds], results[s : s + folds]) for s in starts]


def _pooled(
    y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], results: list[Fold]
) -> dict[str, float]:
    """One repeat's held-out rows together, each flagged by its own fold's threshold."""
    scores, flagged = np.zeros(len(y)), np.zeros(len(y))
    for (_, test), fold in zip(splits, results, strict=True):
        scores[test] = fold.scores
        flagged[test] = fold.scores >= fold.choice.threshold
    report = evaluate(y.tolist(), flagged.tolist(), threshold=0.5)
    pr_auc = evaluate(y.tolist(), scores.tolist()).pr_auc or 0.0
    # Not a result: one threshold chosen on the held-out rows themselves, the F1 that this
    # ranking allows when the best threshold is known in advance.
    ceiling = evaluate(y.tolist(), scores.tolist(), threshold=best_threshold(y, scores)).f1
    return {"f1": report.f1, "precision": report.precision, "recall": report.recall,
            "pr_auc": pr_auc, "f1_ceiling": ceiling}  # fmt: skip


def _mean(rows: list[dict[str, float]], key: str) -> float:
    return float(np.mean([row[key] for row in rows]))


def learning_curve(
    texts: list[str], y: np.ndarray, *, folds: int, repeats: int, seed: int
) -> list[dict[str, float]]:
    """Pooled F1 and PR-AUC of the default configuration when each outer training part
    keeps only ``n`` of its fraud rows (all legitimate rows kept), for ``CURVE_SIZES``."""
    rng = np.random.default_rng(seed)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(splitter.split(texts, y))
    curve = []
    for size in CURVE_SIZES:
        kept = [(_keep_fraud(y, train, size, rng), test) for train, test in splits]
        results = [run_fold(texts, y, split, [DEFAULT_CONFIG], seed) for split in kept]
        pooled = _pooled_repeats(y, splits, results, folds)
        fraud = float(np.mean([y[train].sum() for train, _ in kept]))
        curve.append({"fraud_rows": fraud, "f1": _mean(pooled, "f1"),
                      "pr_auc": _mean(pooled, "pr_auc")})  # fmt: skip
    return curve


def _keep_fraud(y: np.ndarray, train: np.ndarray, size: int, rng: np.random.Generator) -> Any:
    fraud, legit = train[y[train] == 1], train[y[train] == 0]
    chosen = rng.choice(fraud, size=min(size, len(fraud)), replace=False)
    return np.sort(np.concatenate((chosen, legit)))


def throughput(model: TextModel, texts: Sequence[str], repeat: int = 3) -> float:
    """Texts per second of one batch ``predict_proba`` call (best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict_proba(list(texts))
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def throughputs(texts: list[str], y: np.ndarray, seed: int) -> dict[str, int]:
    """Texts/s of each kind's model (fitted on all rows) on 10,000 texts cut to a length."""
    batch = (texts * (10_000 // len(texts) + 1))[:10_000]
    result = {}
    for kind in KINDS:
        model = train_model(texts, y, seed=seed, kind=kind)
        for chars in (200, 500, 1000):
            result[f"{kind}, {chars} chars"] = round(throughput(model, [t[:chars] for t in batch]))
    return result


def machine() -> dict[str, Any]:
    """Where and when the figures were measured."""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


def measure(
    path: Path,
    *,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    grid: Sequence[tuple[str, float]] = tuple(FULL_GRID),
    curve: bool = False,
    speed: bool = True,
) -> dict[str, Any]:
    """All figures for ``path`` (see module docstring)."""
    rows = read_labelled(path)
    texts, y = [r.text for r in rows], np.asarray([r.label for r in rows])
    started = time.perf_counter()
    figures: dict[str, Any] = {
        "rows": len(y),
        "positives": int(y.sum()),
        "folds_k": folds,
        "repeats_n": repeats,
        "grid": [f"{k} C={c:g}" for k, c in grid],
    }
    figures |= cross_validate(texts, y, grid, folds=folds, repeats=repeats, seed=seed)
    if curve:
        figures["learning_curve"] = learning_curve(
            texts, y, folds=folds, repeats=repeats, seed=seed
        )
    figures["throughput"] = throughputs(texts, y, seed) if speed else {}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return machine() | figures


def text_lines(figures: dict[str, Any]) -> list[str]:
    """Human-readable summary."""
    lines = [f"{figures['date']}  {figures['machine']}, {figures['cpus']} CPUs, load "
             f"{figures['load_1min']}, Python {figures['python']}",
             f"{figures['rows']} rows, {figures['positives']} fraud; nested "
             f"{figures['folds_k']}-fold x {figures['repeats_n']} repeats; grid "
             f"{', '.join(figures['grid'])}"]  # fmt: skip
    for number, rep in enumerate(figures["repeats"], start=1):
        lines.append(f"repeat {number} pooled: F1 {rep['f1']:.3f} (P {rep['precision']:.3f}"
                     f" R {rep['recall']:.3f})  PR-AUC {rep['pr_auc']:.3f}")  # fmt: skip
    lines += [
        f"pooled, mean of repeats: F1 {figures['f1']:.3f} ± {figures['f1_sd']:.3f}  "
        f"P {figures['precision']:.3f}  R {figures['recall']:.3f}  PR-AUC {figures['pr_auc']:.3f}",
        f"ceiling (threshold picked on the held-out rows themselves, not a result): "
        f"F1 {figures['f1_ceiling']:.3f}",
        f"per outer fold: F1 {figures['fold_f1_mean']:.3f} ± {figures['fold_f1_sd']:.3f}",
        f"chosen on inner folds: {figures['choices']}",
    ]
    for point in figures.get("learning_curve", []):
        lines.append(f"learning curve: {point['fraud_rows']:.0f} fraud rows -> "
                     f"F1 {point['f1']:.3f}  PR-AUC {point['pr_auc']:.3f}")  # fmt: skip
    if figures["throughput"]:
        lines.append(f"predict_proba texts/s (batch of 10,000): {figures['throughput']}")
    lines.append(f"took {figures['seconds']} s")
    return lines


def doc_body(figures: dict[str, Any], command: str) -> str:
    """The docs/benchmarks.md section: the command, then the summary as a code block."""
    summary = "\n".join(f"    {line}" for line in text_lines(figures))
    return (
        f"`{command}` (nested CV; procedure in the script's docstring and in "
        "docs/classifier.md, section Learned model).\n\n" + summary
    )


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", default=5, show_default=True, help="Outer stratified CV folds.")
@click.option("--repeats", default=3, show_default=True, help="Outer CV repeats.")
@click.option("--seed", default=0, show_default=True, help="Seed of splits and model.")
@click.option("--default-only", is_flag=True, help="Grid of the default configuration only.")
@click.option("--learning-curve/--no-learning-curve", "curve", default=True, show_default=True,
              help="Also F1 vs fraud rows kept in training.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-docs", is_flag=True, help="Do not write docs/benchmarks.md.")
@click.option("--no-speed", is_flag=True, help="Skip the throughput measurement.")
def main(
    path: Path,
    folds: int,
    repeats: int,
    seed: int,
    default_only: bool,
    curve: bool,
    as_json: bool,
    no_docs: bool,
    no_speed: bool,
) -> None:
    """Nested cross-validation of the text model on a DIFrauD JSONL file (label 1 = fraud).

    Example: python bench/eval_difraud.py ../shared/eval/difraud_job_scams_validation.jsonl
    """
    grid = [DEFAULT_CONFIG] if default_only else FULL_GRID
    figures = measure(path, folds=folds, repeats=repeats, seed=seed, grid=grid, curve=curve,
                      speed=not no_speed)  # fmt: skip
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo("\n".join(text_lines(figures)))
    if not no_docs:
        command = " ".join(["python bench/eval_difraud.py", *sys.argv[1:]])
        write_section(DOC_HEADING, doc_body(figures, command))


if __name__ == "__main__":
    main()
