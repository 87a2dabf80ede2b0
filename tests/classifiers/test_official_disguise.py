"""Round 8's rules on the indicators alone (no learned model): an official programme used
as a disguise (selection with a fee, registration through a person, an embassy named as
the employer), wages held or papers kept, and the warnings that quote such messages."""

from __future__ import annotations

import pytest

from classifiers import classify
from classifiers.verdict import NOT_SUSPICIOUS, REPORT, SUSPICIOUS, Verdict


def verdict(text: str) -> Verdict:
    return classify({"text": text})


def words(v: Verdict, code: str) -> list[str]:
    return [i.text for i in v.indicators if i.code == code]


@pytest.mark.parametrize(
    ("text", "disguise"),
    [
        pytest.param(
            "Selamat! Nama anda terpilih program G to G BP2MI ke Korea. Daftar lewat aku aja "
            "ya kak, biaya verifikasi 750rb transfer ke rek pribadi. WA 0813-2222-1111",
            "BP2MI",
            id="selected-register-through-a-person",
        ),
        pytest.param(
            "Info resmi BP2MI: nama Saudara terpilih penempatan Jepang. Segera bayar biaya "
            "administrasi Rp 1.250.000 ke nomor 0812-4444-9999 paling lambat besok.",
            "BP2MI",
            id="selected-with-a-fee",
        ),
        pytest.param(
            "Indonesian Embassy Dubai Jobs 2026 - housekeeping, driver, cleaner. Salary 2500 "
            "AED, free visa. Send CV by WhatsApp +971 55 123 4567",
            "Embassy Dubai Jobs",
            id="embassy-as-employer",
        ),
    ],
)
def test_an_official_name_used_as_a_disguise_is_flagged(text: str, disguise: str) -> None:
    v = verdict(text)
    assert v.label == SUSPICIOUS
    assert any(disguise in found for found in words(v, "IMPERSONATE")), v.indicators
    assert "LEGIT" not in {i.code for i in v.indicators}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Pendaftaran program G to G Korea (EPS) dibuka. Pendaftaran hanya melalui SISKOP2MI "
            "di siskop2mi.bp2mi.go.id. Tidak dipungut biaya selain ujian bahasa via virtual "
            "account resmi.",
            id="official-portal-and-channel",
        ),
        pytest.param(
            "KBRI Doha membuka lowongan pegawai setempat (staf lokal) bagian administrasi. "
            "Syarat: WNI yang memiliki izin tinggal (residence permit) Qatar yang masih berlaku.",
            id="embassy-local-staff",
        ),
    ],
)
def test_the_programmes_own_notices_stay_unflagged(text: str) -> None:
    v = verdict(text)
    assert v.label == NOT_SUSPICIOUS
    assert not words(v, "IMPERSONATE")


def test_wages_held_and_papers_kept_in_a_job_offer_are_flagged() -> None:
    v = verdict(
        "Loker kerja kebun sawit Malaysia, gaji dibayar tiap 3 bulan, paspor dipegang agen "
        "biar gak kabur, potong gaji buat utang tiket. Minat WA 0852-1111-2222"
    )
    assert v.label == SUSPICIOUS
    assert words(v, "BONDAGE")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Buat adik2 yang mau kerja ke luar negeri: ayo cek dulu agensinya di BP2MI sebelum "
            "berangkat. Kalau ada yang minta uang di depan atau janji gaji puluhan juta tanpa "
            "pengalaman, tinggalkan saja.",
            id="advice",
        ),
        pytest.param(
            "WASPADA penipuan mengatasnamakan BP2MI! Ada pesan berantai 'anda terpilih kerja di "
            "Jepang, bayar 1 juta'. BP2MI tidak pernah memungut biaya seleksi.",
            id="warning-quoting-the-disguise",
        ),
    ],
)
def test_warnings_about_the_disguise_are_reports(text: str) -> None:
    assert verdict(text).label == REPORT
