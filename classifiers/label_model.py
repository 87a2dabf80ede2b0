"""The learned model of the three labels: one feature block, two calibrated heads.

``train_label_model(texts, labels)`` (labels ``suspicious`` / ``report`` /
``not_suspicious``) returns a :class:`LabelModel` whose ``predict_heads`` gives, for each
text, P(offer), P(report) and the strongest terms of each head for that text. The engine
blends P(offer) with the indicators' offer score and P(report) with the report score, 0.5/0.5
each (``classifiers/engine.py``).

Why two one-vs-rest heads and not one three-class model: the engine has two scores with
two thresholds (an offer score that raises alerts, a report score that wins over it), so
each head is calibrated as the probability of one of them, and each is explained by its own
terms. Both heads share the word 1-2 gram TF-IDF features (:class:`HashedTfidf`, words
only: several times faster than with character n-grams), computed once per batch.

Each head is a class-weighted L2 logistic regression, Platt-calibrated on out-of-fold
scores (``CalibratedClassifierCV(method="sigmoid", ensemble=False)``), stored as plain
arrays. Training is deterministic: fixed seeds, and the version is a digest of the
training texts and labels (``labels-<digest>``), so the same corpus gives the same model
and the same verdicts.

Explanations: the model keeps, for each hashed column that carries weight, the word n-gram
seen in training that falls in it; a post's strongest terms are its n-grams with the
largest ``tfidf x weight`` for each head.

File: a magic line, a JSON header line (version, sizes, library versions, SHA-256 of the
payload), then a compressed joblib payload of numpy arrays and the vocabulary. Load only
model files you made (joblib unpickles).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from classifiers.errors import ModelError
from classifiers.features import WordTfidf, _bucket, _Encoded, _word_strings
from classifiers.model_file import read_model_file, write_model_file
from classifiers.verdict import LABELS, REPORT, SUSPICIOUS, Term

__all__ = [
    "DEFAULT_MODEL", "HEADS", "LabelModel", "default_model", "load_model_file",
    "train_label_model",
]  # fmt: skip

log = logging.getLogger(__name__)

MAGIC = b"PANTAU-LABEL-MODEL 1\n"
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "labels.model"
HEADS = {"offer": SUSPICIOUS, "report": REPORT}  # head name -> the label it scores
TERMS_PER_HEAD = 3  # strongest terms shown per head and post
TERM_MIN = 0.05  # contributions to the logit below this are not worth showing
VOCABULARY_MAX = 40_000  # columns kept with their n-gram for explanations
# Words that say nothing to a reviewer on their own: n-grams made only of these (or of
# digits) still weigh in the score but are not shown as a post's strongest terms.
FUNCTION_WORDS = frozenset({
    "dan", "yang", "di", "ke", "dari", "ini", "itu", "untuk", "dengan", "atau", "pada", "akan",
    "juga", "ada", "tidak", "sudah", "saya", "aku", "kamu", "kami", "kita", "anda", "dia",
    "mereka", "nya", "ya", "aja", "sih", "nih", "kak", "mas", "mbak", "bang", "dek", "the", "and",
    "of", "to", "in", "is", "a", "an", "for", "on", "with", "at", "by", "be", "are", "was",
    "were", "it", "this", "that", "you", "we", "i", "my", "our", "your", "as", "or", "from",
    "has", "have", "dah", "tu", "ni", "la", "kat",
})  # fmt: skip
GRAMS_PER_COLUMN = 8  # hashed columns shared by several n-grams keep this many candidates


@dataclass(frozen=True)
class LabelModelInfo:
    """The JSON header stored with a model."""

    version: str
    training_size: int
    counts: dict[str, int]
    sklearn_version: str
    numpy_version: str
    payload_sha256: str = ""


@dataclass(frozen=True)
class Head:
    """One calibrated linear head: P = sigmoid(-(slope * (x.w + intercept) + offset))."""

    weights: np.ndarray
    intercept: float
    slope: float
    offset: float

    def probability(self, matrix: sp.csr_matrix) -> np.ndarray:
        decision = matrix @ self.weights + self.intercept
        return expit(-(self.slope * decision + self.offset))


class LabelModel:
    """Features, the offer and report heads, and the vocabulary for explanations."""

    def __init__(
        self,
        features: WordTfidf,
        heads: dict[str, Head],
        vocabulary: dict[int, tuple[str, ...]],
        info: LabelModelInfo,
    ) -> None:
        self.features = features
        self.heads = heads
        self.vocabulary = vocabulary
        self.info = info

    @property
    def version(self) -> str:
        return self.info.version

    def predict_heads(self, texts: list[str]) -> list[tuple[float, float, tuple[Term, ...]]]:
        """(P(offer), P(report), strongest terms) for each text, in order."""
        if not texts:
            return []
        matrix = self.features.transform(list(texts))
        offer = self.heads["offer"].probability(matrix).tolist()
        report = self.heads["report"].probability(matrix).tolist()
        tokens = _word_strings(texts)  # " word word ... ": a term must stand in its post
        terms = [self._terms(matrix, name, tokens) for name in ("offer", "report")]
        return [
            (o, r, t_offer + t_report)
            for o, r, t_offer, t_report in zip(offer, report, *terms, strict=True)
        ]

    def predict_proba(self, texts: list[str]) -> list[float]:
        """P(offer) only: the one-head model interface (``pantau evaluate --model-only``)."""
        return [p for p, _, _ in self.predict_heads(texts)]

    def _terms(self, matrix: sp.csr_matrix, head: str, tokens: list[str]) -> list[tuple[Term, ...]]:
        """Per row, the n-grams that push ``head`` most. Only entries worth showing are
        sorted (one sort for the batch); each row's first few are gathered with numpy."""
        contribution = matrix.data * self.heads[head].weights[matrix.indices]
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        strong = np.flatnonzero(contribution >= TERM_MIN)  # most entries push too little
        if not len(strong):
            return [() for _ in range(matrix.shape[0])]
        order = strong[np.lexsort((-contribution[strong], rows[strong]))]
        counts = np.bincount(rows[strong], minlength=matrix.shape[0])
        ends = np.cumsum(counts)
        width = 2 * TERMS_PER_HEAD  # a few spare: a column may have no n-gram kept
        starts = (ends - counts)[:, None] + np.arange(width)[None, :]
        inside = starts < ends[:, None]
        picked = order[np.where(inside, starts, 0)]
        columns = matrix.indices[picked].tolist()
        values = contribution[picked].astype(np.float64).round(3).tolist()
        return [
            self._row_terms(head, *row)
            for row in zip(inside.tolist(), columns, values, tokens, strict=True)
        ]

    def _row_terms(
        self, head: str, inside: list[bool], columns: list[int], values: list[float], tokens: str
    ) -> tuple[Term, ...]:
        """Up to TERMS_PER_HEAD terms: for each strong column, the training n-gram hashed
        into it that stands in this post (a column may hold several n-grams)."""
        terms: list[Term] = []
        for ok, column, value in zip(inside, columns, values, strict=True):
            if not ok or len(terms) == TERMS_PER_HEAD:
                break
            grams = self.vocabulary.get(column, ())
            term = next((g for g in grams if f" {g} " in tokens), None)
            if term is not None:
                terms.append(Term(term, head, value))
        return tuple(terms)

    def save(self, path: str | Path) -> None:
        """Write the model as one file (magic, JSON header line, compressed payload)."""
        buffer = io.BytesIO()
        heads = {name: asdict(head) for name, head in self.heads.items()}
        joblib.dump(
            {"idfs": [self.features.idf], "heads": heads, "vocabulary": self.vocabulary},
            buffer,
            compress=3,
        )
        payload = buffer.getvalue()
        info = write_model_file(Path(path), MAGIC, self.info, payload)
        log.info("saved label model %s to %s", info.version, path)

    @classmethod
    def load(cls, path: str | Path) -> LabelModel:
        """Read a model written by ``save``; ``ModelError`` when the file is not one or
        is damaged."""
        source = Path(path)
        try:
            raw = source.read_bytes()
        except OSError as exc:
            raise ModelError(f"{source}: cannot read the model: {exc}") from exc
        info, payload = read_model_file(source, raw, MAGIC, LabelModelInfo, "label model")
        try:
            data = joblib.load(io.BytesIO(payload))
            (idf,) = data["idfs"]
            features = WordTfidf(idf)
            heads = {name: Head(**head) for name, head in data["heads"].items()}
            return cls(features, heads, data["vocabulary"], info)
        except Exception as exc:  # unpickling fails in many ways; all mean the same here
            raise ModelError(f"{source}: model payload cannot be read: {exc}") from exc


@lru_cache(maxsize=1)
def default_model() -> LabelModel | None:
    """The packaged model (``classifiers/models/labels.model``), loaded once; None when it
    is absent (a checkout that has not built it)."""
    if not DEFAULT_MODEL.is_file():
        log.warning("no packaged model at %s: indicators only", DEFAULT_MODEL)
        return None
    return LabelModel.load(DEFAULT_MODEL)


# --- training ---------------------------------------------------------------------------


def train_label_model(
    texts: Sequence[str], labels: Sequence[str], *, seed: int = 0, c: float = 10.0
) -> LabelModel:
    """Fit the features and both heads on ``texts`` labelled with :data:`LABELS`.

    Each head needs at least two examples of its label and two of the rest.
    """
    _check(texts, labels)
    features = WordTfidf()
    matrix = features.fit_transform(list(texts))
    heads = {
        name: _fit_head(matrix, np.asarray([lb == label for lb in labels], int), seed, c)
        for name, label in HEADS.items()
    }
    vocabulary = _vocabulary(texts, features.bits, heads)
    counts = {label: sum(lb == label for lb in labels) for label in LABELS}
    version = _version(texts, labels, seed, c)
    info = LabelModelInfo(version, len(texts), counts, _sklearn_version(), np.__version__)
    log.info("trained %s on %d texts %s", version, len(texts), counts)
    return LabelModel(features, heads, vocabulary, info)


def _check(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise ModelError(f"{len(texts)} texts but {len(labels)} labels")
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ModelError(f"unknown labels {sorted(unknown)}: use {', '.join(LABELS)}")
    for label in HEADS.values():
        inside = sum(lb == label for lb in labels)
        if inside < 2 or len(labels) - inside < 2:
            raise ModelError(f"training needs at least two {label} rows and two others")


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _fit_head(matrix: sp.csr_matrix, y: np.ndarray, seed: int, c: float) -> Head:
    # scikit-learn is imported for training only: loading and scoring do without it.
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    # dual=True: with far more hashed columns than rows the dual problem is the smaller one.
    regression = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", dual=True, max_iter=5000,
        random_state=seed,
    )  # fmt: skip
    folds = StratifiedKFold(n_splits=int(min(5, np.bincount(y).min())), shuffle=True,
                            random_state=seed)  # fmt: skip
    calibrated = CalibratedClassifierCV(regression, method="sigmoid", cv=folds, ensemble=False)
    calibrated.fit(matrix, y)
    (fitted,) = calibrated.calibrated_classifiers_
    model, (sigmoid,) = fitted.estimator, fitted.calibrators
    weights = model.coef_.ravel().astype(np.float32)
    return Head(weights, float(model.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_))


def _vocabulary(
    texts: Sequence[str], bits: int, heads: dict[str, Head]
) -> dict[int, tuple[str, ...]]:
    """Column -> the telling training n-grams hashed into it, for the columns with the
    largest weights (the hash is the one the features compute)."""
    found: dict[int, list[str]] = {}
    for n in (1, 2):
        grams = sorted({g for text in texts for g in _ngrams(text, n)})
        if not grams:
            continue
        enc = _Encoded(grams)
        ends = np.cumsum([len(g) for g in grams])
        columns = _bucket(enc.substring_hash(ends - [len(g) for g in grams], ends), 100 + n, bits)
        for gram, column in zip(grams, columns.tolist(), strict=True):
            kept = found.setdefault(column, [])
            if _telling(gram) and len(kept) < GRAMS_PER_COLUMN:
                kept.append(gram)
    strength = np.maximum(*(np.abs(head.weights) for head in heads.values()))
    keep = np.argsort(-strength, kind="stable")[:VOCABULARY_MAX]
    keep = keep[strength[keep] > 0]
    return {int(c): tuple(found[int(c)]) for c in keep if found.get(int(c))}


def _telling(gram: str) -> bool:
    """Whether an n-gram is worth showing: not only function words or digits."""
    return any(not word.isdigit() and word not in FUNCTION_WORDS for word in gram.split())


def _ngrams(text: str, n: int) -> list[str]:
    tokens = _word_strings([text])[0].split()
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _version(texts: Sequence[str], labels: Sequence[str], seed: int, c: float) -> str:
    digest = hashlib.sha256(f"{seed}\t{c}\n".encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\t{len(text)}\t".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
    return f"labels-{digest.hexdigest()[:10]}"


def load_model_file(path: str | Path) -> Any:
    """A :class:`LabelModel` or, for files of the older one-head kind, a
    :class:`classifiers.model.TextModel` (chosen by the file's magic line)."""
    with Path(path).open("rb") as handle:
        head = handle.read(len(MAGIC))
    if head.startswith(b"PANTAU-TEXT-MODEL"):
        from classifiers.model import TextModel

        return TextModel.load(path)
    return LabelModel.load(path)
