"""Three-label evaluation in one command: the corpus test split and ../shared/eval.

Usage::

    .venv/bin/python bench/eval_corpus.py [--corpus classifiers/corpus/test.jsonl]
        [--shared ../shared/eval] [--model PATH | --no-model] [--json out.json]
        [--show-misses]

Prints, with 95% Wilson intervals, against the targets of issue 9:

* corpus test split: confusion matrix, per-label precision and recall, the share of rows
  given their expected label per typology and per register, and the target rows
  (suspicious-offer recall; reports labelled suspicious; reports found = ``report`` or
  ``suspicious``; legitimate posts labelled suspicious);
* ``id_overseas_ads_dev.jsonl`` by its ``expected`` field, the same figures (a ``report``
  row is found when labelled ``report`` or ``suspicious``), and legitimate announcements
  labelled ``suspicious`` or ``report``;
* the Loker.id ads: the share flagged (``suspicious``) and the share labelled ``report``;
* the SMS sets: the shares labelled ``suspicious`` and ``report`` (they are scams, not job
  ads: few should be either).

The default model is the packaged one (``classifiers/models/``), as ``pantau classify``
uses it; ``--no-model`` measures the indicators alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers import classify_many  # noqa: E402
from classifiers.evaluation import LabelReport, Share, correct_by  # noqa: E402
from classifiers.verdict import LABELS, NOT_SUSPICIOUS, REPORT, SUSPICIOUS  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
CORPUS_TEST = ROOT / "classifiers" / "corpus" / "test.jsonl"
FOUND = {REPORT, SUSPICIOUS}

# (name, expected label, predicted labels that count, target, "at least" or "at most")
TARGETS = (
    ("suspicious offers labelled suspicious", SUSPICIOUS, {SUSPICIOUS}, 0.90, "min"),
    ("reports labelled suspicious", REPORT, {SUSPICIOUS}, 0.10, "max"),
    ("reports found (report or suspicious)", REPORT, FOUND, 0.80, "min"),
    ("legitimate posts labelled suspicious", NOT_SUSPICIOUS, {SUSPICIOUS}, 0.05, "max"),
    ("legitimate posts labelled suspicious or report", NOT_SUSPICIOUS, FOUND, 0.10, "max"),
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_csv_texts(path: Path, *columns: str) -> list[str]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return ["\n".join(row.get(c) or "" for c in columns if row.get(c)) for row in rows]


def labels_of(texts: Sequence[str], model: Any) -> list[str]:
    return [v.label for v in classify_many([{"text": t} for t in texts], model=model)]


def target_lines(report: LabelReport) -> tuple[list[str], dict[str, Any]]:
    lines, figures = [], {}
    for name, expected, predicted, target, way in TARGETS:
        share = report.predicted_as(expected, predicted)
        if not share.total:
            continue
        met = share.value >= target if way == "min" else share.value <= target
        sign = ">=" if way == "min" else "<="
        lines.append(f"  {name}: {share}  target {sign} {target}  {'MET' if met else 'MISSED'}")
        figures[name] = {**share.to_dict(), "target": target, "met": met}
    return lines, figures


def labelled_set(
    title: str, rows: list[dict[str, Any]], model: Any, show_misses: bool
) -> dict[str, Any]:
    """Print and return the figures of one labelled file."""
    predicted = labels_of([str(r["text"]) for r in rows], model)
    expected = [str(r["expected"]) for r in rows]
    report = LabelReport(LABELS, tuple(zip(expected, predicted, strict=True)))
    print(f"\n== {title}: {len(rows)} rows")
    print(report.to_table())
    lines, figures = target_lines(report)
    print("targets:\n" + "\n".join(lines))
    result: dict[str, Any] = {**report.to_dict(), "targets": figures}
    for field in ("typology", "register", "language"):
        if all(field in r for r in rows):
            groups = correct_by([str(r[field]) for r in rows], expected, predicted)
            print(f"right label by {field}:")
            for group, share in groups.items():
                print(f"  {group:<24} {share}")
            result[f"by_{field}"] = {g: s.to_dict() for g, s in groups.items()}
    if show_misses:
        for row, p in zip(rows, predicted, strict=True):
            if p != row["expected"]:
                print(f"  MISS {row.get('id')}: expected {row['expected']}, got {p}: "
                      f"{str(row['text'])[:140]!r}")  # fmt: skip
    return result


def unlabelled_set(title: str, texts: list[str], model: Any) -> dict[str, Any]:
    predicted = labels_of(texts, model)
    flagged = Share(sum(p == SUSPICIOUS for p in predicted), len(predicted))
    reports = Share(sum(p == REPORT for p in predicted), len(predicted))
    print(f"\n== {title}: {len(texts)} texts\n  suspicious {flagged}\n  report {reports}")
    return {"suspicious": flagged.to_dict(), "report": reports.to_dict()}


def load_model(args: argparse.Namespace) -> Any:
    if args.no_model:
        return None
    from classifiers.label_model import LabelModel, default_model

    return LabelModel.load(args.model) if args.model else default_model()


def run(args: argparse.Namespace) -> dict[str, Any]:
    model = load_model(args)
    print(f"model: {getattr(model, 'version', 'indicators only')}")
    out: dict[str, Any] = {"model": getattr(model, "version", None)}
    if args.corpus.exists():
        rows = read_jsonl(args.corpus)
        out["corpus_test"] = labelled_set(f"corpus {args.corpus.name}", rows, model, args.misses)
    else:
        print(f"\n(corpus split {args.corpus} absent)")
    shared = args.shared
    if (shared / "id_overseas_ads_dev.jsonl").exists():
        rows = read_jsonl(shared / "id_overseas_ads_dev.jsonl")
        out["overseas_dev"] = labelled_set("id_overseas_ads_dev", rows, model, args.misses)
        lokerid = read_csv_texts(shared / "lokerid_jobs_2025_dev.csv", "Title", "Description")
        out["lokerid"] = unlabelled_set("Loker.id ads", lokerid, model)
        for name in ("id_sms_spam_v1_wibisono", "id_sms_manual600_michaelchen27"):
            texts = read_csv_texts(shared / f"{name}.csv", "Teks")
            out[name] = unlabelled_set(name, texts, model)
        texts = read_csv_texts(shared / "id_sms_spam_bopbi_cc0.csv", "text")
        out["id_sms_spam_bopbi_cc0"] = unlabelled_set("id_sms_spam_bopbi_cc0", texts, model)
    else:
        print(f"\n(shared evaluation files under {shared} absent)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_TEST)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--model", type=Path, default=None, help="a model file (default: packaged)")
    parser.add_argument("--no-model", action="store_true", help="indicators only")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--show-misses", dest="misses", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
