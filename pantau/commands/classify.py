"""The classifier's commands: ``classify``, ``train``, ``evaluate``."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click

from crawler import store
from crawler.errors import PantauError
from pantau.options import config_option, get_config

# classifiers.model.KINDS, spelt out so that the command starts without importing scikit-learn
MODEL_KINDS = ("words", "words+chars")
CLASSIFY_BATCH = 1000  # posts scored together: the learned model is much faster in batches


@click.command()
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="JSON Lines with at least id and text (default: stdin).",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Where to write verdicts as JSON Lines (default: stdout).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A model made by `pantau train` (default: the packaged model).",
)
@click.option("--no-model", is_flag=True, help="Indicators only, without the learned model.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes classifying batches side by side (default: one per usable core).",
)
def classify(
    input_path: str, output_path: str, model_path: str | None, no_model: bool, workers: int | None
) -> None:
    """Classify posts from JSON Lines: {"id", "text", ...} -> {"id", "label", "score",
    "report_score", "indicators", "model_terms", ...}. The label is suspicious (an offer
    with red flags: alerts), report (text about illegal recruitment) or not_suspicious.
    Verdicts come out in the order the posts came in.

    \b
    Example:
        echo '{"id": 1, "text": "Loker admin Kamboja gaji 15jt"}' | pantau classify
    """
    global _MODEL
    _MODEL = None if no_model else _load_model(model_path, default=True)
    workers = workers or len(os.sched_getaffinity(0))
    with (
        click.open_file(input_path, encoding="utf-8") as src,
        click.open_file(output_path, "w", encoding="utf-8") as out,
    ):
        # Workers get the raw lines and parse them: the parent only reads and writes.
        lines = ((n, line) for n, line in enumerate(src, 1) if line.strip())
        batches = ((input_path, batch) for batch in _batches(lines, CLASSIFY_BATCH))
        for verdict_lines in _classified(batches, workers):
            out.write(verdict_lines)


_MODEL: Any = None  # the model of this run; worker processes inherit it when forked


def _classify_batch(job: tuple[str, list[tuple[int, str]]]) -> str:
    """The JSON Lines of the verdicts of one batch of input lines (numbered from 1)."""
    from classifiers import classify_many

    name, lines = job
    batch = [(number, _parse_line(name, number, line)) for number, line in lines]
    verdicts = classify_many([row for _, row in batch], model=_MODEL)
    return "".join(
        json.dumps({"id": row.get("id", number), **verdict.to_dict()}, ensure_ascii=False) + "\n"
        for (number, row), verdict in zip(batch, verdicts, strict=True)
    )


def _classified(batches: Iterator[Any], workers: int) -> Iterator[str]:
    """Each batch's lines, in order. With several workers (forked, so they share the loaded
    model), at most two batches per worker are in flight: memory stays bounded."""
    if workers == 1:
        yield from map(_classify_batch, batches)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[str]] = deque()
        for batch in batches:
            pending.append(pool.submit(_classify_batch, batch))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_line(name: str, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PantauError(f"{name}, line {number}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise PantauError(f"{name}, line {number}: expected an object with a text field")
    return row


def _load_model(model_path: str | None, *, default: bool = False) -> Any:
    """The model file at ``model_path``; without one, the packaged model when ``default``."""
    from classifiers.label_model import default_model, load_model_file

    if model_path is not None:
        return load_model_file(Path(model_path))
    return default_model() if default else None


@click.command()
@config_option
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled JSON Lines or CSV with text and label columns (repeatable).",
)
@click.option(
    "--corpus",
    "corpus",
    is_flag=True,
    help="Train the three-label model on the corpus train split (classifiers/corpus).",
)
@click.option("--from-reviews", is_flag=True, help="Also learn from reviewers' decisions.")
@click.option(
    "--output",
    "output_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Where to write the model (with --corpus: default the packaged model's place).",
)
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option(
    "--kind",
    type=click.Choice(MODEL_KINDS),
    default="words",
    show_default=True,
    help="words: word n-grams (fast, the default); words+chars: also character "
    "n-grams (slower, more robust to spelling tricks).",
)
def train(
    config_path: str | None,
    inputs: tuple[str, ...],
    corpus: bool,
    from_reviews: bool,
    output_path: str | None,
    text_column: str,
    label_column: str,
    kind: str,
) -> None:
    """Train the learned model from labelled files and/or reviewers' decisions.

    --corpus trains the three-label model (an offer head and a report head) on
    classifiers/corpus/train.jsonl, the model `pantau classify` uses by default; the same
    corpus gives the same model. Otherwise --input files train a one-head model with
    labels 1/0, suspicious/not_suspicious, positive/negative/hard_negative, true/false.
    Confirmed reviews count as suspicious, false positives as not suspicious.

    \b
    Example:
        pantau train --corpus --from-reviews
        pantau train --input labelled.jsonl --from-reviews --output model.bin
    """
    from classifiers import classified_text
    from classifiers.dataset import read_labelled
    from classifiers.model import train_model

    reviewed = _reviewed(config_path) if from_reviews else []
    reviewed_texts = [classified_text(post) for post in reviewed]
    if corpus:
        _train_corpus(reviewed, reviewed_texts, output_path)
        return
    if output_path is None:
        raise PantauError("give --output FILE (or --corpus for the packaged model)")

    texts: list[str] = []
    labels: list[int] = []
    for path in inputs:
        rows = read_labelled(path, text_column=text_column, label_column=label_column)
        texts += [row.text for row in rows]
        labels += [row.label for row in rows]
    texts += reviewed_texts
    labels += [int(post["decision"] == "confirmed") for post in reviewed]
    if not texts:
        raise PantauError("nothing to train on: give --input FILE and/or --from-reviews")
    model = train_model(texts, labels, kind=kind)
    model.save(Path(output_path))
    click.echo(
        f"model {model.version}: {len(texts)} texts ({sum(labels)} suspicious) -> {output_path}"
    )


def _reviewed(config_path: str | None) -> list[dict[str, Any]]:
    with store.connect(get_config(config_path).db_path) as db:
        reviewed = list(store.reviewed_posts(db))
    click.echo(f"{len(reviewed)} reviewed posts")
    return reviewed


def _train_corpus(
    reviewed: list[dict[str, Any]], texts: list[str], output_path: str | None
) -> None:
    """The three-label model from the corpus train split plus reviewers' decisions
    (confirmed: suspicious; false positive: not_suspicious)."""
    from classifiers.build_model import build
    from classifiers.label_model import DEFAULT_MODEL

    labels = ["suspicious" if p["decision"] == "confirmed" else "not_suspicious" for p in reviewed]
    model = build(extra=list(zip(texts, labels, strict=True)))
    output = Path(output_path) if output_path else DEFAULT_MODEL
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    click.echo(f"model {model.version}: {model.info.counts} -> {output}")


@click.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled JSON Lines or CSV with text and label columns.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A model made by `pantau train` (default: indicators only).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Also write the figures as JSON to this file (- for stdout).",
)
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--model-only", is_flag=True, help="Score with the learned model alone.")
@click.option(
    "--three-labels",
    is_flag=True,
    help="The file is a corpus split (JSON Lines with expected = suspicious, report or "
    "not_suspicious): per-label precision and recall, per typology and register, with 95% "
    "intervals; the packaged model unless --model or --no-model.",
)
@click.option("--no-model", is_flag=True, help="With --three-labels: indicators only.")
def evaluate(
    input_path: str,
    model_path: str | None,
    json_path: str | None,
    text_column: str,
    label_column: str,
    model_only: bool,
    three_labels: bool,
    no_model: bool,
) -> None:
    """Precision, recall, F1, PR-AUC, confusion matrix and the indicators that fired.

    The score is the verdict's (indicators blended with the model when one is given);
    --model-only scores with the learned model alone, for a model of another domain
    (say, English job scams) where the Indonesian indicators do not apply.

    \b
    Example:
        pantau evaluate --input labelled.jsonl --model model.bin --json report.json
        pantau evaluate --three-labels --input classifiers/corpus/test.jsonl
    """
    from classifiers import classify_many

    if three_labels:
        model = None if no_model else _load_model(model_path, default=True)
        _evaluate_three(Path(input_path), model, json_path)
        return
    from classifiers.dataset import read_labelled
    from classifiers.evaluation import evaluate as evaluate_scores

    rows = read_labelled(input_path, text_column=text_column, label_column=label_column)
    model = _load_model(model_path)
    if model_only and model is None:
        raise PantauError("--model-only needs --model")
    verdicts = classify_many([{"text": row.text} for row in rows], model=model)
    scores = [verdict.score for verdict in verdicts]
    if model_only:
        scores = model.predict_proba([row.text for row in rows])
    report = evaluate_scores(
        [row.label for row in rows],
        scores,
        indicators=[sorted({i.code for i in verdict.indicators}) for verdict in verdicts],
    )
    click.echo(report.to_table())
    if json_path:
        with click.open_file(json_path, "w", encoding="utf-8") as out:
            json.dump(report.to_dict(), out, indent=2)
            out.write("\n")


def _evaluate_three(path: Path, model: Any, json_path: str | None) -> None:
    """Three-label figures of a corpus split, printed and optionally written as JSON."""
    from classifiers import classify_many
    from classifiers.dataset import read_corpus
    from classifiers.evaluation import LabelReport, correct_by
    from classifiers.verdict import LABELS

    rows = read_corpus(path)
    predicted = [v.label for v in classify_many([{"text": r.text} for r in rows], model=model)]
    expected = [row.expected for row in rows]
    report = LabelReport(LABELS, tuple(zip(expected, predicted, strict=True)))
    figures: dict[str, Any] = {"model": getattr(model, "version", None), **report.to_dict()}
    click.echo(f"model: {figures['model'] or 'indicators only'}\n{report.to_table()}")
    for field in ("typology", "register"):
        groups = correct_by([getattr(r, field) for r in rows], expected, predicted)
        click.echo(f"right label by {field}:")
        for group, share in groups.items():
            click.echo(f"  {group or '(none)':<24} {share}")
        figures[f"by_{field}"] = {group: share.to_dict() for group, share in groups.items()}
    if json_path:
        with click.open_file(json_path, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
            out.write("\n")
