"""Normalisation: disguised words become plain, and offsets still point at the original."""

from __future__ import annotations

import pytest

from classifiers.normalize import ascii_digits, digit_pattern, fold, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LOKER Kamboja", "loker kamboja"),
        ("K4mboja", "kamboja"),
        ("l0ker 0nline", "loker online"),
        ("K a m b o j a", "kamboja"),
        ("gratisss!!!", "gratis!!!"),
        ("kerjaaaa", "kerja"),
        ("Café Jeddah", "cafe jeddah"),
        ("İndonesia", "indonesia"),
        ("gaji Rp5 juta", "gaji rp5 juta"),
        ("15jt per bulan", "15jt per bulan"),
        ("5 juta", "5 juta"),
        ("WA>> 0812", "wa>> 0812"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("Kerja di K a m b o j a segera", "kamboja"),
        ("tiket gratisss ya", "gratis"),
        ("L0KER K4MBOJA", "kamboja"),
    ],
)
def test_span_maps_back_to_original_words(raw: str, word: str) -> None:
    norm = normalize(raw)
    start = norm.text.index(word)
    orig_start, orig_end = norm.span(start, start + len(word))
    assert normalize(raw[orig_start:orig_end]).text == word


def test_fold_keeps_length() -> None:
    raw = "İSTANBUL Çalışma 🇰🇭 Rp 5 juta"
    assert len(fold(raw)) == len(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gaji 15 juta", True),
        ("tanpa angka", True),
        ("naïve café 12 • 🙂", True),  # non-ASCII, but no digit outside 0-9
        ("gaji ١٥ juta", False),  # Arabic-Indic digits
        ("gaji １５ juta", False),  # full-width digits
    ],
)
def test_ascii_digits(raw: str, expected: bool) -> None:
    assert ascii_digits(raw) is expected


@pytest.mark.parametrize("text", ["Rp 15.000.000", "0812 3456 7890", "ab ７ 8", "x١y2", ""])
def test_digit_pattern_fast_form_finds_the_same_on_ascii_digits(text: str) -> None:
    slow, fast = digit_pattern(r"\d[\d.,\s]*")
    expected = [m.span() for m in slow.finditer(text)]
    found = [m.span() for m in (fast if ascii_digits(text) else slow).finditer(text)]
    assert found == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b a y a r", "bayar"),  # spaced letters at the start: no space before
        ("mau k a m b o j a?", "mau kamboja?"),
        ("a b cd", "a b cd"),  # the last one is a word, not a spaced letter
        ("lll é", "lll e"),  # "l" is not a letter people stretch: nothing squeezed
        ("okkk é lll", "ok e l"),  # once squeezing, every tripled letter is squeezed
        ("k4mb0ja 🙂", "kamboja 🙂"),
    ],
)
def test_normalize_hints_on_mixed_text(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected
