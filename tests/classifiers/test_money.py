"""Money parsing: amounts in any currency become rupiah per month."""

from __future__ import annotations

import pytest

from classifiers.money import IDR_PER_UNIT, find_money, parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15.000.000", 15e6), ("1,000", 1000), ("1.500", 1500), ("2,5", 2.5), ("1.5", 1.5),
     ("1.234,50", 1234.5), ("1,234.50", 1234.5), ("700", 700), ("15.000.000,50", 15e6 + 0.5),
     ("12,345.678,9", 12345678.9), ("1.2,3.4", 123.4)],
)  # fmt: skip
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "currency", "amount", "period", "words"),
    [
        ("gaji Rp 15jt", "IDR", 15e6, "month", "Rp 15jt"),
        ("gaji 15 juta", "IDR", 15e6, "month", "15 juta"),
        ("Rp 15.000.000/bulan", "IDR", 15e6, "month", "Rp 15.000.000/bulan"),
        ("gaji USD 1,000", "USD", 1000, "month", "USD 1,000"),
        ("gaji $1k", "USD", 1000, "month", "$1k"),
        ("gaji 1.500 USD", "USD", 1500, "month", "1.500 USD"),
        ("gaji RM 2000", "MYR", 2000, "month", "RM 2000"),
        ("gaji NT$ 30.000", "TWD", 30000, "month", "NT$ 30.000"),
        ("gaji riyal 1500", "SAR", 1500, "month", "riyal 1500"),
        ("gaji 1500 riyal", "SAR", 1500, "month", "1500 riyal"),
        ("gaji SGD 2.500", "SGD", 2500, "month", "SGD 2.500"),
        ("gaji HKD 5000", "HKD", 5000, "month", "HKD 5000"),
        ("gaji 200.000 yen", "JPY", 200000, "month", "200.000 yen"),
        ("upah Rp 350rb/hari", "IDR", 350000, "day", "Rp 350rb/hari"),
        ("USD 50 per hari", "USD", 50, "day", "USD 50 per hari"),
        ("Rp 1,5jt/minggu", "IDR", 1.5e6, "week", "Rp 1,5jt/minggu"),
        ("Rp 60 juta per tahun", "IDR", 60e6, "year", "Rp 60 juta per tahun"),
        ("gaji 800 - 1.200 dolar AS", "USD", 1200, "month", "1.200 dolar AS"),
    ],
)
def test_find_money(text: str, currency: str, amount: float, period: str, words: str) -> None:
    [money] = find_money(text)
    assert (money.currency, money.amount, money.period) == (currency, pytest.approx(amount), period)
    assert text[money.start : money.end] == words


@pytest.mark.parametrize(
    ("text", "monthly_idr"),
    [
        ("Rp 15jt", 15e6),
        ("USD 1000", 1000 * IDR_PER_UNIT["USD"]),
        ("Rp 350rb/hari", 350000 * 26),
        ("Rp 60 juta per tahun", 5e6),
    ],
)
def test_monthly_rupiah(text: str, monthly_idr: float) -> None:
    assert find_money(text)[0].idr_monthly == pytest.approx(monthly_idr)


@pytest.mark.parametrize(
    "text",
    ["tahun 2025 butuh 12 orang", "jam kerja 08.00 - 17.00", "hubungi 081234567890", "Rp 2M"],
)
def test_not_money(text: str) -> None:
    assert find_money(text) == []


def test_malformed_number_is_read_not_raised() -> None:
    (found,) = find_money("gaji 12,345.678,9 juta")  # raised ValueError before
    assert found.amount == pytest.approx(12345678.9e6)
