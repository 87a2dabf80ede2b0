"""Repost clustering: the same template with other phones, emoji or spacing is one cluster."""

from __future__ import annotations

import pytest

from classifiers.reposts import RepostIndex, normalise

TEMPLATE = (
    "LOWONGAN KERJA KAMBOJA 🇰🇭 dibutuhkan admin dan customer service, gaji 1000 USD per "
    "bulan, tiket pesawat dan mess gratis, tanpa pengalaman, cukup KTP dan KK, proses "
    "cepat berangkat minggu depan. Hubungi WA {phone} sekarang juga, kuota terbatas!"
)
OTHER_AD = (
    "Dicari staf gudang untuk PT Sinar Jaya di Bekasi, pendidikan minimal SMA, shift pagi "
    "dan malam, gaji sesuai UMK, kirim lamaran lewat email ke hrd@sinarjaya.co.id"
)
THIRD_AD = (
    "Program resmi G to G ke Korea Selatan EPS TOPIK dibuka, pendaftaran hanya melalui "
    "situs BP2MI, tidak dipungut biaya apa pun, waspada calo yang meminta uang"
)

REPOSTS = [
    TEMPLATE.format(phone="+855 96 123 4567"),
    TEMPLATE.format(phone="0812-3456-7890").replace("🇰🇭", "🔥🔥"),
    "  ".join(TEMPLATE.format(phone="+62 813 9999 0000").split(" ")),
    TEMPLATE.format(phone="wa.me/6281311112222").lower() + " 💰💰",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gaji 1.000 USD!! Hubungi +855 96 123 4567 🇰🇭", "gaji # usd hubungi #"),
        ("  LOKER   Kamboja  ", "loker kamboja"),
        ("K4mboja", "#"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("repost", REPOSTS[1:])
def test_repost_with_other_phone_emoji_spacing_joins_first_cluster(repost: str) -> None:
    index = RepostIndex()
    first = index.add("telegram:1", REPOSTS[0])
    assert index.add("telegram:2", repost) == first == "telegram:1"


def test_different_ads_get_their_own_clusters() -> None:
    index = RepostIndex()
    ids = [index.add(f"p{i}", text) for i, text in enumerate([REPOSTS[0], OTHER_AD, THIRD_AD])]
    assert ids == ["p0", "p1", "p2"]


def test_adding_a_key_twice_returns_its_cluster() -> None:
    index = RepostIndex()
    index.add("a", OTHER_AD)
    assert index.add("a", THIRD_AD) == "a"
    assert len(index) == 1


def test_empty_text_is_its_own_cluster() -> None:
    index = RepostIndex()
    assert index.add("empty", "🔥🔥") == "empty"
    assert index.add("other", "") == "other"


def test_rebuild_from_stored_posts_gives_the_same_clusters() -> None:
    posts = [(f"k{i}", text) for i, text in enumerate([*REPOSTS, OTHER_AD, THIRD_AD])]
    live = RepostIndex()
    live_ids = [live.add(k, t) for k, t in posts]
    rebuilt = RepostIndex.rebuild(posts)
    assert [rebuilt.cluster_of(k) for k, _ in posts] == live_ids
    assert rebuilt.members("k0") == ["k0", "k1", "k2", "k3"]
