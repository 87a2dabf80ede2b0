"""The three-label learned model: two heads, trained reproducibly, saved and loaded, blended
into verdicts that name its strongest terms; and the packaged model is the one the corpus
train split builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classifiers import classify_many
from classifiers.build_model import TRAIN_SPLIT, build
from classifiers.errors import ModelError
from classifiers.label_model import (
    DEFAULT_MODEL,
    MAGIC,
    LabelModel,
    load_model_file,
    train_label_model,
)  # fmt: skip

OFFERS = [
    "kak masih nyari kerja? ada kerjaan kantor di {p}, gaji {n} juta, minat chat aku",
    "info loker {p} admin chat, gaji {n}jt, tiket ditanggung, japri ya",
    "dicari operator di {p} gaji {n} juta bulan, berangkat minggu depan, wa aku",
]
REPORTS = [
    "hati hati, lowongan kerja di {p} gaji {n} juta itu penipuan, jangan tergiur",
    "polisi menangkap pelaku yang menjanjikan kerja di {p} dengan gaji {n} juta",
    "korban dijanjikan kerja di {p} gaji {n} juta lalu disekap, kata kapolres",
]
OTHERS = [
    "lowongan staf gudang di {p} gaji {n} juta, kirim lamaran ke email hrd",
    "paket wisata ke {p} {n} hari, hotel dan tiket termasuk",
    "selamat pagi semua, hari ini hujan di {p}, suhu {n} derajat",
]
PLACES = ["Bangkok", "Phnom Penh", "Manila", "Bekasi"]


def _corpus() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, templates in (("suspicious", OFFERS), ("report", REPORTS),
                             ("not_suspicious", OTHERS)):  # fmt: skip
        for template in templates:
            for n, place in enumerate(PLACES, start=5):
                texts.append(template.format(p=place, n=n))
                labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> LabelModel:
    return train_label_model(*_corpus())


def test_heads_tell_offer_report_and_other_apart(model: LabelModel) -> None:
    texts = [
        "sis mau kerja kantor di Bangkok? gaji 9 juta, chat aku ya",
        "jangan tergiur lowongan di Manila, itu penipuan kata polisi",
        "paket wisata ke Bekasi 3 hari hotel termasuk",
    ]
    (o1, r1, _), (o2, r2, _), (o3, r3, _) = model.predict_heads(texts)
    assert o1 > 0.5 > r1
    assert r2 > 0.5 > o2
    assert o3 < 0.5 and r3 < 0.5


def test_terms_explain_each_head(model: LabelModel) -> None:
    (_, _, terms), = model.predict_heads(["jangan tergiur, itu penipuan"])  # fmt: skip
    report_terms = {t.term for t in terms if t.head == "report"}
    assert report_terms & {"penipuan", "jangan tergiur", "tergiur", "jangan"}
    assert all(t.weight > 0 for t in terms)


def test_same_corpus_same_model_and_verdicts(model: LabelModel) -> None:
    again = train_label_model(*_corpus())
    texts = _corpus()[0][:6] + ["kerja di Kamboja gaji 20 juta, hati-hati penipuan"]
    posts = [{"text": t} for t in texts]
    assert again.version == model.version
    assert classify_many(posts, model=again) == classify_many(posts, model=model)


def test_saved_model_loads_with_the_same_verdicts(model: LabelModel, tmp_path: Path) -> None:
    path = tmp_path / "labels.model"
    model.save(path)
    loaded = load_model_file(path)
    posts = [{"text": t} for t in _corpus()[0]]
    assert isinstance(loaded, LabelModel) and loaded.version == model.version
    assert classify_many(posts, model=loaded) == classify_many(posts, model=model)


def test_verdict_names_the_model_and_its_terms(model: LabelModel) -> None:
    (verdict,) = classify_many([{"text": "kak ada kerjaan di Manila gaji 8 juta"}], model=model)
    assert verdict.model_version.endswith(f"+{model.version}")
    assert verdict.model_terms and verdict.to_dict()["model_terms"][0]["head"] in {
        "offer", "report",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"not a model", "not a Pantau label model"), (MAGIC + b"{}\n", "header is damaged")],
)
def test_bad_model_file_is_a_model_error(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.model"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=problem):
        LabelModel.load(path)


def test_training_needs_every_label() -> None:
    with pytest.raises(ModelError, match="report"):
        train_label_model(["a b", "c d", "e f", "g h"], ["suspicious"] * 2 + ["not_suspicious"] * 2)


def test_packaged_model_is_what_the_corpus_builds() -> None:
    if not TRAIN_SPLIT.exists() or not DEFAULT_MODEL.exists():
        pytest.skip("the corpus train split or the packaged model is absent")
    packaged = LabelModel.load(DEFAULT_MODEL)
    rebuilt = build()
    posts = [{"text": t} for t in _corpus()[0]]
    assert rebuilt.version == packaged.version
    assert classify_many(posts, model=rebuilt) == classify_many(posts, model=packaged)


def test_every_term_stands_in_its_post(model: LabelModel) -> None:
    texts = _corpus()[0] + ["Polisi: korban dijanjikan kerja di Bangkok gaji 9 juta, hati hati"]
    for text, (_, _, terms) in zip(texts, model.predict_heads(texts), strict=True):
        words = " " + " ".join(re.findall(r"\w\w+", text.lower())) + " "  # the model's tokens
        for term in terms:
            assert f" {term.term} " in words, (term, text)
