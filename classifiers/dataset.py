"""Reading labelled text for training and evaluating the learned model.

``read_labelled(path)`` reads JSON Lines (``.jsonl``/``.ndjson``) or CSV (``.csv``) files
with a text column and a label column, and returns plain ``LabelledText`` rows.

Decision on bad rows: **strict**. A row with a missing or empty text, or a label we cannot
map to 0/1, raises ``DatasetError`` naming the file and the line; a silently shrunk
training set is worse than a loud stop. Datasets with extra classes (the Indonesian SMS
sets use ``2`` for promotions) say what those mean through ``label_map``: map a value to
0 or 1, or to ``None`` to leave those rows out on purpose (the count is logged).

Hostile sizes: every text is cut to ``max_chars`` characters, and a JSON line or CSV field
longer than ``max_line_chars`` is refused.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers.errors import DatasetError

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000
MAX_LINE_CHARS = 1_000_000

DEFAULT_LABELS: Mapping[str, int | None] = {
    "1": 1,
    "0": 0,
    "true": 1,
    "false": 0,
    "suspicious": 1,
    "not_suspicious": 0,
    "positive": 1,
    "hard_negative": 0,
    "negative": 0,
    "fraud": 1,
    "legitimate": 0,
}


@dataclass(frozen=True)
class LabelledText:
    """One training or evaluation example: the text, 1 (suspicious/fraud) or 0, and the
    line of the file it came from."""

    text: str
    label: int
    line: int = 0


@dataclass(frozen=True)
class Columns:
    """Which columns hold the text and the label, and how label values map to 0/1."""

    text: str
    label: str
    labels: Mapping[str, int | None]
    max_chars: int


def read_labelled(
    path: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    label_map: Mapping[str, int | None] | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> list[LabelledText]:
    """Read a labelled JSONL or CSV file (chosen by extension).

    ``label_map`` adds to (and overrides) the default label names, compared
    case-insensitively after stripping; e.g. ``{"2": 0}`` counts promotions as not fraud,
    ``{"2": None}`` leaves them out. Raises ``DatasetError`` on the first bad row,
    ``FileNotFoundError`` if the file is absent.
    """
    source = Path(path)
    columns = Columns(text_column, label_column, _label_table(label_map), max_chars)
    parsed = [_to_labelled(source, line, row, columns) for line, row in _raw_rows(source)]
    result = [row for row in parsed if row is not None]
    log.info(
        "read %d labelled rows from %s (%d left out by label_map)",
        len(result),
        source,
        len(parsed) - len(result),
    )
    return result


def _label_table(label_map: Mapping[str, int | None] | None) -> dict[str, int | None]:
    extra = {str(k).strip().lower(): v for k, v in (label_map or {}).items()}
    bad = [k for k, v in extra.items() if v not in (0, 1, None)]
    if bad:
        raise ValueError(f"label_map values must be 0, 1 or None; bad keys: {bad}")
    return {**DEFAULT_LABELS, **extra}


def _raw_rows(source: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    suffix = source.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(source)
    if suffix == ".csv":
        return _csv_rows(source)
    raise DatasetError(source, 0, f"unknown file type {suffix!r}: use .jsonl or .csv")


def _jsonl_rows(source: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if len(line) > MAX_LINE_CHARS:
                raise DatasetError(source, number, f"line longer than {MAX_LINE_CHARS} chars")
            if line.strip():
                yield number, _parse_json(source, number, line)


def _parse_json(source: Path, number: int, line: str) -> Mapping[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(source, number, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(row, dict):
        raise DatasetError(source, number, "a JSON line must be an object")
    return row


def _csv_rows(source: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    # A hostile field larger than the limit raises csv.Error instead of eating memory.
    csv.field_size_limit(MAX_LINE_CHARS)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise DatasetError(source, reader.line_num, f"invalid CSV: {exc}") from exc


def _to_labelled(
    source: Path, line: int, row: Mapping[str, Any], columns: Columns
) -> LabelledText | None:
    """One row as LabelledText, None when label_map leaves it out on purpose."""
    text = row.get(columns.text)
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(source, line, f"missing or empty text column {columns.text!r}")
    key = _label_key(row.get(columns.label))
    if key not in columns.labels:
        shown = repr(row.get(columns.label))[:40]
        raise DatasetError(source, line, f"label column {columns.label!r}: unknown {shown}")
    label = columns.labels[key]
    return None if label is None else LabelledText(text[: columns.max_chars], label, line)


def _label_key(value: Any) -> str:
    """The lookup key of a label: JSON true/false and 1/1.0 become "true"/"false"/"1"."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value.strip().lower() if isinstance(value, str) else repr(value)


CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPUS_LABELS = ("suspicious", "report", "not_suspicious")


@dataclass(frozen=True)
class CorpusRow:
    """One post of the labelled corpus (``classifiers/corpus/*.jsonl``)."""

    id: str
    text: str
    expected: str
    typology: str = ""
    register: str = ""
    language: str = ""


def read_corpus(path: str | Path) -> list[CorpusRow]:
    """Read a corpus split (JSON Lines with ``id``, ``text``, ``expected`` in
    suspicious/report/not_suspicious, and ``typology``, ``register``, ``language``).
    Strict like :func:`read_labelled`: a bad row raises ``DatasetError``."""
    source = Path(path)
    return [_corpus_row(source, line, row) for line, row in _jsonl_rows(source)]


def _corpus_row(source: Path, line: int, row: Mapping[str, Any]) -> CorpusRow:
    text, expected = row.get("text"), row.get("expected")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(source, line, "missing or empty text")
    if expected not in CORPUS_LABELS:
        raise DatasetError(source, line, f"expected must be one of {CORPUS_LABELS}")
    extra = {key: str(row.get(key) or "") for key in ("typology", "register", "language")}
    return CorpusRow(str(row.get("id", line)), text[:MAX_TEXT_CHARS], str(expected), **extra)
