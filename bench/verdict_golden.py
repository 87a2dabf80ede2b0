"""Golden check: the classifier's verdicts on every shared evaluation text, saved or compared.

Usage::

    .venv/bin/python bench/verdict_golden.py /tmp/golden.json            # save
    .venv/bin/python bench/verdict_golden.py /tmp/golden.json --compare  # report differences

Speed work on the classifier must not change a verdict. This script classifies every text of
``../shared/eval`` (Loker.id title + description, the overseas JSONL, the three SMS CSVs and
DIFrauD JSONL), each at full length and cut to 800 characters, and once more with a small
agency list (company names from the Loker.id file, alternately active and revoked) so the
licence check runs too. Per text it keeps the whole :meth:`Verdict.to_dict` (label, score
rounded to 4 places, indicators with weights, words and offsets, entities, reasons). The file
belongs outside the repository (the texts are other people's). ``--compare`` prints every
difference and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers import classify  # noqa: E402
from classifiers.agencies import Agency, AgencyRegistry  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
CUT_CHARS = 800
AGENCY_NAMES = 300  # company names taken from the Loker.id file for the agency list


def _csv_rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _jsonl_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [str(json.loads(line)["text"]) for line in handle if line.strip()]


def read_texts(shared: Path) -> dict[str, str]:
    """Every evaluation text by a stable key ("file:row")."""
    sources: dict[str, list[str]] = {
        "lokerid": [
            f"{r['Title']}\n{r['Description']}"
            for r in _csv_rows(shared / "lokerid_jobs_2025_dev.csv")
        ],
        "overseas": _jsonl_texts(shared / "id_overseas_ads_dev.jsonl"),
        "difraud": _jsonl_texts(shared / "difraud_job_scams_validation.jsonl"),
        "sms_manual": [r["Teks"] for r in _csv_rows(shared / "id_sms_manual600_michaelchen27.csv")],
        "sms_v1": [r["Teks"] for r in _csv_rows(shared / "id_sms_spam_v1_wibisono.csv")],
        "sms_bopbi": [r["text"] for r in _csv_rows(shared / "id_sms_spam_bopbi_cc0.csv")],
    }
    return {f"{name}:{i}": text for name, texts in sources.items() for i, text in enumerate(texts)}


def agency_registry(shared: Path) -> AgencyRegistry:
    """A small list from Loker.id company names, alternately active and revoked."""
    names = dict.fromkeys(r["Company"] for r in _csv_rows(shared / "lokerid_jobs_2025_dev.csv"))
    agencies = [
        Agency(name, f"KEP.{i}/2025", "aktif" if i % 2 else "dicabut")
        for i, name in enumerate(list(names)[:AGENCY_NAMES])
    ]
    return AgencyRegistry(agencies)


def verdicts(texts: dict[str, str], agencies: AgencyRegistry) -> Iterator[tuple[str, Any]]:
    """(key, verdict dict) for each text: full, cut, and full with the agency list."""
    for key, text in texts.items():
        yield f"{key}:full", classify({"text": text}).to_dict()
        yield f"{key}:cut", classify({"text": text[:CUT_CHARS]}).to_dict()
        yield f"{key}:agencies", classify({"text": text}, agencies=agencies).to_dict()


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One line per key whose verdict differs (or that is missing on one side)."""
    lines = [f"{key}: missing now" for key in old if key not in new]
    lines += [f"{key}: new key" for key in new if key not in old]
    for key in old.keys() & new.keys():
        if old[key] != new[key]:
            fields = [f for f in old[key] if old[key][f] != new[key].get(f)]
            for name in fields:
                lines.append(f"{key}: {name}\n  was {old[key][name]}\n  now {new[key][name]}")
    return sorted(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("golden", type=Path, help="the golden file (JSON), outside the repo")
    parser.add_argument("--compare", action="store_true", help="compare instead of saving")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    texts = read_texts(args.shared)
    found = dict(verdicts(texts, agency_registry(args.shared)))
    if not args.compare:
        args.golden.write_text(json.dumps(found, ensure_ascii=False, sort_keys=True))
        print(f"saved {len(found)} verdicts of {len(texts)} texts to {args.golden}")
        return 0
    diff = differences(json.loads(args.golden.read_text()), found)
    print("\n".join(diff))
    print(f"{len(found)} verdicts of {len(texts)} texts compared: {len(diff)} differences")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
