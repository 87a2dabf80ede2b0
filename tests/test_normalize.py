"""Normalisation: disguised words become plain, and offsets still point at the original."""

from __future__ import annotations

import pytest

from classifiers.normalize import fold, normalize


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
