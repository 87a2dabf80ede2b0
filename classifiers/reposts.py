"""Clusters of reposted ads: the same template posted from many accounts (REPOST signal).

``RepostIndex.add(key, text)`` puts a post in the cluster of the near-duplicate seen
first, or opens a new cluster named after the post's own key. Near-duplicate means an
estimated Jaccard similarity of word 3-gram shingles of the normalised text of at least
``threshold``, found with ``datasketch`` MinHash + MinHashLSH.

Normalisation is what makes a template match across reposts: case and Unicode forms are
folded, emoji and punctuation dropped, and every run of numbers (phone numbers, prices,
dates) becomes one ``#`` token, so a new phone number does not make a new ad.

The index lives in memory; ``RepostIndex.rebuild(posts)`` recreates it from stored
``(key, text)`` pairs in their original order, so cluster ids come out the same.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

from datasketch import MinHash, MinHashLSH

log = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE_WORDS = 3
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER_RUN = re.compile(r"#(?: #)+")


def normalise(text: str) -> str:
    """Lowercase words, numbers collapsed to ``#``, no emoji or punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens = ["#" if any(ch.isdigit() for ch in tok) else tok for tok in _TOKEN.findall(folded)]
    return _NUMBER_RUN.sub("#", " ".join(tokens))


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word ``size``-grams of the normalised text (the whole text when it is shorter)."""
    words = normalise(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


class RepostIndex:
    """Near-duplicate clusters of posts; cluster id = key of the cluster's first post."""

    def __init__(self, threshold: float = 0.6, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[str, MinHash] = {}
        self._cluster: dict[str, str] = {}
        self._order: dict[str, int] = {}

    def add(self, key: str, text: str) -> str:
        """Index one post and return its cluster id. Adding a key again returns its
        existing cluster (the text is not re-read)."""
        if key in self._cluster:
            return self._cluster[key]
        signature = self._signature(text)
        cluster = self._match(signature) or key
        if signature is not None:
            self._lsh.insert(key, signature)
            self._hashes[key] = signature
        self._cluster[key] = cluster
        self._order[key] = len(self._order)
        return cluster

    def cluster_of(self, key: str) -> str | None:
        return self._cluster.get(key)

    def members(self, cluster: str) -> list[str]:
        """Keys in a cluster, in the order they were added."""
        return [k for k, c in self._cluster.items() if c == cluster]

    def __len__(self) -> int:
        return len(self._cluster)

    @classmethod
    def rebuild(cls, posts: Iterable[tuple[str, str]], threshold: float = 0.6) -> RepostIndex:
        """An index built from stored ``(key, text)`` pairs, oldest first."""
        index = cls(threshold=threshold)
        for key, text in posts:
            index.add(key, text)
        log.info("rebuilt repost index: %d posts", len(index))
        return index

    def _signature(self, text: str) -> MinHash | None:
        grams = shingles(text)
        if not grams:
            return None  # nothing to compare: an empty post is its own cluster
        signature = MinHash(num_perm=self.num_perm)
        signature.update_batch(g.encode("utf-8") for g in sorted(grams))
        return signature

    def _match(self, signature: MinHash | None) -> str | None:
        """Cluster of the most similar earlier post above the threshold (oldest on ties)."""
        if signature is None:
            return None
        candidates = [k for k in self._lsh.query(signature)
                      if self._hashes[k].jaccard(signature) >= self.threshold]  # fmt: skip
        if not candidates:
            return None
        best = max(candidates, key=lambda k: (self._hashes[k].jaccard(signature), -self._order[k]))
        return self._cluster[best]
