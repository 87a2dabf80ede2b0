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

__all__ = [
    "Normalized", "as_bytes", "ascii_digits", "digit_pattern", "fold", "normalize", "rewrite",
    "zeroed_digits",
]  # fmt: skip

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
# Both hints over character classes (see _classes): "1" + "2" is a leet digit before a
# letter; " a b" followed by no letter is a run of spaced letters.
_CLASS_BYTES = bytes(
    1 if chr(b) in "013457@" else 2 if "a" <= chr(b) <= "z" else 3 if b == 32 else 0
    for b in range(256)
)
_LEET_PAIR = b"\x01\x02"
_SPACED_LETTERS = b"\x03\x02\x03\x02"
_ACCENTED_RE = re.compile("[\u00c0-\u024f\u0131]")
# Letters people stretch for emphasis ("gratisss", "kerjaaa", "cepattt"): the squeeze runs
# only when one of them is written three times in a row.
_STRETCHED = "aeiouy" + "hkmnrstg"
# Byte tables for :func:`_has_triple`: stretched letters kept (others 0); others marked 0xFF.
_KEEP_STRETCHED = bytes(b if chr(b) in _STRETCHED else 0 for b in range(256))
_MARK_OTHERS = bytes(0 if chr(b) in _STRETCHED else 0xFF for b in range(256))
# A letter written three or more times in a row: "gratisss", "kerjaaa".
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")


# Every decimal digit other than 0-9 (which ``\\d`` also matches: Arabic-Indic, full-width
# ...) lies in this range; a single range is cheap to scan for.
_HIGH_RE = re.compile("[\u0660-\U0001fbf9]")


@lru_cache(maxsize=4)
def ascii_digits(text: str) -> bool:
    """Whether every decimal digit in ``text`` is 0-9 (remembered for the last few texts:
    money and contact parsing ask about the same post)."""
    return text.isascii() or not any(map(str.isdecimal, _HIGH_RE.findall(text)))


def digit_pattern(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``pattern`` (which must start with ``\\d``) compiled twice: as written, and starting
    with ``[0-9]`` for texts where :func:`ascii_digits` holds. The regex engine scans for a
    plain character range several times faster than for the Unicode digit category, and a
    pattern's first character is what it scans for."""
    if not pattern.startswith("\\d") and not pattern.startswith("[+(\\d]"):
        raise ValueError(f"pattern does not start with a digit class: {pattern!r}")
    fast = pattern.replace("\\d", "0-9", 1) if pattern[0] == "[" else "[0-9]" + pattern[2:]
    return re.compile(pattern), re.compile(fast)


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


def as_bytes(text: str, table: bytes) -> bytes:
    """``text`` as one byte per character ("?" for each non-ASCII one, so offsets hold),
    mapped through ``table``: substring searches and literal-led patterns over the result
    run far faster in C than a regex scan for a character class over the text."""
    return text.encode("ascii", "replace").translate(table)


_DIGITS_AS_ZERO = bytes(ord("0") if chr(b) in "0123456789" else b for b in range(256))


@lru_cache(maxsize=4)
def zeroed_digits(text: str) -> bytes:
    """:func:`as_bytes` of ``text`` with every digit 0-9 made "0", so that a pattern for a
    number can start with a literal (the scans look at where digits are, not at their
    values). Remembered for the last few texts: money and contact parsing both ask."""
    return as_bytes(text, _DIGITS_AS_ZERO)


def _classes(text: str) -> bytes:
    """One byte per character: 1 for a leet digit or "@", 2 for a-z, 3 for a space, else 0.
    The hints below are then substring searches in C instead of regex scans."""
    return as_bytes(text, _CLASS_BYTES)


def _has_spaced(classes: bytes) -> bool:
    """What ``_SPACED_HINT.search`` says, read from :func:`_classes`."""
    at = classes.find(_SPACED_LETTERS)
    while at >= 0:
        if classes[at + 4 : at + 5] != b"\x02":  # (?![a-z])
            return True
        at = classes.find(_SPACED_LETTERS, at + 1)
    return False


def _has_triple(text: str) -> bool:
    """Whether a stretched letter (:data:`_STRETCHED`) appears three times in a row.

    Fourteen substring searches cost more than the rest of normalisation, so the text (as
    ASCII bytes) is checked with whole-text integer arithmetic in C: with ``n`` the text as
    one big-endian integer, byte *i* of ``n ^ (n >> 8)`` is zero where character *i* equals
    character *i - 1*; OR-ing that with itself shifted by one byte leaves a zero byte where
    three equal characters end, and OR-ing in 0xFF for every other character keeps only the
    stretched letters.
    """
    raw = text.encode("ascii", "replace")  # one byte per character, "?" for non-ASCII
    letters = int.from_bytes(raw.translate(_KEEP_STRETCHED), "big")
    others = int.from_bytes(raw.translate(_MARK_OTHERS), "big")
    pairs = letters ^ (letters >> 8)
    ends = pairs | (pairs >> 8) | others
    return b"\x00" in ends.to_bytes(len(raw), "big")


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
    classes = _classes(folded)
    norm = Normalized(_unleet(folded) if _LEET_PAIR in classes else folded)
    if norm.text is not folded:
        classes = _classes(norm.text)
    if _has_spaced(classes):
        norm = rewrite(norm, _SPACED_RE, lambda m: m.group().replace(" ", ""))
    if _has_triple(norm.text):
        norm = rewrite(norm, _REPEAT_RE, lambda m: m.group(1))
    return norm
