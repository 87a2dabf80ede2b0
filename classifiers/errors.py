"""The classifier's exceptions: the room imports nothing of the others, so it has its own.

    ClassifierError
    ├── DatasetError            a labelled file cannot be read (carries file and line)
    ├── ModelError              a model file cannot be loaded, or a model not trained
    └── OcrError                an image could not be read, or Tesseract failed
        └── TesseractMissingError   the Tesseract binary is not installed

Each ``str`` is the one line the ``pantau`` command prints.
"""

from __future__ import annotations

from pathlib import Path


class ClassifierError(Exception):
    """Base class of every error the classifier raises on purpose."""


class DatasetError(ClassifierError):
    """A labelled file cannot be read; carries the file and the 1-based line."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ModelError(ClassifierError):
    """A model file cannot be loaded or a model cannot be trained."""


class OcrError(ClassifierError):
    """The image could not be read, or Tesseract failed or timed out."""


class TesseractMissingError(OcrError):
    """The Tesseract binary is not installed (or not where it was said to be)."""
