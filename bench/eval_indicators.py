"""Measure the indicator classifier on the shared evaluation files and time it.

Usage::

    .venv/bin/python bench/eval_indicators.py \\
        --overseas ../shared/eval/id_overseas_ads_dev.jsonl \\
        --lokerid ../shared/eval/lokerid_jobs_2025_dev.csv \\
        [--sms ../shared/eval/id_sms_spam_v1_wibisono.csv [--sms ...]] [--show-misses]

Prints recall on ``positive`` rows, the share of ``hard_negative`` rows flagged, the share of
Loker.id ads flagged, with ``--sms`` (once per file) the share of scam/promo SMS flagged (they
are not job ads, so few should be), and posts per second on one core
(``bench/classify_speed.py`` times more carefully).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from classifiers import classify
from classifiers.verdict import SUSPICIOUS


@dataclass(frozen=True)
class Figures:
    """Measured shares on the evaluation files."""

    recall: float
    hard_negative_flagged: float
    lokerid_flagged: float
    posts_per_second: float


def read_overseas(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_lokerid(path: Path) -> list[str]:
    """Title and description of each Loker.id ad, as one post text."""
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as handle:
        return [f"{row['Title']}\n{row['Description']}" for row in csv.DictReader(handle)]


def read_sms(path: Path) -> list[str]:
    """The text column (``Teks``, or ``text`` in the CC0 set) of an Indonesian SMS spam CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row.get("Teks") or row.get("text") or "" for row in csv.DictReader(handle)]


def flagged_share(texts: Iterable[str]) -> tuple[float, list[str]]:
    texts = list(texts)
    hits = [t for t in texts if classify({"text": t}).label == SUSPICIOUS]
    return (len(hits) / len(texts) if texts else 0.0), hits


def posts_per_second(texts: list[str], seconds: float = 2.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            classify({"text": text})
        done += len(texts)
    return done / (time.perf_counter() - start)


def measure(overseas: Path, lokerid: Path, show_misses: bool = False) -> Figures:
    rows = read_overseas(overseas)
    positives = [r["text"] for r in rows if r["label"] == "positive"]
    negatives = [r["text"] for r in rows if r["label"] == "hard_negative"]
    recall, found = flagged_share(positives)
    hard_share, hard_hits = flagged_share(negatives)
    ads = read_lokerid(lokerid)
    loker_share, loker_hits = flagged_share(ads)
    if show_misses:
        _show("missed positive", [t for t in positives if t not in found])
        _show("flagged hard negative", hard_hits)
        _show("flagged Loker.id ad", loker_hits)
    typical = [t[:800] for t in ads[:300]]
    return Figures(recall, hard_share, loker_share, posts_per_second(typical))


def _show(title: str, texts: list[str]) -> None:
    for text in texts:
        verdict = classify({"text": text})
        codes = sorted({i.code for i in verdict.indicators})
        print(f"--- {title} ({verdict.score:.2f} {codes}): {text[:300]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overseas", type=Path, required=True)
    parser.add_argument("--lokerid", type=Path, required=True)
    parser.add_argument(
        "--sms", type=Path, action="append", default=[], help="Indonesian SMS spam CSV (repeatable)"
    )
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.overseas, args.lokerid, args.show_misses)
    print(f"recall on positive rows:        {figures.recall:.1%}")
    print(f"hard negatives flagged:         {figures.hard_negative_flagged:.1%}")
    print(f"Loker.id ads flagged:           {figures.lokerid_flagged:.2%}")
    print(f"speed (<=800-char posts):       {figures.posts_per_second:,.0f} posts/s")
    for path in args.sms:
        sms = read_sms(path)
        share, _ = flagged_share(sms)
        print(f"SMS (not job ads) flagged:      {share:.2%} of {len(sms)} in {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
