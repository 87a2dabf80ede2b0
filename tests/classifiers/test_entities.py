"""Contacts and company names, including disguised phone numbers."""

from __future__ import annotations

import pytest

from classifiers.entities import find_entities, phone_region


@pytest.mark.parametrize(
    ("text", "kind", "value", "words"),
    [
        ("hub 0812-3456-7890 ya", "phone", "+6281234567890", "0812-3456-7890"),
        ("WA 6281234567890", "phone", "+6281234567890", "6281234567890"),
        ("WA +855 12 345 678", "phone", "+85512345678", "+855 12 345 678"),
        ("kontak +95 9 212 3456", "phone", "+9592123456", "+95 9 212 3456"),
        ("WA>> 08 12 3four5 678 90", "phone", "+6281234567890", "08 12 3four5 678 90"),
        ("nol 8 1 2 3 4 5 6 7 8 9 0", "phone", "+6281234567890", "nol 8 1 2 3 4 5 6 7 8 9 0"),
        ("klik wa.me/85512345678", "whatsapp", "+85512345678", "wa.me/85512345678"),
        ("tg @rekrut_kerja", "telegram", "@rekrut_kerja", "@rekrut_kerja"),
        ("gabung t.me/lokerluar", "telegram", "@lokerluar", "t.me/lokerluar"),
        ("IG: @loker.luar", "instagram", "@loker.luar", "IG: @loker.luar"),
        ("insta @loker.luar", "instagram", "@loker.luar", "insta @loker.luar"),
        ("Instagram @loker.luar", "instagram", "@loker.luar", "Instagram @loker.luar"),
        ("instagram.com/loker.luar", "instagram", "@loker.luar", "instagram.com/loker.luar"),
        (
            "oleh Agensi Kerja Maju Sdn Bhd.",
            "company",
            "Agensi Kerja Maju Sdn Bhd",
            "Agensi Kerja Maju Sdn Bhd",
        ),
        ("Kerja 08.00 - 17.00, WA 0812 3456 7890", "phone", "+6281234567890", "0812 3456 7890"),
        ("WA +62 812-3456-7890", "phone", "+6281234567890", "+62 812-3456-7890"),
        ("call +81 90 1234 5678", "phone", "+819012345678", "+81 90 1234 5678"),
        ("email hrd@majujaya.co.id", "email", "hrd@majujaya.co.id", "hrd@majujaya.co.id"),
        ("daftar https://bit.ly/abc123.", "url", "https://bit.ly/abc123", "https://bit.ly/abc123"),
        ("info www.kerjaluar.net", "url", "www.kerjaluar.net", "www.kerjaluar.net"),
        ("form: s.id/daftarKH", "url", "s.id/daftarKH", "s.id/daftarKH"),
        ("cek linktr.ee/agen_kh", "url", "linktr.ee/agen_kh", "linktr.ee/agen_kh"),
        (
            "chat api.whatsapp.com/send?phone=85512345678",
            "whatsapp",
            "+85512345678",
            "api.whatsapp.com/send?phone=85512345678",
        ),
        ("PT Maju Jaya Abadi membuka", "company", "PT Maju Jaya Abadi", "PT Maju Jaya Abadi"),
        ("oleh PT. Sinar Samudra.", "company", "PT. Sinar Samudra", "PT. Sinar Samudra"),
    ],
)
def test_find_entity(text: str, kind: str, value: str, words: str) -> None:
    found = [e for e in find_entities(text) if e.kind == kind]
    assert [(e.value, text[e.start : e.end]) for e in found] == [(value, words)]


@pytest.mark.parametrize(
    "text",
    ["gaji Rp 15.000.000 per bulan", "jam kerja 08.00 - 17.00 WIB", "tahun 2025, 1.500 orang"],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert [e for e in find_entities(text) if e.kind == "phone"] == []


def test_whatsapp_link_is_not_also_a_phone() -> None:
    assert [e.kind for e in find_entities("wa.me/85512345678")] == ["whatsapp"]


@pytest.mark.parametrize(
    ("e164", "region"), [("+85512345678", "KH"), ("+6281234567890", "ID"), ("+9592123456", "MM")]
)
def test_phone_region(e164: str, region: str) -> None:
    assert phone_region(e164) == region
