"""Text normalisation for matching, with a map back to the original offsets.

Recruiters disguise words ("K4mboja", "K a m b o j a", "gratisss") so a plain keyword search
misses them. :func:`normalize` folds case and accents, undoes leetspeak, joins spaced-out
letters and squeezes repeated letters, and keeps for every normalised character the span of
original characters it came from, so an indicator can cite the words the poster really wrote.

Two layers are exposed because digits matter differently to different readers:

* :func:`fold` only lowercases and strips accents; it keeps the length, so its offsets are the
  original offsets. Money and contact parsing read this layer (leetspeak would eat digits).
* :func:`normalize` adds the word-level repairs; the lexicon reads this layer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Normalized", "fold", "normalize", "rewrite"]

# Digits that stand for letters inside words ("l0ker", "k4mboja", "0nline").
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
# Leet digits followed by a letter; :func:`_leet` decides (the pattern starts with the digit
# so the regex engine skips quickly to candidates).
_LEET_RE = re.compile(r"[013457@]+(?=[a-z])")
_WORD_AFTER = re.compile(r"[a-z]{4,}\b")
_CURRENCY_ENDS = frozenset({" rp", "rp", "usd", ".rp", "(rp", "\nrp"})
_UNITS = frozenset({"juta", "ribu", "bulan", "tahun", "hari", "minggu", "orang", "years", "hours"})
# Three or more single letters separated by single spaces: "k a m b o j a".
_SPACED_RE = re.compile(r"\b[a-z](?: [a-z]\b){2,}")  # run only when the hint matches
_SPACED_HINT = re.compile(r" [a-z] [a-z](?![a-z])")
# Leet hint: a pattern starting with a character class lets the engine skip ahead in C.
_LEET_HINT = re.compile(r"[013457@][a-z]")
_ACCENTED_RE = re.compile("[\u00c0-\u024f\u0131]")
# Letters people stretch for emphasis ("gratisss", "kerjaaa", "cepattt"); checking a few
# substrings is much cheaper than a back-reference regex over the whole post.
_TRIPLES = tuple(c * 3 for c in "aeiouy" + "hkmnrstg")
# A letter written three or more times in a row: "gratisss", "kerjaaa".
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, the original span it came from.

    ``starts``/``ends`` are ``None`` while the normalisation kept every offset (the common
    case), which saves building two lists per post.
    """

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalised slice ``text[start:end]``."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            return self.starts[start], self.starts[start]
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=1)
def _accent_table() -> dict[int, str]:
    """Latin letters with accents mapped to their base letter (one char to one char)."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[:1].lower()
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    table[ord("ı")] = "i"  # Turkish dotless i, seen in "İndonesia"
    return table


def fold(text: str) -> str:
    """Lowercase and strip Latin accents without changing the length of ``text``."""
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):  # "İ".lower() is two characters; keep one per char
        low = "".join(ch.lower()[:1] for ch in text)
    if _ACCENTED_RE.search(low) is None:  # translate() with a dict is slow; skip when useless
        return low
    return low.translate(_accent_table())


def _leet(m: re.Match[str]) -> str:
    """Letters for digits between letters ("l0ker") or opening a word ("0nline"), not in
    amounts ("15jt", "rp5juta")."""
    text, start = m.string, m.start()
    before = text[start - 1] if start else " "
    if before.isalpha() and text[max(0, start - 3) : start] not in _CURRENCY_ENDS:
        return m.group().translate(_LEET)
    after = _WORD_AFTER.match(text, m.end())
    if not before.isalnum() and len(m.group()) == 1 and after and after.group() not in _UNITS:
        return m.group().translate(_LEET)
    return m.group()


def _unleet(text: str) -> str:
    return _LEET_RE.sub(_leet, text)


def rewrite(
    norm: Normalized, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> Normalized:
    """Replace every match of ``pattern`` in ``norm.text`` by ``repl(match)``, keeping the map.

    Characters of a replacement all point at the whole original span of what they replaced.
    """
    matches = list(pattern.finditer(norm.text))
    if not matches:
        return norm
    n = len(norm.text)
    starts = list(norm.starts) if norm.starts is not None else list(range(n))
    ends = list(norm.ends) if norm.ends is not None else list(range(1, n + 1))
    parts: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for m in matches:
        parts.append(norm.text[last : m.start()])
        new_starts += starts[last : m.start()]
        new_ends += ends[last : m.start()]
        new = repl(m)
        span = norm.span(m.start(), m.end()) if m.end() > m.start() else (starts[m.start()],) * 2
        parts.append(new)
        new_starts += [span[0]] * len(new)
        new_ends += [span[1]] * len(new)
        last = m.end()
    parts.append(norm.text[last:])
    new_starts += starts[last:]
    new_ends += ends[last:]
    return Normalized("".join(parts), tuple(new_starts), tuple(new_ends))


def normalize(text: str, folded: str | None = None) -> Normalized:
    """Fold, undo leetspeak, join spaced letters and squeeze repeats; see module docstring.

    ``folded`` may pass ``fold(text)`` when the caller already has it.
    """
    folded = fold(text) if folded is None else folded
    # Cheap checks first: most posts have no leetspeak, spaced letters or tripled letters.
    norm = Normalized(_unleet(folded) if _LEET_HINT.search(folded) else folded)
    if _SPACED_HINT.search(norm.text):
        norm = rewrite(norm, _SPACED_RE, lambda m: m.group().replace(" ", ""))
    if any(triple in norm.text for triple in _TRIPLES):
        norm = rewrite(norm, _REPEAT_RE, lambda m: m.group(1))
    return norm
