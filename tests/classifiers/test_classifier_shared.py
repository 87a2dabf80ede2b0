"""The classifier on the shared evaluation files (skipped when ../shared is absent).

Thresholds are the figures measured with ``bench/eval_indicators.py`` (recall 63.6% on the
positive rows, no hard negative, no Loker.id ad and no scam SMS flagged), with a little slack,
so a lexicon or weight change that makes things worse fails here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from classifiers import classify
from classifiers.verdict import SUSPICIOUS
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


def _rows(label: str) -> list[str]:
    with _require(OVERSEAS).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row["text"] for row in rows if row["label"] == label]


def _flagged_share(texts: list[str]) -> float:
    return sum(classify({"text": t}).label == SUSPICIOUS for t in texts) / len(texts)


def test_recall_on_positive_rows() -> None:
    assert _flagged_share(_rows("positive")) >= 0.55


def test_hard_negatives_are_rarely_flagged() -> None:
    assert _flagged_share(_rows("hard_negative")) <= 0.06


def test_lokerid_ads_are_rarely_flagged() -> None:
    csv.field_size_limit(10_000_000)
    with _require(LOKERID).open(encoding="utf-8", newline="") as handle:
        ads = [f"{row['Title']}\n{row['Description']}" for row in csv.DictReader(handle)]
    assert _flagged_share(ads) < 0.01


def test_scam_sms_are_not_job_ads() -> None:
    with _require(SMS).open(encoding="utf-8", newline="") as handle:
        texts = [row["Teks"] for row in csv.DictReader(handle)]
    assert _flagged_share(texts) <= 0.02
