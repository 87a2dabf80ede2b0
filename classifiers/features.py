"""Hashed word and character n-gram TF-IDF features with numpy only (no scikit-learn).

The learned models share these functions: ``classifiers.model.HashedTfidf`` (a scikit-learn
transformer, for the one-head model and its pipelines) and :class:`WordTfidf` (words only,
for the three-label model, so that loading and scoring it never imports scikit-learn, which
alone takes about a second to import). How the hashing works is told in
``classifiers/model.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

MODEL_MAX_CHARS = 5_000  # longer texts are cut: bounds time and memory per text
BATCH_DOCS = 2_000  # texts hashed per numpy pass: bounds memory
_WORD = re.compile(r"\w\w+")
_P = np.uint64(0x100000001B3)  # odd multiplier: invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class _Encoded:
    """A batch of normalised strings as one array of code points (+1, so none is 0) with
    polynomial prefix hashes, so any substring's hash is two lookups and a multiply."""

    def __init__(self, strings: list[str]) -> None:
        codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
        self.codes = codes.astype(np.uint64) + np.uint64(1)
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        self.doc = np.repeat(np.arange(len(strings)), lengths)  # document of each position
        size = len(self.codes)
        self.p_pow = _powers(_P, size + 1)
        with np.errstate(over="ignore"):
            weighted = self.codes * _powers(_P_INV, size)
            self.prefix = np.concatenate((np.zeros(1, np.uint64), np.cumsum(weighted)))

    def substring_hash(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        """sum(code[j] * P**(end-1-j)) over [begin, end): the same for equal substrings."""
        with np.errstate(over="ignore"):
            return self.p_pow[end - 1] * (self.prefix[end] - self.prefix[begin])

    def doc_of(self, position: np.ndarray) -> np.ndarray:
        return self.doc[position]


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """base**0 .. base**(count-1) modulo 2**64."""
    with np.errstate(over="ignore"):
        steps = np.full(max(count - 1, 0), base, dtype=np.uint64)
        return np.concatenate((np.ones(1, np.uint64), np.cumprod(steps, dtype=np.uint64)))


def _bucket(hashes: np.ndarray, salt: int, bits: int) -> np.ndarray:
    """Mix a hash (splitmix64 finaliser) and keep its top ``bits`` bits as a column."""
    with np.errstate(over="ignore"):
        h = hashes + np.uint64(salt) * _MIX2
        h = (h ^ (h >> np.uint64(30))) * _MIX1
        h = (h ^ (h >> np.uint64(27))) * _MIX2
        h = h ^ (h >> np.uint64(31))
    return (h >> np.uint64(64 - bits)).astype(np.int64)


def _char_strings(texts: Sequence[str]) -> list[str]:
    """Lowercased, whitespace collapsed, padded with spaces (char_wb works word by word)."""
    return [" " + " ".join(t[:MODEL_MAX_CHARS].lower().split()) + " " for t in texts]


def _word_strings(texts: Sequence[str]) -> list[str]:
    """Tokens as TfidfVectorizer's default pattern finds them, one space apart, padded."""
    return [" " + " ".join(_WORD.findall(t[:MODEL_MAX_CHARS].lower())) + " " for t in texts]


def _char_features(enc: _Encoded, ngrams: tuple[int, int], bits: int) -> tuple[Any, Any]:
    """(doc, column) of every char n-gram that has no space inside (spaces only at ends)."""
    spaces = np.concatenate(([0], np.cumsum(enc.codes == np.uint64(ord(" ") + 1))))
    docs, cols = [], []
    for n in range(ngrams[0], ngrams[1] + 1):
        begin = np.arange(max(len(enc.codes) - n + 1, 0))
        end = begin + n
        ok = spaces[end - 1] - spaces[begin + 1] == 0
        doc = enc.doc_of(begin)
        ok &= doc == enc.doc_of(end - 1)
        docs.append(doc[ok])
        cols.append(_bucket(enc.substring_hash(begin[ok], end[ok]), n, bits))
    return _joined(docs), _joined(cols)


def _word_features(enc: _Encoded, ngrams: tuple[int, int], bits: int) -> tuple[Any, Any]:
    """(doc, column) of every word n-gram: runs of ``n`` tokens between spaces."""
    spaces = np.flatnonzero(enc.codes == np.uint64(ord(" ") + 1))
    token = np.diff(spaces) > 1  # a gap of 1 is the boundary between two documents
    docs, cols = [], []
    for n in range(ngrams[0], min(ngrams[1], len(token)) + 1):
        run = np.lib.stride_tricks.sliding_window_view(token, n).all(axis=1)
        first = np.flatnonzero(run)
        begin, end = spaces[first] + 1, spaces[first + n]
        docs.append(enc.doc_of(begin))
        cols.append(_bucket(enc.substring_hash(begin, end), 100 + n, bits))
    return _joined(docs), _joined(cols)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _counts(doc: np.ndarray, col: np.ndarray, n_docs: int, bits: int) -> sp.csr_matrix:
    """Count matrix in canonical CSR form. One sort of (doc, column) keys is much faster
    than letting scipy sort each row's indices and sum duplicates."""
    keys, counts = np.unique((doc << bits) | col, return_counts=True)
    rows, cols = keys >> bits, keys & ((1 << bits) - 1)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_docs))))
    shape = (n_docs, 2**bits)
    return sp.csr_matrix((counts.astype(np.float32), cols, indptr), shape=shape)


def _stack(parts: list[sp.csr_matrix], bits: int) -> sp.csr_matrix:
    if not parts:
        return sp.csr_matrix((0, 2**bits), dtype=np.float32)
    return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed IDF as TfidfTransformer computes it: ln((1 + n) / (1 + df)) + 1."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF (1 + ln tf) times IDF, each row L2-normalised (empty rows stay empty)."""
    weighted = counts.copy()
    weighted.data = (1 + np.log(weighted.data)) * idf[weighted.indices]
    row = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
    norms = np.sqrt(np.bincount(row, weighted.data**2, minlength=weighted.shape[0]))
    weighted.data /= norms[row].astype(weighted.data.dtype)
    return weighted


class WordTfidf:
    """Word 1-2 gram TF-IDF, hashed to ``2**bits`` columns: the same matrix as
    ``HashedTfidf(char_ngrams=None)`` gives, without scikit-learn."""

    def __init__(self, idf: np.ndarray | None = None, bits: int = 18) -> None:
        self.idf = idf
        self.bits = bits

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts = self._counts(texts)
        self.idf = _idf(counts)
        return _weigh(counts, self.idf)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.idf is None:
            raise ValueError("WordTfidf is not fitted")
        return _weigh(self._counts(texts), self.idf)

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        parts = []
        for offset in range(0, len(texts), BATCH_DOCS):
            batch = list(texts[offset : offset + BATCH_DOCS])
            found = _word_features(_Encoded(_word_strings(batch)), (1, 2), self.bits)
            parts.append(_counts(*found, len(batch), self.bits))
        return _stack(parts, self.bits)
