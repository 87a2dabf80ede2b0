"""The learned text model: TF-IDF n-grams into a calibrated logistic regression.

``train_model(texts, labels)`` returns a ``TextModel`` whose ``predict_proba`` gives the
probability of the suspicious (fraud) class. The engine blends it with the indicator score.

Kinds (``train_model(kind=...)``): ``"words"`` (the default) uses word 1-2 grams only;
``"words+chars"`` adds ``char_wb``-style 2-5 grams. Measured with nested cross-validation
(``bench/eval_difraud.py``, ``docs/classifier.md``): on DIFrauD job scams words alone rank
fraud as well or better, on Indonesian SMS scams the two are within noise, and words alone
classify several times faster (character n-grams are ~4 features per input character).

Features, and why they are hashed. Word 1-2 grams and (optionally) 2-5 character grams, each
block weighted by sublinear TF x IDF and L2-normalised, as two ``TfidfVectorizer`` s in a
``FeatureUnion`` would. scikit-learn's vectorizers build every n-gram in a Python loop and
reach only ~300 long job ads (~3,000 SMS-sized texts) per second; ``HashedTfidf`` computes
the same n-grams as substring hashes with numpy over a whole batch at once (polynomial
prefix hashes, like the hashing trick of ``HashingVectorizer``), which is many times faster.
The feature count is capped by the hash width (2^18 word + 2^19 character columns).

Calibration: ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``: Platt scaling
fitted on out-of-fold scores, then one logistic regression on all rows, so predicting
costs one linear model. ``predict_proba`` computes exactly that (features, dot product,
sigmoid) with numpy instead of going through scikit-learn's ``predict_proba``, whose input
checks cost ~1.5 ms per call: the engine scores one post at a time. The IDF weights are
fitted on all training rows (the calibration folds share them), a small optimism we accept.

Files: ``save`` writes one file: a magic line, a JSON header line (version, training size,
library versions, SHA-256 of the payload), then the joblib pickle. ``load`` checks the
magic, the checksum and the scikit-learn major version before unpickling. Pickles run
code when loaded: load only model files you made.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from classifiers.errors import ModelError
from classifiers.features import (
    BATCH_DOCS,
    _char_features,
    _char_strings,
    _counts,
    _Encoded,
    _idf,
    _stack,
    _weigh,
    _word_features,
    _word_strings,
)  # fmt: skip
from classifiers.model_file import read_model_file, write_model_file

log = logging.getLogger(__name__)

MAGIC = b"PANTAU-TEXT-MODEL 1\n"


@dataclass(frozen=True)
class ModelInfo:
    """The JSON header stored with a model."""

    version: str
    training_size: int
    positives: int
    sklearn_version: str
    numpy_version: str
    payload_sha256: str = ""
    kind: str = "words+chars"  # files written before kinds existed used both blocks


# --- features ---------------------------------------------------------------------------


class HashedTfidf(TransformerMixin, BaseEstimator):
    """Word (1-2) and char_wb (2-5) n-gram TF-IDF with hashed columns; see module docstring.

    ``char_ngrams=None`` leaves the character block out (words only)."""

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (2, 5),
        word_bits: int = 18,
        char_bits: int = 19,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_bits = word_bits
        self.char_bits = char_bits

    def fit(self, texts: Sequence[str], y: Any = None) -> HashedTfidf:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: Any = None, **fit_params: Any) -> Any:
        blocks = self._raw_counts(texts)
        self.idfs_ = [_idf(block) for block in blocks]
        return self._weighted(blocks)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._weighted(self._raw_counts(texts))

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Files saved before kinds existed hold the two IDF vectors under separate names.
        if "word_idf_" in state:
            state["idfs_"] = [state.pop("word_idf_"), state.pop("char_idf_")]
        self.__dict__.update(state)

    def _weighted(self, blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
        weighted = [_weigh(block, idf) for block, idf in zip(blocks, self.idfs_, strict=True)]
        if len(weighted) == 1:  # stacking one block only costs time
            return weighted[0]
        return sp.hstack(weighted, format="csr", dtype=np.float32)

    def _raw_counts(self, texts: Sequence[str]) -> list[sp.csr_matrix]:
        """Count matrices: the word block, then the character block when there is one."""
        words, chars = [], []
        for offset in range(0, len(texts), BATCH_DOCS):
            batch = list(texts[offset : offset + BATCH_DOCS])
            words.append(self._word_counts(batch))
            if self.char_ngrams is not None:
                chars.append(self._char_counts(batch, self.char_ngrams))
        blocks = [_stack(words, self.word_bits)]
        if self.char_ngrams is not None:
            blocks.append(_stack(chars, self.char_bits))
        return blocks

    def _word_counts(self, batch: list[str]) -> sp.csr_matrix:
        found = _word_features(_Encoded(_word_strings(batch)), self.word_ngrams, self.word_bits)
        return _counts(*found, len(batch), self.word_bits)

    def _char_counts(self, batch: list[str], ngrams: tuple[int, int]) -> sp.csr_matrix:
        found = _char_features(_Encoded(_char_strings(batch)), ngrams, self.char_bits)
        return _counts(*found, len(batch), self.char_bits)


# --- model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Linear:
    """The fitted scorer as plain arrays: P = sigmoid(-(slope * (x.w + intercept) + offset)),
    which is what the calibrated pipeline computes for the suspicious class."""

    weights: np.ndarray
    intercept: float
    slope: float
    offset: float

    @classmethod
    def of(cls, pipeline: Pipeline) -> _Linear:
        (calibrated,) = pipeline.named_steps["classify"].calibrated_classifiers_
        regression, (sigmoid,) = calibrated.estimator, calibrated.calibrators
        weights = regression.coef_.ravel().astype(np.float64)
        return cls(weights, float(regression.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_))

    def probability(self, matrix: sp.csr_matrix) -> np.ndarray:
        decision = matrix @ self.weights + self.intercept
        return expit(-(self.slope * decision + self.offset))


class TextModel:
    """A trained pipeline and its header. ``predict_proba`` gives P(suspicious)."""

    def __init__(self, pipeline: Pipeline, info: ModelInfo) -> None:
        self.pipeline = pipeline
        self.info = info
        self._features = pipeline.named_steps["features"]
        self._linear = _Linear.of(pipeline)

    @property
    def version(self) -> str:
        return self.info.version

    def predict_proba(self, texts: list[str]) -> list[float]:
        """Probability of the suspicious/fraud class for each text, in order."""
        if not texts:
            return []
        return self._linear.probability(self._features.transform(list(texts))).tolist()

    def save(self, path: str | Path) -> None:
        """Write the model as one file (magic, JSON header line, joblib payload)."""
        buffer = io.BytesIO()
        joblib.dump(self.pipeline, buffer)
        payload = buffer.getvalue()
        info = write_model_file(Path(path), MAGIC, self.info, payload)
        log.info("saved model %s to %s", info.version, path)

    @classmethod
    def load(cls, path: str | Path) -> TextModel:
        """Read a model written by ``save``; ``ModelError`` when the file is not one, is
        damaged, or was made by another scikit-learn major version."""
        raw = Path(path).read_bytes()
        info, payload = read_model_file(Path(path), raw, MAGIC, ModelInfo, "model")
        _check_compatible(Path(path), info)
        try:
            return cls(joblib.load(io.BytesIO(payload)), info)
        except Exception as exc:  # unpickling fails in many ways; all mean the same here
            raise ModelError(f"{path}: model payload cannot be read: {exc}") from exc


def _check_compatible(path: Path, info: ModelInfo) -> None:
    made, here = info.sklearn_version.split("."), sklearn.__version__.split(".")
    if made[0] != here[0]:
        raise ModelError(
            f"{path}: model made with scikit-learn {info.sklearn_version}, "
            f"this is {sklearn.__version__}: retrain it"
        )
    if made[:2] != here[:2]:
        log.warning("%s: model made with scikit-learn %s", path, info.sklearn_version)


KINDS: dict[str, tuple[int, int] | None] = {"words": None, "words+chars": (2, 5)}
"""Model kinds and their character n-gram range (``None``: no character block)."""


def train_model(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    seed: int = 0,
    trained_on: date | None = None,
    c: float = 10.0,
    kind: str = "words",
) -> TextModel:
    """Fit the pipeline on ``texts`` with labels 1 (suspicious) / 0.

    Needs at least two examples of each class (calibration folds are stratified).
    ``trained_on`` goes into the version string (today when not given); ``c`` is the
    inverse regularisation strength; ``kind`` is a key of ``KINDS``.
    """
    y = np.asarray([int(v) for v in labels])
    _check_training_set(texts, y)
    if kind not in KINDS:
        raise ModelError(f"unknown model kind {kind!r}: one of {', '.join(KINDS)}")
    pipeline = _pipeline(seed, c, int(min(5, np.bincount(y).min())), KINDS[kind])
    pipeline.fit(list(texts), y)
    version = _version(texts, y, trained_on or date.today())
    sizes = (len(y), int(y.sum()))
    info = ModelInfo(version, *sizes, sklearn.__version__, np.__version__, kind=kind)
    log.info("trained %s (%s) on %d texts (%d suspicious)", version, kind, *sizes)
    return TextModel(pipeline, info)


def _check_training_set(texts: Sequence[str], y: np.ndarray) -> None:
    if len(texts) != len(y):
        raise ModelError(f"{len(texts)} texts but {len(y)} labels")
    if not set(y.tolist()) <= {0, 1}:
        raise ModelError("labels must be 0 or 1")
    if len(y) == 0 or np.bincount(y, minlength=2).min() < 2:
        raise ModelError("training needs at least two examples of each class")


def _pipeline(seed: int, c: float, folds: int, char_ngrams: tuple[int, int] | None) -> Pipeline:
    # dual=True: with far more hashed columns than rows the dual problem is the smaller
    # one (same solution, 3-10x faster to fit).
    regression = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", dual=True, max_iter=5000,
        random_state=seed,
    )  # fmt: skip
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    calibrated = CalibratedClassifierCV(regression, method="sigmoid", cv=splits, ensemble=False)
    features = HashedTfidf(char_ngrams=char_ngrams)
    return Pipeline([("features", features), ("classify", calibrated)])


def _version(texts: Sequence[str], y: np.ndarray, day: date) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, y.tolist(), strict=True):
        digest.update(f"{label}\t{len(text)}\t".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
    return f"tfidf-lr-{day:%Y%m%d}-{digest.hexdigest()[:8]}"
