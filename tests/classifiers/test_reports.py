"""The third label: text *about* illegal recruitment (news, warnings, testimony) is a
``report``, told from an offer by who speaks and to whom, and explained by REPORT indicators
with the words that fired. Indicators only (no model), so each case tests the rules."""

from __future__ import annotations

import pytest

from classifiers import classify
from classifiers.verdict import NOT_SUSPICIOUS, REPORT, SUSPICIOUS

REPORTS = [
    pytest.param(
        'Hati-hati, ini penipuan! Jangan mau ya teman-teman:\n"Dibutuhkan admin di Phnom Penh, '
        'gaji 15 juta, tiket gratis, tanpa pengalaman. Minat hubungi WA 0812 3456 7788"',
        id="ad-reposted-under-warning",
    ),
    pytest.param(
        "PHNOM PENH — Sebanyak 12 warga negara Indonesia dipulangkan setelah disekap di sebuah "
        "kompleks judi online. Mereka dijanjikan bekerja sebagai operator dengan gaji 1.000 "
        "dolar AS, ujar Duta Besar RI.",
        id="news-dateline",
    ),
    pytest.param(
        "Tolong bantu, anak saya berangkat ke Kamboja bulan lalu katanya kerja admin gaji besar. "
        "Sekarang hilang kontak dan tidak bisa pulang, diminta tebusan 30 juta.",
        id="mother-plea",
    ),
    pytest.param(
        "KLARIFIKASI: PT Bahari Nusantara tidak pernah membuka lowongan ABK ke Korea lewat "
        "WhatsApp. Lowongan yang mengatasnamakan kami adalah hoaks.",
        id="agency-clarification",
    ),
    pytest.param(
        "Police said the victims were promised office jobs in Myanmar with a salary of USD 800 "
        "and free flights; the suspects were arrested at the airport.",
        id="english-news",
    ),
    pytest.param(
        "Awas! Sindiket tawaran kerja di Kemboja kembali aktif. Mangsa dijanjikan gaji tinggi "
        "tetapi ditahan dan dipaksa bekerja. Berhati-hati dan sebarkan.",
        id="malay-warning",
    ),
    pytest.param(
        "ga nyangka loker admin yang aku lamar di grup FB ternyata penempatannya di Kamboja, "
        "untung ga jadi berangkat",
        id="job-seeker-testimony",
    ),
    pytest.param(
        "Lowongan ke Kamboja seperti ini umumnya cuma minta paspor dan pasang gaji 15 juta, "
        "korban baru sadar setelah sampai.",
        id="explainer-generalises",
    ),
]

OFFERS_THAT_DENY = [
    pytest.param(
        "Lowongan RESMI bukan penipuan! Admin di Kamboja gaji 1200 USD, tiket & mess gratis, "
        "cukup KTP. Minat hubungi WA 0813 2222 1111",
        id="resmi-bukan-penipuan",
    ),
    pytest.param(
        "100% aman tidak ilegal. Dicari ART ke Arab Saudi gaji 7 juta, paspor dibantu. "
        "Japri 0812 9999 0000",
        id="aman-tidak-ilegal",
    ),
]


@pytest.mark.parametrize("text", REPORTS)
def test_text_about_illegal_recruitment_is_a_report(text: str) -> None:
    verdict = classify({"text": text})
    assert verdict.label == REPORT, (verdict.report_score, verdict.reasons)


@pytest.mark.parametrize("text", REPORTS)
def test_report_indicators_cite_their_words(text: str) -> None:
    reports = [i for i in classify({"text": text}).indicators if i.code == "REPORT"]
    assert reports
    for indicator in reports:
        assert text[indicator.start : indicator.end] == indicator.text
        assert indicator.weight > 0 and ":" in indicator.note


@pytest.mark.parametrize("text", OFFERS_THAT_DENY)
def test_offer_calling_itself_legal_is_still_an_offer(text: str) -> None:
    verdict = classify({"text": text})
    assert verdict.label == SUSPICIOUS, (verdict.report_score, verdict.reasons)


def test_way_to_apply_weighs_against_a_report() -> None:
    verdict = classify({"text": OFFERS_THAT_DENY[0].values[0]})
    apply = [i for i in verdict.indicators if i.code == "APPLY"]
    assert apply and apply[0].weight < 0


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (REPORTS[1].values[0], "news form: dateline"),
        ("KOMPAS.com - Polisi memulangkan 4 PMI dari Kamboja.", "news form: dateline"),
        ("JOHOR BAHRU, Berita Kita — Polis menyelamatkan 8 pekerja.", "news form: dateline"),
        ("Polisi menangkap calo di Batam, Senin (12/5/2025).", "news form: dated event"),
    ],
)
def test_news_form_is_found(text: str, note: str) -> None:
    assert note in {i.note for i in classify({"text": text}).indicators}


@pytest.mark.parametrize("text", ["DIBUTUHKAN - ADMIN GUDANG", "Gaji (12/5) dibayar tepat waktu"])
def test_poster_heading_is_no_dateline(text: str) -> None:
    assert not any(i.code == "REPORT" for i in classify({"text": text}).indicators)


@pytest.mark.parametrize(
    "text",
    [
        "Polisi menangkap pelaku pencurian motor di Bekasi, korban mengalami kerugian 15 juta.",
        "Hati-hati di jalan ya, hujan deras di Bandung sore ini.",
    ],
)
def test_warning_about_something_else_is_not_a_report(text: str) -> None:
    assert classify({"text": text}).label == NOT_SUSPICIOUS


def test_verdict_dict_carries_both_scores_and_the_label() -> None:
    found = classify({"text": REPORTS[0].values[0]}).to_dict()
    assert found["label"] == REPORT
    assert 0 <= found["score"] <= 1 and found["report_score"] >= 0.5
    assert found["model_terms"] == []
