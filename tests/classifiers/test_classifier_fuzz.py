"""Property tests: the classifier reads any text without raising, and every indicator and
entity cites exactly the words at its offsets.

Scraped posts are hostile. A parser that raises on one of them (as ``parse_number`` did on
"12,345.678,9 juta") stops classification of every post after it, so the texts here are
built from the pieces the parsers treat specially: amounts with odd separators, currency
and scale words, spelt and Unicode digits, disguised words, contacts, company markers.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import classify
from classifiers.lexicon import default_lexicon
from classifiers.money import find_money
from classifiers.normalize import normalize

PIECES = [
    "Rp", "rp.", "USD", "$", "RM", "NT$", "riyal", "dirham", "ringgit", "jt", "juta", "rb",
    "ribu", "k", "M", "/bulan", "per hari", "/jam", "gaji", "biaya", "DP", "potong gaji",
    "12,345.678,9", "1.2,3.4", "15.000.000", "1,000", "2515.000.000", "0.5", ".", ",", "-",
    "08 12 3four5", "satu", "nol", "kosong", "0812-3456-7890", "+855 97 412 3388", "+62",
    "(021)", "\u0661\u0662\u0663", "\uff11\uff12", "0\ufe0f\u20e3", "8\u20e3", "WA>>",
    "wa.me/6281234567890", "t.me/joinchat", "t.me/", "@", "@loker_kamboja", "ig @", "insta",
    "instagram.com/", "http://", "www.", "bit.ly/", "a@b.co", "PT", "PT.", "CV", "Sdn Bhd",
    "SEPTEMBER", "Maju Jaya", "K4mboja", "K a m b o j a", "gratisss", "l0ker", "🇰🇭",
    "🇸🇦", "\U0001f1e6", "İ", "ı", "é", "\u200b", "\n", "\t", " ", "  ", "tanpa", "bukan",
    "visa turis", "umroh", "admin", "ART", "ABK", "Kamboja", "Arab Saudi", "luar negeri",
    "SIP3MI", "BP2MI", "waspada", "korban", "dijanjikan",
]  # fmt: skip
# An amount as parsers meet it: maybe a currency word, digits with any separators, maybe a
# scale or period word; spaces between or not.
NUMBERS = st.from_regex(r"[0-9\u0661]{1,4}(?:[.,][0-9]{1,4}){0,4}", fullmatch=True)
AMOUNTS = st.tuples(
    st.sampled_from(["", "Rp", "Rp.", "USD", "$", "RM", "riyal", "NT$", "gaji"]),
    st.sampled_from(["", " ", ". "]),
    NUMBERS,
    st.sampled_from(["", " "]),
    st.sampled_from(["", "jt", "juta", "rb", "k", "M", "USD", "ringgit", "/bulan", "per jam"]),
).map("".join)
POSTS = st.lists(st.one_of(st.sampled_from(PIECES), AMOUNTS, st.text(max_size=6)), max_size=40).map(
    " ".join
)


def _cites_its_words(text: str, start: int, end: int, words: str) -> bool:
    return 0 <= start <= end <= len(text) and text[start:end] == words


@settings(max_examples=1000, deadline=None)
@given(POSTS)
def test_any_post_gets_a_verdict_that_cites_its_words(text: str) -> None:
    verdict = classify({"text": text})
    assert 0.0 <= verdict.score <= 1.0
    for indicator in verdict.indicators:
        assert _cites_its_words(text, indicator.start, indicator.end, indicator.text), indicator
    for entity in verdict.entities:
        assert _cites_its_words(text, entity.start, entity.end, entity.text), entity


@settings(max_examples=400, deadline=None)
@given(POSTS)
def test_normalised_offsets_stay_inside_the_text(text: str) -> None:
    norm = normalize(text)
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert 0 <= start <= end <= len(text)


# Words of the lexicon and their neighbours: letters beyond ASCII that are word characters to
# the regex ("é", "д", "ß") or not ("•", "–"), underscores, digits, separators.
LEXICON_PIECES = st.sampled_from([
    "kerja", "bekerja", "pekerjaan", "tiket", "gratis", "tiket gratis", "customer service",
    "kamboja", "kambojaku", "rekrut", "rekrutmen", "lamaran", "recruiting", "luar negeri",
    "arab saudi", "admin", "wa", "é", "д", "ß", "•", "–", "_", "1", "-", ".", "\n", "  ",
])  # fmt: skip
LEXICON_POSTS = st.lists(st.one_of(LEXICON_PIECES, st.text(max_size=4)), max_size=30).map(
    lambda parts: "".join(parts) if len(parts) % 2 else " ".join(parts)
)


@settings(max_examples=1000, deadline=None)
@given(LEXICON_POSTS)
def test_automaton_finds_what_a_full_regex_scan_finds(text: str) -> None:
    """The fast path (automaton, then the trie regex at each place it reports) gives the
    same phrases at the same places as one scan of the trie regex over the whole text."""
    lexicon = default_lexicon()
    norm = normalize(text).text
    assert list(lexicon._trie_matches(norm)) == list(lexicon._scanned(norm))


# Gaps include the control characters that str patterns take for \s and bytes patterns not.
GAPS = st.sampled_from(["", " ", "\x1c", "\x1f", "\x0b", "\t", ". ", ".\x1e", "\n"])
ASCII_AMOUNTS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["", "rp", "Rp.", "USD", "$", "RM", "riyal", "us$", "gaji"]),
            GAPS,
            st.from_regex(r"[0-9]{1,4}(?:[.,][0-9]{1,4}){0,3}", fullmatch=True),
            GAPS,
            st.sampled_from(["", "jt", "juta", "rb", "k", "usd", "ringgit", "/bulan", "per jam"]),
        ).map("".join),
        st.text(alphabet=st.characters(max_codepoint=127), max_size=4),
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=1000, deadline=None)
@given(ASCII_AMOUNTS)
def test_ascii_posts_get_the_amounts_the_text_scan_finds(text: str) -> None:
    """ASCII posts are scanned as bytes, others as text. A non-ASCII bullet on a line of its
    own after the post sends the same amounts through the text scan: both must agree."""
    assert find_money(text) == find_money(text + "\n\u2022")
