"""The classifier (indicators only) on the shared evaluation files (skipped when ../shared is
absent), by the three labels: the overseas file by its ``expected`` field.

Thresholds are the figures measured with ``bench/eval_corpus.py --no-model`` with a little
slack, so a lexicon or weight change that makes things worse fails here; the issue's targets
are in docs/classifier.md with what the blended model reaches.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from classifiers import classify, classify_many
from classifiers.label_model import default_model
from classifiers.verdict import REPORT, SUSPICIOUS
from tests.support import SHARED

EVAL_DIR = SHARED / "eval"
OVERSEAS = EVAL_DIR / "id_overseas_ads_dev.jsonl"
LOKERID = EVAL_DIR / "lokerid_jobs_2025_dev.csv"
SMS = EVAL_DIR / "id_sms_spam_v1_wibisono.csv"

pytestmark = pytest.mark.shared


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared evaluation file {path} is absent")
    return path


def _rows(expected: str) -> list[str]:
    with _require(OVERSEAS).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row["text"] for row in rows if row["expected"] == expected]


def _share(texts: list[str], labels: set[str]) -> float:
    return sum(classify({"text": t}).label in labels for t in texts) / len(texts)


def _flagged_share(texts: list[str]) -> float:
    return _share(texts, {SUSPICIOUS})


def test_reports_are_found() -> None:
    # Was: recall on the "positive" rows >= 0.55 (two labels). A report counts as found when
    # it is labelled report or suspicious (the file's README); measured 0.95.
    assert _share(_rows(REPORT), {REPORT, SUSPICIOUS}) >= 0.85


def test_reports_raise_fewer_alerts() -> None:
    # Measured 0.45 with the indicators alone (target 0.10 with the model: see the docs).
    assert _flagged_share(_rows(REPORT)) <= 0.50


def test_legitimate_announcements_are_neither_flagged_nor_reports() -> None:
    # Was: hard negatives flagged <= 0.06; now neither label may be given to them.
    assert _share(_rows("not_suspicious"), {REPORT, SUSPICIOUS}) <= 0.06


def test_lokerid_ads_are_rarely_flagged() -> None:
    csv.field_size_limit(10_000_000)
    with _require(LOKERID).open(encoding="utf-8", newline="") as handle:
        ads = [f"{row['Title']}\n{row['Description']}" for row in csv.DictReader(handle)]
    assert _flagged_share(ads) < 0.005
    assert _share(ads, {REPORT}) < 0.01


def test_scam_sms_are_not_job_ads() -> None:
    with _require(SMS).open(encoding="utf-8", newline="") as handle:
        texts = [row["Teks"] for row in csv.DictReader(handle)]
    assert _share(texts, {SUSPICIOUS, REPORT}) <= 0.02


def _labels_with_model(texts: list[str]) -> list[str]:
    model = default_model()
    if model is None:
        pytest.skip("no packaged model built")
    return [v.label for v in classify_many([{"text": t} for t in texts], model=model)]


def test_with_the_packaged_model_lokerid_ads_are_rarely_flagged() -> None:
    # Measured 0/1,133 flagged and 0 reports (target: flagged <= 0.005).
    csv.field_size_limit(10_000_000)
    with _require(LOKERID).open(encoding="utf-8", newline="") as handle:
        ads = [f"{row['Title']}\n{row['Description']}" for row in csv.DictReader(handle)]
    labels = _labels_with_model(ads)
    assert labels.count(SUSPICIOUS) / len(labels) < 0.005
    assert labels.count(REPORT) / len(labels) < 0.01


def test_with_the_packaged_model_reports_raise_few_alerts() -> None:
    # Measured 0.20 labelled suspicious and 0.75 found (targets 0.10 and 0.80: missed, see
    # docs/classifier.md); legitimate announcements 0/17 either label.
    reports = _labels_with_model(_rows(REPORT))
    assert reports.count(SUSPICIOUS) / len(reports) <= 0.25
    assert sum(label in (REPORT, SUSPICIOUS) for label in reports) / len(reports) >= 0.70
    legitimate = _labels_with_model(_rows("not_suspicious"))
    assert sum(label != "not_suspicious" for label in legitimate) / len(legitimate) <= 0.06
