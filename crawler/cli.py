"""The ``pantau`` command: what operators, investigators and reviewers type.

Each command is a thin edge: it loads the configuration once, calls the stage
functions, prints a short human summary (or JSON Lines where data flows) and turns any
``PantauError`` into one line on standard error and exit status 2.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from crawler import store
from crawler.config import Config, load_config
from crawler.errors import ConfigError, PantauError

log = logging.getLogger("pantau")
# classifiers.model.KINDS, spelt out so that the command starts without importing scikit-learn
MODEL_KINDS = ("words", "words+chars")
CLASSIFY_BATCH = 1000  # posts scored together: the learned model is much faster in batches


class PantauGroup(click.Group):
    """Prints a ``PantauError`` as one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"pantau: configuration error: {exc}", err=True)
            sys.exit(2)
        except PantauError as exc:
            click.echo(f"pantau: error: {exc}", err=True)
            sys.exit(2)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML configuration file (default: $PANTAU_CONFIG, else embedded defaults).",
)


def get_config(config_path: str | None) -> Config:
    return load_config(config_path, os.environ)


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter


@click.group(cls=PantauGroup)
@click.version_option(package_name="pantau")
def main() -> None:
    """Pantau watches public channels for illegal overseas job ads, captures evidence
    and alerts investigators.

    \b
    Example:
        pantau demo --once
    """


@main.command()
@config_option
@click.option("--once", is_flag=True, help="Exit after one cycle instead of watching on.")
def demo(config_path: str | None, once: bool) -> None:
    """Run Pantau against the bundled sample channel with a local mail sink.

    \b
    Example:
        PANTAU_DATA_DIR=/tmp/pantau-demo pantau demo --once
    """
    from crawler.demo import run_demo

    setup_logging(logging.WARNING)
    run_demo(get_config(config_path), os.environ, once=once, echo=click.echo)


@main.command()
@config_option
def run(config_path: str | None) -> None:
    """Run the service in the foreground: every source on its interval, then
    classify, capture and alert. Stops cleanly on SIGTERM or Ctrl-C.

    \b
    Example:
        pantau run --config /etc/pantau/pantau.toml
    """
    from scheduler import run_service

    setup_logging()
    config = get_config(config_path)
    if not config.sources:
        raise ConfigError("sources", "no source configured: add at least one [[sources]] table")
    run_service(config)


@main.command()
@config_option
@click.argument("source_name")
def crawl(config_path: str | None, source_name: str) -> None:
    """Crawl one configured source now, then classify, capture and alert.

    \b
    Example:
        pantau crawl --config pantau.toml loker-kamboja
    """
    from crawler.crawl import CrawlRunner
    from crawler.stages import process

    setup_logging()
    config = get_config(config_path)
    source = next((s for s in config.sources if s.name == source_name), None)
    if source is None:
        raise ConfigError("sources", f"no source named {source_name!r}")
    result = CrawlRunner(config).run(source)
    click.echo(
        f"{result.source}: {result.status} ({result.items_scraped} posts, "
        f"{result.items_new} new){': ' + str(result.reason) if result.status != 'ok' else ''}"
    )
    with store.connect(config.db_path) as db:
        process(db, config)
    if result.status != "ok":
        sys.exit(1)


@main.command()
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


@main.command()
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


@main.command()
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


@main.command()
@config_option
@click.argument("post_id")
def network(config_path: str | None, post_id: str) -> None:
    """Posts linked to one post: sharing a phone number, handle, email or company, or
    reposting the same template.

    \b
    Example:
        pantau network telegram:lokerluarnegeri_demo/102
    """
    with store.connect(get_config(config_path).db_path) as db:
        key = _resolve_post(db, post_id)
        linked = store.linked_posts(db, key)
        reposts = store.cluster_members(db, key)
    for row in linked:
        click.echo(f"{row['key']}  shares {row['kind']} {row['value']}  {row['url']}")
    for row in reposts:
        click.echo(f"{row['key']}  reposts the same text  {row['url']}")
    if not linked and not reposts:
        click.echo(f"{key}: no linked posts")


@main.command()
@click.argument("path", type=click.Path(exists=True))
def verify(path: str) -> None:
    """Check an evidence bundle: recompute the SHA-256 of every file in its manifest.

    Exits 0 when all match, 1 naming each file that does not.

    \b
    Example:
        pantau verify pantau-data/evidence/telegram_chan_123/20261128T101500Z
    """
    from crawler.evidence import verify_bundle

    problems = verify_bundle(Path(path))
    for problem in problems:
        click.echo(f"FAILED {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"OK: every file listed in the manifest of {path} matches its SHA-256")


@main.command()
@config_option
def deliver(config_path: str | None) -> None:
    """Send every queued alert now (also those waiting for their next retry).

    \b
    Example:
        pantau deliver --config pantau.toml
    """
    from alerts.outbox import deliver as deliver_alerts

    setup_logging()
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        report = deliver_alerts(db, config.smtp, ignore_backoff=True)
    click.echo(f"sent {report.sent}, still queued {report.retried}, failed {report.failed}")
    for error in report.errors:
        click.echo(f"  {error}")
    if report.retried or report.failed:
        sys.exit(1)


@main.command()
@config_option
def status(config_path: str | None) -> None:
    """Show sources, their last run, and counts of posts, flags, evidence and alerts.

    \b
    Example:
        pantau status
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        counts = store.status_counts(db)
    click.echo(f"database: {config.db_path}")
    for source in counts["sources"]:
        error = f" — {source['last_error']}" if source["last_error"] else ""
        click.echo(
            f"source {source['name']}: last run {source['last_run_at'] or 'never'} "
            f"{source['last_status'] or ''}{error}"
        )
    click.echo(
        f"posts {counts['posts']}, suspicious {counts['suspicious']}, "
        f"evidence {counts['evidence']}, alerts "
        + (", ".join(f"{n} {state}" for state, n in sorted(counts["alerts"].items())) or "none")
    )


@main.group()
def agencies() -> None:
    """The official list of licensed placement agencies (P3MI), used by the classifier:
    naming a licensed agency lowers the risk, claiming a licence not on the list raises it.

    \b
    Example:
        pantau agencies import daftar_p3mi.csv
    """


@agencies.command("import")
@config_option
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
def agencies_import(config_path: str | None, csv_path: str) -> None:
    """Replace the stored list with a CSV (columns: name, licence, status; Indonesian
    headers such as nama, no_izin, status are accepted).

    \b
    Example:
        pantau agencies import daftar_p3mi.csv
    """
    from classifiers.agencies import AgencyRegistry

    try:
        registry = AgencyRegistry.from_csv(Path(csv_path))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PantauError(f"{csv_path}: {exc}") from None
    rows = [{"name": a.name, "licence": a.licence, "status": a.status} for a in registry.agencies]
    with store.connect(get_config(config_path).db_path) as db:
        count = store.replace_agencies(db, rows)
    active = sum(1 for a in registry.agencies if a.active)
    click.echo(f"imported {count} agencies ({active} with an active licence)")


@agencies.command("list")
@config_option
def agencies_list(config_path: str | None) -> None:
    """Show the stored list.

    \b
    Example:
        pantau agencies list
    """
    with store.connect(get_config(config_path).db_path) as db:
        rows = store.agencies(db)
    for row in rows:
        click.echo(f"{row['name']}  {row['licence'] or '-'}  {row['status'] or '-'}")
    if not rows:
        click.echo("no agency list imported (pantau agencies import FILE)")


@main.group()
def review() -> None:
    """Review flagged posts from the command line.

    \b
    Example:
        pantau review list
        pantau review mark telegram:chan/42 false-positive --note "berita resmi"
    """


@review.command("list")
@config_option
@click.option("--limit", default=50, show_default=True, help="How many posts to list.")
def review_list(config_path: str | None, limit: int) -> None:
    """List flagged posts, highest score first, with their review and alert state.

    \b
    Example:
        pantau review list --limit 20
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        rows = store.flagged_posts(db, limit)
    if not rows:
        click.echo("no flagged posts")
    for row in rows:
        excerpt = " ".join((row["excerpt"] or "[image only]").split())
        click.echo(
            f"{row['score']:.2f}  {row['key']}  [{row['decision'] or 'unreviewed'}; "
            f"alert {row['alert_status'] or 'none'}]  {excerpt}"
        )


@review.command("mark")
@config_option
@click.argument("post_id")
@click.argument("decision", type=click.Choice(["confirmed", "false-positive"]))
@click.option("--note", default=None, help="Why (kept with the decision).")
@click.option("--reviewer", default=None, help="Who decided (default: $USER).")
def review_mark(
    config_path: str | None, post_id: str, decision: str, note: str | None, reviewer: str | None
) -> None:
    """Mark a post confirmed or false-positive. A false positive is never alerted again.

    POST_ID is the key shown by `review list` (telegram:chan/42) or the bare post id.

    \b
    Example:
        pantau review mark telegram:lokerluarnegeri_demo/7 confirmed --note "akun calo"
    """
    config = get_config(config_path)
    with store.connect(config.db_path) as db:
        key = _resolve_post(db, post_id)
        store.add_review(
            db, key, decision.replace("-", "_"), note, reviewer or os.environ.get("USER")
        )
    click.echo(f"{key}: {decision}")


def _resolve_post(db: Any, post_id: str) -> str:
    if store.has_post(db, post_id):
        return post_id
    keys = [row["key"] for row in db.query("SELECT key FROM posts WHERE post_id = ?", [post_id])]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise PantauError(f"no stored post {post_id!r} (see `pantau review list`)")
    raise PantauError(f"{post_id!r} is ambiguous: {', '.join(keys)}; give the full key")
