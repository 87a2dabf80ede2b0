"""The classifier's commands: ``classify``, ``train``, ``evaluate``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

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
    help="A model made by `pantau train` to blend with the indicators.",
)
def classify(input_path: str, output_path: str, model_path: str | None) -> None:
    """Classify posts from JSON Lines: {"id", "text", ...} -> {"id", "score", "label",
    "indicators"}.

    \b
    Example:
        echo '{"id": 1, "text": "Loker admin Kamboja gaji 15jt"}' | pantau classify
    """
    from classifiers import classify_many

    model = _load_model(model_path)
    with (
        click.open_file(input_path, encoding="utf-8") as src,
        click.open_file(output_path, "w", encoding="utf-8") as out,
    ):
        for batch in _batches(_read_jsonl(src, input_path), CLASSIFY_BATCH):
            verdicts = classify_many([row for _, row in batch], model=model)
            for (number, row), verdict in zip(batch, verdicts, strict=True):
                line = {"id": row.get("id", number), **verdict.to_dict()}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _read_jsonl(src: IO[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(src, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PantauError(f"{name}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise PantauError(f"{name}, line {number}: expected an object with a text field")
        yield number, row


def _load_model(model_path: str | None) -> Any:
    if model_path is None:
        return None
    from classifiers.model import TextModel

    return TextModel.load(Path(model_path))


@click.command()
@config_option
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled JSON Lines or CSV with text and label columns (repeatable).",
)
@click.option("--from-reviews", is_flag=True, help="Also learn from reviewers' decisions.")
@click.option(
    "--output",
    "output_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the model.",
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
    from_reviews: bool,
    output_path: str,
    text_column: str,
    label_column: str,
    kind: str,
) -> None:
    """Train the learned model from labelled files and/or reviewers' decisions.

    Labels: 1/0, suspicious/not_suspicious, positive/negative/hard_negative, true/false.
    Confirmed reviews count as suspicious, false positives as not suspicious.

    \b
    Example:
        pantau train --input labelled.jsonl --from-reviews --output model.bin
    """
    from classifiers import classified_text
    from classifiers.dataset import read_labelled
    from classifiers.model import train_model

    texts: list[str] = []
    labels: list[int] = []
    for path in inputs:
        rows = read_labelled(path, text_column=text_column, label_column=label_column)
        texts += [row.text for row in rows]
        labels += [row.label for row in rows]
    if from_reviews:
        with store.connect(get_config(config_path).db_path) as db:
            reviewed = store.reviewed_posts(db)
        texts += [classified_text(post) for post in reviewed]
        labels += [int(post["decision"] == "confirmed") for post in reviewed]
        click.echo(f"{len(reviewed)} reviewed posts")
    if not texts:
        raise PantauError("nothing to train on: give --input FILE and/or --from-reviews")
    model = train_model(texts, labels, kind=kind)
    model.save(Path(output_path))
    click.echo(
        f"model {model.version}: {len(texts)} texts ({sum(labels)} suspicious) -> {output_path}"
    )


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
def evaluate(
    input_path: str,
    model_path: str | None,
    json_path: str | None,
    text_column: str,
    label_column: str,
    model_only: bool,
) -> None:
    """Precision, recall, F1, PR-AUC, confusion matrix and the indicators that fired.

    The score is the verdict's (indicators blended with the model when one is given);
    --model-only scores with the learned model alone, for a model of another domain
    (say, English job scams) where the Indonesian indicators do not apply.

    \b
    Example:
        pantau evaluate --input labelled.jsonl --model model.bin --json report.json
    """
    from classifiers import classify_many
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
