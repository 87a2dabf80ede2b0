"""Money amounts in job ads, converted to an estimate of rupiah per month.

"Too-good pay" (indicator PAY) needs amounts in one unit: "Rp 15jt", "USD 1,000", "$1k",
"1.500 USD", "RM 2000", "NT$ 30.000", "riyal 1500" and "Rp 350rb/hari" all become rupiah per
month, with fixed, documented exchange rates (rounded mid-2025 market rates; the point is the
order of magnitude, not the cent) and fixed period factors (26 working days, 4.33 weeks a month).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from classifiers.normalize import ascii_digits, digit_pattern, fold, zeroed_digits

__all__ = ["CURRENCY_COUNTRY", "IDR_PER_UNIT", "Money", "find_money", "parse_number"]

# Rupiah per unit of currency (rounded mid-2025 rates).
IDR_PER_UNIT: dict[str, float] = {
    "IDR": 1.0,
    "USD": 16_000.0,
    "SGD": 12_500.0,
    "HKD": 2_050.0,
    "MYR": 3_800.0,
    "TWD": 530.0,
    "JPY": 110.0,
    "KRW": 11.7,
    "SAR": 4_300.0,
    "AED": 4_400.0,
    "QAR": 4_400.0,
    "KWD": 52_500.0,
    "EUR": 18_500.0,
    "PLN": 4_300.0,
    "THB": 490.0,
    "PHP": 285.0,
    "CNY": 2_250.0,
    "GBP": 21_500.0,
    "AUD": 10_500.0,
    "TRY": 400.0,
    "CAD": 11_500.0,
}

# Where a wage in each currency is paid ("XX": abroad, country unknown). A wage in a foreign
# currency in an Indonesian ad means work abroad.
CURRENCY_COUNTRY: dict[str, str] = {
    "USD": "XX", "EUR": "XX", "GBP": "GB", "SGD": "SG", "HKD": "HK", "MYR": "MY", "TWD": "TW",
    "JPY": "JP", "KRW": "KR", "SAR": "SA", "AED": "AE", "QAR": "QA", "KWD": "KW", "PLN": "PL",
    "THB": "TH", "PHP": "PH", "CNY": "CN", "AUD": "AU", "TRY": "TR", "CAD": "CA",
}  # fmt: skip

# Multiplier from the stated period to one month.
PER_MONTH: dict[str, float] = {"hour": 8 * 26, "day": 26, "week": 4.33, "month": 1, "year": 1 / 12}

# How currencies are written (folded text: lower case, no accents).
_CURRENCY_WORDS: dict[str, str] = {
    "rp": "IDR", "idr": "IDR", "rupiah": "IDR",
    "usd": "USD", "us$": "USD", "$": "USD", "dollar": "USD", "dolar": "USD", "dolar as": "USD",
    "dollar as": "USD", "sgd": "SGD", "s$": "SGD", "hkd": "HKD", "hk$": "HKD",
    "rm": "MYR", "myr": "MYR", "ringgit": "MYR", "nt$": "TWD", "ntd": "TWD", "twd": "TWD",
    "yen": "JPY", "jpy": "JPY", "¥": "JPY", "won": "KRW", "krw": "KRW",
    "riyal": "SAR", "sar": "SAR", "reyal": "SAR", "real": "SAR", "rial": "SAR",
    "aed": "AED", "dirham": "AED",
    "qar": "QAR", "kwd": "KWD", "dinar": "KWD", "eur": "EUR", "euro": "EUR", "€": "EUR",
    "pln": "PLN", "zloty": "PLN", "baht": "THB", "thb": "THB", "peso": "PHP", "php": "PHP",
    "rmb": "CNY", "yuan": "CNY", "cny": "CNY", "gbp": "GBP", "£": "GBP", "aud": "AUD",
    "lira": "TRY", "cad": "CAD",
}  # fmt: skip
_SCALE_WORDS: dict[str, float] = {
    "k": 1e3, "rb": 1e3, "ribu": 1e3, "rebu": 1e3, "jt": 1e6, "juta": 1e6, "jeti": 1e6,
    "million": 1e6, "mio": 1e6, "m": 1e6,
}  # fmt: skip
_PERIOD_WORDS: dict[str, str] = {
    "jam": "hour", "hour": "hour", "hr": "hour", "hari": "day", "day": "day", "harian": "day",
    "minggu": "week", "week": "week", "mingguan": "week", "bulan": "month", "bln": "month",
    "month": "month", "bulanan": "month", "tahun": "year", "thn": "year", "year": "year",
    "tahunan": "year",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CUR = _alternation(_CURRENCY_WORDS)
_SCALE = _alternation(_SCALE_WORDS)
# A number is a digit and then this (thousands groups, a decimal part).
_NUM_REST = r"(?:\d{0,2}(?:[.,]\d{3})+(?:[.,]\d+)?|\d*(?:[.,]\d+)?)"
# What may stand between a currency word and its number: nothing, one whitespace, or "." and
# one whitespace (a "." alone makes the number the tail of a longer one, never money).
_GAPS = ("", r"\s", r"\.\s")


def _currency_before(gap: str, currencies: Iterable[str]) -> str:
    """Lookbehind, from just after a number's first digit (each lookbehind's final ``.``), for
    a currency word and then ``gap``. Lookbehinds have a fixed width, so there is one per word
    length; the first one, on the word's last character only, turns most numbers away cheaply."""
    currencies = list(currencies)
    last = "".join(sorted({re.escape(word[-1]) for word in currencies}))
    lengths = sorted({len(word) for word in currencies})
    words = (_alternation([w for w in currencies if len(w) == n]) for n in lengths)
    each_length = "|".join(f"(?<=(?:{alternation}){gap}.)" for alternation in words)
    return f"(?<=[{last}]{gap}.)(?:{each_length})"


def _number_pattern(currencies: Iterable[str]) -> str:
    """The number scan (see below) for these currency words."""
    currencies = list(currencies)
    before = "|".join(_currency_before(gap, currencies) for gap in _GAPS)
    after = f"{_SCALE}|{_alternation(currencies)}"
    flag_before = rf"(?:(?:{before})(?P<cur_before>)|)"
    flag_after = rf"(?:(?=\s?(?:{after})(?![a-z]))(?P<word_after>)|)"
    return rf"\d{flag_before}{_NUM_REST}{flag_after}"


# Most numbers in a post (dates, phones, list items) have no currency or scale word next to
# them, and a Python call for each would cost more than the scan itself. So the scan flags,
# with the empty groups "cur_before" and "word_after", numbers that a currency word may end
# right before (word boundary and the 8-character window are left to _BEFORE_RE) or that a
# scale or currency word starts right after; only flagged numbers reach Python, where small
# anchored patterns read the words. A flag is a zero-width test with an empty alternative:
# it cannot fail or move the match, so the numbers found are those of the plain number
# pattern. It starts with a plain \d (not an alternation) so the regex engine skips to
# digits in C.
_NUMBER_RE = digit_pattern(_number_pattern(_CURRENCY_WORDS))  # (any digits, 0-9 only)
# The same scan for ASCII posts, over their bytes with every digit made "0" (zeroed_digits):
# the engine skips to a literal first character several times faster than to a digit class.
# ASCII-only currency words; \s spelt out as the ASCII characters str patterns take for it.
_ASCII_SPACE = r"[ \t\n\r\f\v\x1c-\x1f]"
_NUMBER_BYTES_RE = re.compile(
    _number_pattern(w for w in _CURRENCY_WORDS if w.isascii())
    .replace(r"\d", "0")
    .replace(r"\s", _ASCII_SPACE)
    .encode("ascii")
)
_BEFORE_RE = re.compile(rf"(?:^|[^a-z0-9])(?P<cur>{_CUR})\.?\s?$")
_AFTER_RE = re.compile(rf"(?:\s?(?P<scale>{_SCALE})(?![a-z]))?(?:\s?(?P<cur>{_CUR})(?![a-z]))?")
_PERIOD_RE = re.compile(
    rf"\s{{0,2}}(?:/|per|se|tiap|an|a|each)\s?(?P<p>{_alternation(_PERIOD_WORDS)})(?![a-z])"
)


class Money(NamedTuple):
    """One amount: value in its currency, the ISO currency, period, rupiah per month,
    and the original span. (A named tuple: cheap to build.)"""

    amount: float
    currency: str
    period: str
    idr_monthly: float
    start: int
    end: int


def parse_number(text: str) -> float:
    """Parse "15.000.000", "1,000", "1.500", "2,5", "1.5" as Indonesians and English write them.

    A separator used several times, or once before exactly three digits, groups thousands;
    otherwise it is the decimal point. With both kinds, the last separator is the decimal
    point and every other one groups (so a malformed "12,345.678,9" still reads as a number).
    """
    if "." in text and "," in text:
        cut = max(text.rfind("."), text.rfind(","))
        whole = text[:cut].replace(".", "").replace(",", "")
        return float(f"{whole}.{text[cut + 1 :]}")
    for sep in ".,":
        if sep in text:
            head, _, tail = text.rpartition(sep)
            if text.count(sep) > 1 or len(tail) == 3:
                return float(text.replace(sep, ""))
            return float(f"{head}.{tail}")
    return float(text)


def _period(folded: str, end: int) -> tuple[str, int]:
    m = _PERIOD_RE.match(folded, end, min(len(folded), end + 16))
    if m is None:
        return "month", end
    return _PERIOD_WORDS[m.group("p")], m.end()


def _words_around(
    m: re.Match[str] | re.Match[bytes], folded: str
) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """The currency word before the number ``m`` and the scale and currency words after it,
    read where the scan flagged them. (The flag also keeps the gap before the number to what
    ``_GAPS`` allows: ``_BEFORE_RE``, whose ``$`` matches before a final newline, alone would
    also accept one more newline.)"""
    start, end = m.span()
    before = after = None
    if m["cur_before"] is not None:
        before = _BEFORE_RE.search(folded, max(0, start - 8), start)
    if m["word_after"] is not None:
        after = _AFTER_RE.match(folded, end)
    return before, after


def _from_number(m: re.Match[str] | re.Match[bytes], folded: str) -> Money | None:
    """The amount of a flagged number ``m`` (found in ``folded`` or in its ASCII bytes)."""
    if m.start() and folded[m.start() - 1] in ".,":
        return None  # the tail of a longer number
    before, after = _words_around(m, folded)
    scale = after.group("scale") if after else None
    cur = (before.group("cur") if before else None) or (after.group("cur") if after else None)
    if cur is None and scale not in ("jt", "juta", "jeti"):
        return None  # a bare number is money only when written in millions ("15 juta")
    currency = _CURRENCY_WORDS[cur] if cur else "IDR"
    if scale == "m" and currency == "IDR":
        return None  # "Rp 1M" means a billion (miliar) or is a typo; not a wage
    number = folded[m.start() : m.end()]
    amount = parse_number(number) * (_SCALE_WORDS[scale] if scale else 1.0)
    start = before.start("cur") if before else m.start()
    period, end = _period(folded, after.end() if after else m.end())
    idr = amount * IDR_PER_UNIT[currency] * PER_MONTH[period]
    return Money(amount, currency, period, idr, start, end)


def find_money(text: str, folded: str | None = None) -> list[Money]:
    """Every money amount in ``text`` (offsets are offsets in ``text``); ``folded`` may pass
    ``fold(text)`` when the caller already has it."""
    folded = fold(text) if folded is None else folded
    numbers: Iterator[re.Match[str]] | Iterator[re.Match[bytes]]
    if folded.isascii():
        numbers = _NUMBER_BYTES_RE.finditer(zeroed_digits(folded))
    else:
        numbers = _NUMBER_RE[ascii_digits(folded)].finditer(folded)
    flagged = [m for m in numbers if m.lastindex]  # None: neither flag group matched
    found = [_from_number(m, folded) for m in flagged]
    return [money for money in found if money is not None]
