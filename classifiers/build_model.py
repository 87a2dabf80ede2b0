"""Build the packaged learned model from the corpus train split, reproducibly.

Usage::

    python -m classifiers.build_model [--train classifiers/corpus/train.jsonl]
                                      [--output classifiers/models/labels.model]

Same corpus, same model: fixed seeds, and the version is a digest of the training rows.
``pantau train --corpus`` does the same and can add reviewers' decisions. The test split
(``test.jsonl``) is never read here.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from classifiers.dataset import CORPUS_DIR, read_corpus
from classifiers.label_model import DEFAULT_MODEL, LabelModel, train_label_model

TRAIN_SPLIT = CORPUS_DIR / "train.jsonl"


def build(train: Path = TRAIN_SPLIT, extra: list[tuple[str, str]] | None = None) -> LabelModel:
    """The model trained on the corpus rows of ``train`` plus ``extra`` (text, label)."""
    rows = read_corpus(train)
    texts = [row.text for row in rows] + [text for text, _ in extra or []]
    labels = [row.expected for row in rows] + [label for _, label in extra or []]
    return train_label_model(texts, labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN_SPLIT)
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = build(args.train)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    size = args.output.stat().st_size
    print(f"model {model.version}: {model.info.counts} -> {args.output} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
