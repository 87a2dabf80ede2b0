"""The list of licensed placement agencies: reading it, matching names, and its effect on
verdicts. Agency names here are made up."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import classify
from classifiers.agencies import AgencyRegistry, company_key

ROWS = [
    {"name": "PT. Cahaya Samudra Nusantara", "licence": "SIP3MI 101/2022", "status": "aktif"},
    {"name": "PT Bintang Timur Mandiri", "licence": "SIP3MI 202/2020", "status": "dicabut"},
    {"name": "Perseroan Terbatas Garuda Karya Utama", "licence": "303/2023", "status": "Active"},
]

LICENSED_AD = (
    "PT Cahaya Samudra Nusantara membuka job order perawat lansia ke Taiwan. Gaji NT$ 30.000. "
    "Daftar di kantor cabang Semarang, WA 081234567890"
)
REVOKED_AD = "PT Bintang Timur Mandiri membuka lowongan ART ke Arab Saudi, hubungi WA 081234567890"
UNLISTED_AD = (
    "PT Sinar Laut Sentosa resmi berizin SIP3MI! Kerja ke Taiwan gaji 25 juta, biaya admin "
    "Rp 5 juta. WA 081234567890"
)


@pytest.fixture
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_rows(ROWS)


def _write_csv(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("PT. Cahaya Samudra Nusantara", "cahaya samudra nusantara"),
        ("P.T Cahaya Samudra Nusantara", "cahaya samudra nusantara"),
        ("Perseroan Terbatas Cahaya Samudra Nusantara", "cahaya samudra nusantara"),
        ("pt cahaya-samudra, nusantara", "cahaya samudra nusantara"),
        ("PT CAHAYA SAMUDRA NUSANTARA Tbk", "cahaya samudra nusantara"),
        ("PT Cahaya Samudra Nusantara Membuka Lowongan", "cahaya samudra nusantara"),
        ("CV Sumber Rejeki", "sumber rejeki"),
    ],
)
def test_company_key(raw: str, key: str) -> None:
    assert company_key(raw) == key


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("name,licence,status", "PT Cahaya Samudra Nusantara,SIP3MI 101/2022,aktif"),
        ("nama,no_izin,status", "PT Cahaya Samudra Nusantara,SIP3MI 101/2022,aktif"),
        ("Nama Perusahaan,Nomor Izin,Status", "PT Cahaya Samudra Nusantara,SIP3MI 101/2022,aktif"),
        ("\ufeffnama,nomor_izin,status_izin", "PT Cahaya Samudra Nusantara,SIP3MI 101/2022,aktif"),
    ],
)
def test_from_csv_accepts_header_variants(tmp_path: Path, header: str, line: str) -> None:
    registry = AgencyRegistry.from_csv(_write_csv(tmp_path / "p3mi.csv", header, [line]))
    found = registry.match("PT Cahaya Samudra Nusantara")
    assert found is not None
    assert found.agency.licence == "SIP3MI 101/2022"


def test_from_csv_without_licence_column_is_rejected(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "p3mi.csv", "nama,status", ["PT Cahaya Samudra Nusantara,aktif"])
    with pytest.raises(ValueError, match="licence"):
        AgencyRegistry.from_csv(path)


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        ("PT Cahaya Samudra Nusantara", "PT. Cahaya Samudra Nusantara"),
        ("P.T. CAHAYA SAMUDRA NUSANTARA", "PT. Cahaya Samudra Nusantara"),
        ("PT Cahaya Samudera Nusantara", "PT. Cahaya Samudra Nusantara"),  # one letter more
        ("PT Nusantara Cahaya Samudra", "PT. Cahaya Samudra Nusantara"),  # word order
        ("PT Garuda Karya Utama", "Perseroan Terbatas Garuda Karya Utama"),
    ],
)
def test_match_finds_listed_agency(registry: AgencyRegistry, name: str, listed: str) -> None:
    found = registry.match(name)
    assert found is not None
    assert found.agency.name == listed


@pytest.mark.parametrize(
    "name", ["PT Cahaya Abadi", "PT Samudra", "PT Sinar Laut Sentosa", "PT", "CV Garuda"]
)
def test_match_rejects_other_names(registry: AgencyRegistry, name: str) -> None:
    assert registry.match(name) is None


@pytest.mark.parametrize(
    ("name", "active"),
    [
        ("PT Cahaya Samudra Nusantara", True),
        ("PT Bintang Timur Mandiri", False),
        ("PT Garuda Karya Utama", True),
    ],
)
def test_status_says_whether_licence_is_in_force(
    registry: AgencyRegistry, name: str, active: bool
) -> None:
    found = registry.match(name)
    assert found is not None
    assert found.agency.active is active


def test_active_licensed_agency_lowers_the_score(registry: AgencyRegistry) -> None:
    plain = classify({"text": LICENSED_AD})
    checked = classify({"text": LICENSED_AD}, agencies=registry)
    licensed = [i for i in checked.indicators if i.code == "LICENSED"]
    assert checked.score < plain.score
    assert licensed[0].weight < 0
    assert "SIP3MI 101/2022" in licensed[0].note


def test_licensed_indicator_points_at_the_company_name(registry: AgencyRegistry) -> None:
    verdict = classify({"text": LICENSED_AD}, agencies=registry)
    licensed = next(i for i in verdict.indicators if i.code == "LICENSED")
    assert LICENSED_AD[licensed.start : licensed.end] == "PT Cahaya Samudra Nusantara"


def test_revoked_agency_is_impersonation(registry: AgencyRegistry) -> None:
    plain = classify({"text": REVOKED_AD})
    checked = classify({"text": REVOKED_AD}, agencies=registry)
    notes = [i.note for i in checked.indicators if i.code == "IMPERSONATE"]
    assert checked.score > plain.score
    assert any("dicabut" in note for note in notes)


def test_licence_claim_for_unlisted_company_raises_the_score(registry: AgencyRegistry) -> None:
    plain = classify({"text": UNLISTED_AD})
    checked = classify({"text": UNLISTED_AD}, agencies=registry)
    notes = [i.note for i in checked.indicators if i.code == "NOLICENCE"]
    assert checked.score > plain.score
    assert any("PT Sinar Laut Sentosa" in note for note in notes)


def test_unlisted_company_without_licence_claim_is_left_alone(registry: AgencyRegistry) -> None:
    text = "PT Sinar Laut Sentosa mencari staf gudang di Cikarang, gaji Rp 5 juta."
    assert classify({"text": text}, agencies=registry) == classify({"text": text})


def test_empty_list_matches_nothing() -> None:
    assert AgencyRegistry.from_rows([]).match("PT Cahaya Samudra Nusantara") is None
