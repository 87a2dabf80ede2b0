"""Word lists (``lexicons/*.toml``) compiled into a fast token matcher.

Analysts extend the TOML files without touching code. Every ``*.toml`` in the directory is
merged: ``[countries]`` gives each ISO code its kind (``hub``, ``moratorium``, ``other``),
``[destinations]`` lists names per ISO code, ``[terms]`` lists phrases per group
(``scamjob``, ``fee``, ...), ``[aliases]`` rewrites slang tokens (``lowker = "loker"``).

Phrase syntax: words separated by spaces match consecutive words, whatever punctuation lies
between them ("biaya-pendaftaran" matches ``biaya pendaftaran``); a word ending in ``*`` matches
any word starting with it (``berangkat*``); a phrase starting with ``re:`` is a regular
expression run on the normalised text (for licence numbers and the like). Phrases are
normalised like the text, so write them in lower case without accents.

Matching runs in two steps. An Aho-Corasick automaton (pyahocorasick, in C) finds in one pass
every place where a word that opens some phrase stands as a whole word: about a dozen places
in a 1,000-character post. At each of them one regex, every phrase compiled into a character
trie (so the engine never tries hundreds of alternatives), reads the longest phrase that
starts there. Each phrase found is then looked up in a dictionary.
"""

from __future__ import annotations

import itertools
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from classifiers.normalize import Normalized, as_bytes, normalize

__all__ = ["Hit", "Lexicon", "default_lexicon", "load_lexicon"]

log = logging.getLogger(__name__)

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
# hub: scam-compound country; moratorium: Kepmenaker 260/2015; other: any other country;
# abroad: "luar negeri" without a country (key "XX").
COUNTRY_KINDS = frozenset({"hub", "moratorium", "other", "abroad"})
DEST_GROUP = "dest"
_TOKEN_RE = re.compile(r"\w+|[\U0001F1E6-\U0001F1FF]{2}")
_FLAG_RE = re.compile(r"[\U0001F1E6-\U0001F1FF]{2}")


class Hit(NamedTuple):
    """One phrase found: its group, key (ISO code for destinations, else ""), the lexicon
    phrase, and the original character span. (A named tuple: several per post, and a tuple
    is built several times faster than a frozen dataclass.)"""

    group: str
    key: str
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    group: str
    key: str
    term: str


_FOUND_CACHE_SIZE = 50_000  # distinct phrase matches remembered (a few MB at most)
# ASCII word characters kept, every other byte made "\x00": in these bytes a word boundary
# is one known byte, which the automaton's keys and the byte trie regex can spell out.
_WORD_BYTES = bytes(b if chr(b).isalnum() or b == ord("_") else 0 for b in range(128)) + bytes(128)
_SEP = "\x00"  # stands for "one or more non-word characters" while building the trie
_STAR = "\x01"  # stands for "the rest of the word"


@dataclass
class Lexicon:
    """Compiled word lists. Build with :func:`load_lexicon`; use :meth:`match`."""

    countries: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: dict[str, list[_Entry]] = field(default_factory=dict)
    regexes: list[tuple[re.Pattern[str], _Entry]] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)
    _wild: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    _found: dict[str, tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...]] = field(
        default_factory=dict
    )
    _wild_heads: tuple[str, ...] = ()  # literal start of each wildcard phrase (cheap pre-check)
    _trie_head: re.Pattern[str] | None = None  # the trie, read at one place (None: not frozen)
    _trie: re.Pattern[str] | None = None  # the same, scanning a whole text (see _full_scan)
    _trie_bytes: re.Pattern[bytes] | None = None  # the same over _WORD_BYTES (ASCII posts)
    _heads: ahocorasick.Automaton | None = None  # first words of phrases (see _head_automaton)

    def add(self, group: str, key: str, term: str) -> None:
        """Add one phrase (see module docstring for the syntax)."""
        self.groups.add(group)
        entry = _Entry(group, key, term)
        if term.startswith("re:"):
            self.regexes.append((re.compile(term[3:]), entry))
            return
        words = tuple(_words(term))
        if not words:
            raise ValueError(f"empty lexicon phrase in group {group!r}: {term!r}")
        for variant in _variants(words, self.aliases):
            entries = self.phrases.setdefault(" ".join(variant), [])
            if entry not in entries:
                entries.append(entry)
        self._trie_head = self._trie = None
        self._found.clear()

    def freeze(self) -> None:
        """Compile the phrases into one trie-shaped regex; call after the last :meth:`add`."""
        body = _trie_regex(self.phrases)
        self._trie = None  # compiled by _full_scan when needed
        self._trie_head = re.compile(body)
        self._trie_bytes = re.compile(b"\x00" + body.encode()) if body.isascii() else None
        self._heads = _head_automaton(self.phrases) if body.isascii() else None
        self._wild = [
            (re.compile(re.escape(p).replace("\\*", r"\w*").replace("\\ ", " ")), p)
            for p in self.phrases
            if "*" in p
        ]
        self._wild_heads = tuple(p.split("*", 1)[0] for _, p in self._wild)

    def match(self, norm: Normalized) -> list[Hit]:
        """All phrases found in a normalised text, with original offsets."""
        if self._trie_head is None:
            self.freeze()
        text = norm.text
        hits: list[Hit] = []
        for start, found in self._trie_matches(text):
            for length, entries in self._entries_in(found):
                first, last = norm.span(start, start + length)
                for group, key, term in entries:
                    hits.append(Hit(group, key, term, first, last))
        if _has_astral(text):  # flags are astral characters; most posts have none
            hits.extend(self._flags(norm))
        for pattern, entry in self.regexes:
            for m in pattern.finditer(text):
                hits.append(Hit(entry.group, entry.key, entry.term, *norm.span(*m.span())))
        return hits

    def _trie_matches(self, text: str) -> Iterator[tuple[int, str]]:
        """Start and text of the longest phrase at each word that opens one."""
        assert self._trie_head is not None
        if self._heads is None:  # a phrase with a non-ASCII word: scan with the regex alone
            yield from self._scanned(text)
            return
        # One byte per character, every non-word character (non-ASCII ones too) made
        # "\x00", and one "\x00" added at each end: offsets in it are text offsets + 1.
        padded = b"\x00" + as_bytes(text, _WORD_BYTES) + b"\x00"
        heads = self._heads.iter(padded.decode("ascii"))
        if text.isascii():
            assert self._trie_bytes is not None
            read_bytes = self._trie_bytes.match
            for end, length in heads:
                found = read_bytes(padded, end - length)
                if found is not None:
                    start, stop = found.span(1)
                    yield start - 1, text[start - 1 : stop - 1]
            return
        # A non-ASCII character may be a letter ("é" is a word character where "•" is not):
        # each place is read again in the text itself, where the regex sees it as it is.
        read_text = self._trie_head.match
        for end, length in heads:
            start = end - length  # "\x00" before the word in padded = the word's start in text
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # the phrase starts inside a word
            found = read_text(text, start)
            if found is not None:
                yield start, found.group(1)

    def _scanned(self, text: str) -> Iterator[tuple[int, str]]:
        """:meth:`_trie_matches` by one regex scan over the whole text: slower, but it finds
        phrases whose words are not ASCII, which the automaton's byte view cannot see."""
        assert self._trie_head is not None
        head = self._trie_head.match(text)
        for m in itertools.chain((head,) if head else (), self._full_scan().finditer(text)):
            start = m.start(1)
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # the phrase starts inside a word
            yield start, m.group(1)

    def _full_scan(self) -> re.Pattern[str]:
        """The trie regex anchored on the character before a word, for scanning a whole
        text. Only the fallback of :meth:`_scanned` needs it, so it is compiled on first use
        (a start-up saved on every lexicon whose phrases are all ASCII)."""
        assert self._trie_head is not None
        if self._trie is None:
            # A plain character class in front lets the regex engine skip ahead in C (a
            # leading \b or lookahead would try every position).
            self._trie = re.compile(r"[^a-z0-9_]" + self._trie_head.pattern)
        return self._trie

    def _flags(self, norm: Normalized) -> list[Hit]:
        """Flag emoji: not words, so the trie's ``\\b`` misses them."""
        hits: list[Hit] = []
        for m in _FLAG_RE.finditer(norm.text):
            span = norm.span(m.start(), m.end())
            hits.extend(Hit(e.group, e.key, e.term, *span) for e in self.phrases.get(m.group(), []))
        return hits

    def _entries_in(self, found: str) -> tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...]:
        """For a trie match, each phrase it holds: its length in ``found`` and its entries
        as ``(group, key, term)``.

        Memoised per lexicon: the same words ("gaji", "kerja") recur in post after post.
        """
        cached = self._found.get(found)
        if cached is None:
            phrases = self._phrases_in(" ".join(_TOKEN_RE.findall(found)))
            cached = tuple(
                (
                    len(found) if full else _prefix_len(found, phrase),
                    tuple((e.group, e.key, e.term) for e in self.phrases[phrase]),
                )
                for phrase, full in phrases
            )
            if len(self._found) >= _FOUND_CACHE_SIZE:
                self._found.clear()
            self._found[found] = cached
        return cached

    def _phrases_in(self, found: str) -> list[tuple[str, bool]]:
        """Lexicon phrases equal to ``found`` (flag True) or to a word-prefix of it (False)."""
        out: list[tuple[str, bool]] = []
        words = found.split(" ")
        for n in range(len(words), 0, -1):
            candidate = " ".join(words[:n])
            full = n == len(words)
            if candidate in self.phrases:
                out.append((candidate, full))
            if candidate.startswith(self._wild_heads):
                out.extend(
                    (phrase, full) for pattern, phrase in self._wild if pattern.fullmatch(candidate)
                )
        return out


def _has_astral(text: str) -> bool:
    """Whether ``text`` has a character beyond the BMP (emoji, flags): those take four bytes
    in UTF-16, and encoding is much cheaper than looking at each character in Python."""
    return not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def _prefix_len(found: str, phrase: str) -> int:
    """Length in ``found`` of its first ``len(phrase.split())`` words."""
    words = list(_TOKEN_RE.finditer(found))
    n = phrase.count(" ") + 1
    return words[n - 1].end() if len(words) >= n else len(found)


def _variants(
    words: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """The phrase plus its slang spellings: aliases map slang to canonical words, so every
    canonical sequence in the phrase may also be written as the slang ("cs", "jt")."""
    found = [words]
    for slang, canonical in aliases.items():
        size = len(canonical)
        for variant in list(found):
            for i in range(len(variant) - size + 1):
                if variant[i : i + size] == canonical:
                    found.append(variant[:i] + (slang,) + variant[i + size :])
    return list(dict.fromkeys(found))


def _head_automaton(phrases: Iterable[str]) -> ahocorasick.Automaton:
    """An automaton over the byte view of :meth:`Lexicon._trie_matches` (word characters
    kept, every other character "\x00") that finds each place where a phrase can start:
    its first word between two "\x00" ("\x00kerja\x00"), or for a wildcard word its
    literal start ("\x00rekrut"). The value of each key is its length minus one, so a
    match ending at ``end`` has its "\x00" at ``end - value``.

    A word that a wildcard start already covers is left out (and a longer wildcard start
    under a shorter one), so no place is reported twice; the places then come out in
    increasing order, because no key has a "\x00" inside it.
    """
    words = {phrase.split(" ", 1)[0] for phrase in phrases if not _FLAG_RE.fullmatch(phrase)}
    wild = sorted({word[:-1] for word in words if word.endswith("*")})
    starts = [w for i, w in enumerate(wild) if not any(w.startswith(v) for v in wild[:i])]
    keys = ["\x00" + w for w in starts]
    keys += [f"\x00{w}\x00" for w in words if "*" not in w and not w.startswith(tuple(starts))]
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, len(key) - 1)
    automaton.make_automaton()
    return automaton


def _trie_regex(phrases: Iterable[str]) -> str:
    """One regex matching every phrase, shaped as a character trie so the engine does not
    try hundreds of alternatives at each position. Wrapped in a lookahead so overlapping
    phrases ("tiket gratis", "gratis") are all found."""
    trie: dict[str, Any] = {}
    for phrase in phrases:
        if _FLAG_RE.fullmatch(phrase):
            continue  # matched separately
        node = trie
        for ch in phrase.replace(" ", _SEP).replace("*", _STAR):
            node = node.setdefault(ch, {})
        node[""] = {}
    return r"(?=(" + _emit(trie) + r")(?!\w))"


def _emit(node: dict[str, Any]) -> str:
    pieces = [_unit(ch) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not pieces:
        return ""
    body = pieces[0] if len(pieces) == 1 else "(?:" + "|".join(pieces) + ")"
    if "" in node:
        return ("(?:" + body + ")?") if len(pieces) == 1 else body + "?"
    return body


def _unit(ch: str) -> str:
    if ch == _SEP:
        return r"\W+"
    if ch == _STAR:
        return r"\w*"
    return re.escape(ch)


def _words(term: str) -> list[str]:
    """Split a phrase like the text is tokenised, keeping trailing ``*`` wildcards."""
    text = normalize(term.replace("*", " STAR ")).text
    words = [m.group() for m in _TOKEN_RE.finditer(text)]
    out: list[str] = []
    for word in words:
        if word == "star" and out:
            out[-1] += "*"
        else:
            out.append(word)
    return out


def _flag(iso: str) -> str:
    """The flag emoji of an ISO 3166 alpha-2 code: "KH" -> regional indicators K, H."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in iso.upper())


def _merge_countries(lexicon: Lexicon, countries: Mapping[str, str], source: str) -> None:
    for iso, kind in countries.items():
        if kind not in COUNTRY_KINDS:
            raise ValueError(f"{source}: country {iso} has unknown kind {kind!r}")
        if lexicon.countries.get(iso, kind) != kind:
            raise ValueError(f"{source}: country {iso} kind {kind!r} conflicts")
        lexicon.countries[iso] = kind
        if kind != "abroad":
            lexicon.add(DEST_GROUP, iso, _flag(iso))


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _merge_file(lexicon: Lexicon, data: Mapping[str, Any], source: str) -> None:
    _merge_countries(lexicon, data.get("countries", {}), source)
    for iso, names in data.get("destinations", {}).items():
        for name in names:
            lexicon.add(DEST_GROUP, iso, name)
    for group, phrases in data.get("terms", {}).items():
        for phrase in phrases:
            lexicon.add(group, "", phrase)


def _check_destinations(lexicon: Lexicon) -> None:
    tables = lexicon.phrases.values()
    keys = {e.key for entries in tables for e in entries if e.group == DEST_GROUP}
    unknown = keys - set(lexicon.countries)
    if unknown:
        raise ValueError(f"destinations without a [countries] kind: {sorted(unknown)}")


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Merge every ``*.toml`` in ``directory`` (sorted by name) into one :class:`Lexicon`.

    Raises ``ValueError`` for a country kind that is unknown or defined twice differently,
    or a destination whose ISO code has no kind.
    """
    lexicon = Lexicon()
    paths = sorted(directory.glob("*.toml"))
    files = {path.name: _read(path) for path in paths}
    for data in files.values():  # aliases first: phrases are rewritten with them too
        for slang, canonical in data.get("aliases", {}).items():
            lexicon.aliases[normalize(slang).text] = tuple(normalize(canonical).text.split())
    for name, data in files.items():
        _merge_file(lexicon, data, name)
    _check_destinations(lexicon)
    lexicon.freeze()
    log.debug("lexicon: %d files, groups %s", len(paths), sorted(lexicon.groups))
    return lexicon


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The packaged lexicon, loaded once."""
    return load_lexicon()
