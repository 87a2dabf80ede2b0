"""Reading labelled files, training the text model, saving and loading it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from classifiers.dataset import DatasetError, LabelledText, read_labelled
from classifiers.model import KINDS, MAGIC, HashedTfidf, ModelError, TextModel, train_model
from tests.support import REPO, SHARED

DIFRAUD = SHARED / "eval" / "difraud_job_scams_validation.jsonl"
# Measured with bench/eval_difraud.py --folds 2 --repeats 1 --default-only (one fixed
# stratified split each way; pooled fraud-class F1 and PR-AUC of the default model).
DIFRAUD_F1_2FOLD = 0.427
DIFRAUD_PR_AUC_2FOLD = 0.429
MARGIN = 0.05

SUSPICIOUS = [
    "Lowongan admin di Kamboja gaji 1000 USD, tiket gratis, hubungi WA {n}",
    "Dicari CS online Myanmar, tanpa pengalaman, gaji dollar, berangkat cepat {n}",
    "Kerja ART ke Arab Saudi pakai visa ziarah, biaya proses 5 juta DP dulu {n}",
    "Loker operator ketik cepat Phnom Penh, cukup KTP dan KK, paspor dibantu {n}",
    "Butuh marketing online Laos gaji 15 juta, mess gratis, transfer biaya admin {n}",
    "ABK kapal ikan Taiwan non pengalaman, gaji dollar, potong gaji untuk biaya {n}",
]
ORDINARY = [
    "Dicari staf gudang di Bekasi, minimal SMA, gaji sesuai UMK, kirim lamaran {n}",
    "PT Maju Jaya membuka lowongan akuntan di Surabaya, pengalaman dua tahun {n}",
    "Lowongan guru matematika SMP swasta di Bandung, lulusan S1 pendidikan {n}",
    "Program G to G Korea EPS-TOPIK resmi BP2MI, tanpa biaya, daftar di situs {n}",
    "Dibutuhkan kasir minimarket Yogyakarta, shift pagi, BPJS ditanggung {n}",
    "Rekrutmen perawat rumah sakit daerah Medan melalui portal resmi Disnaker {n}",
]


def _rows() -> list[LabelledText]:
    return [LabelledText(t.format(n=n), 1) for t in SUSPICIOUS for n in range(2)] + [
        LabelledText(t.format(n=n), 0) for t in ORDINARY for n in range(2)
    ]


@pytest.fixture(scope="module")
def model() -> TextModel:
    rows = _rows()
    return train_model([r.text for r in rows], [r.label for r in rows], trained_on=date(2025, 7, 1))


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


# --- dataset ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [(1, 1), (0, 0), ("1", 1), ("0", 0), ("suspicious", 1), ("not_suspicious", 0),
     ("positive", 1), ("hard_negative", 0), ("negative", 0), (True, 1), (False, 0),
     ("TRUE", 1), (" Positive ", 1), (1.0, 1)],
)  # fmt: skip
def test_jsonl_label_values(tmp_path: Path, label: object, expected: int) -> None:
    path = _write_jsonl(
        tmp_path / "d.jsonl", [{"text": "Loker Kamboja gaji besar", "label": label}]
    )
    assert read_labelled(path) == [LabelledText("Loker Kamboja gaji besar", expected, 1)]


def test_csv_with_named_columns_and_label_map(tmp_path: Path) -> None:
    rows = [["Transfer biaya admin dulu ya kak", 1], ["Promo kuota 2GB", 2], ["Halo, apa kabar", 0]]
    path = _write_csv(tmp_path / "sms.csv", ["Teks", "Label"], rows)
    got = read_labelled(path, text_column="Teks", label_column="Label", label_map={"2": None})
    assert [(r.label, r.line) for r in got] == [(1, 2), (0, 4)]


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("bad.jsonl", '{"text": "ok", "label": 1}\n{"text": "x", "label": "maybe"}\n', 2),
        ("bad.jsonl", '{"text": "ok", "label": 1}\n\n{not json\n', 3),
        ("bad.jsonl", '["text", 1]\n', 1),
        ("bad.jsonl", '{"text": "", "label": 1}\n', 1),
        ("bad.csv", "text,label\nada,1\nkosong,7\n", 3),
        ("bad.csv", "teks,label\nada,1\n", 2),
    ],
    ids=["label", "json", "not-object", "empty-text", "csv-label", "csv-column"],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, name: str, content: str, line: int) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        read_labelled(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert f"{path}:{line}:" in str(caught.value)


def test_long_texts_are_cut(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "long.jsonl", [{"text": "a" * 50_000, "label": 0}])
    assert len(read_labelled(path, max_chars=1_000)[0].text) == 1_000


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("text\tlabel\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="unknown file type"):
        read_labelled(path)


# --- features ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Lowongan kerja Kamboja gaji besar",
        "LOKER   admin\tonline, tiket GRATIS!! hubungi segera",
        "Kerja di luar negeri kerja di luar negeri",
    ],
)
def test_hashed_features_match_sklearn_ngrams(text: str) -> None:
    # Words of 3+ letters: sklearn's char_wb special case for short words does not arise.
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()(text)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()(text)
    matrix = HashedTfidf().fit([text]).transform([text])
    word_columns = 2 ** HashedTfidf().word_bits
    assert (matrix.indices < word_columns).sum() == len(set(words))
    assert (matrix.indices >= word_columns).sum() == len(set(chars))


def test_words_only_features_have_no_character_block() -> None:
    matrix = HashedTfidf(char_ngrams=None).fit_transform(["Loker admin Kamboja gaji dollar"])
    assert matrix.shape == (1, 2 ** HashedTfidf().word_bits)
    assert matrix.nnz == 5 + 4  # five words and four word pairs


def test_features_saved_before_kinds_still_transform() -> None:
    fitted = HashedTfidf().fit(["Loker admin Kamboja", "staf gudang Bekasi"])
    old = HashedTfidf.__new__(HashedTfidf)
    word_idf, char_idf = fitted.idfs_
    old.__setstate__(fitted.get_params() | {"word_idf_": word_idf, "char_idf_": char_idf})
    texts = ["Loker admin Bekasi"]
    assert (old.transform(texts) != fitted.transform(texts)).nnz == 0


def test_hashed_features_of_a_text_do_not_depend_on_its_batch() -> None:
    alone = HashedTfidf().fit(["a b"]).transform(["Loker Kamboja"])
    batched = HashedTfidf().fit(["a b"]).transform(["x", "Loker Kamboja", "y"] * 1_500)
    assert (alone != batched[1]).nnz == 0 and (alone != batched[4_000]).nnz == 0


# --- model ------------------------------------------------------------------------------


def test_predictions_separate_the_classes(model: TextModel) -> None:
    unseen_bad = ["Lowongan CS online Kamboja gaji 1200 USD tiket gratis, hubungi WA"]
    unseen_good = ["Lowongan staf administrasi di Semarang, minimal D3, kirim lamaran"]
    bad, good = model.predict_proba(unseen_bad + unseen_good)
    assert bad > 0.5 > good


def test_training_rows_rank_suspicious_first(model: TextModel) -> None:
    rows = _rows()
    scores = model.predict_proba([r.text for r in rows])
    worst_bad = min(s for s, r in zip(scores, rows, strict=True) if r.label)
    best_good = max(s for s, r in zip(scores, rows, strict=True) if not r.label)
    assert worst_bad > best_good


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_trains_and_is_recorded(kind: str, tmp_path: Path) -> None:
    rows = _rows()
    trained = train_model([r.text for r in rows], [r.label for r in rows], kind=kind)
    trained.save(tmp_path / "model.bin")
    assert TextModel.load(tmp_path / "model.bin").info.kind == kind


def test_unknown_kind_is_refused() -> None:
    rows = _rows()
    with pytest.raises(ModelError, match="unknown model kind"):
        train_model([r.text for r in rows], [r.label for r in rows], kind="svm")


def test_version_names_date_and_data(model: TextModel) -> None:
    assert model.version.startswith("tfidf-lr-20250701-")
    assert len(model.version.rsplit("-", 1)[1]) == 8
    assert model.info.training_size == 24 and model.info.positives == 12


@pytest.mark.parametrize("kind", list(KINDS))
def test_fast_scores_equal_the_calibrated_pipeline(kind: str) -> None:
    rows = _rows()
    trained = train_model([r.text for r in rows], [r.label for r in rows], kind=kind)
    texts = [r.text for r in rows] + ["teks baru yang belum pernah dilihat", "", "!!"]
    expected = trained.pipeline.predict_proba(texts)[:, 1].tolist()
    assert trained.predict_proba(texts) == pytest.approx(expected, abs=1e-12)


def test_empty_batch_gives_no_scores(model: TextModel) -> None:
    assert model.predict_proba([]) == []


def test_save_load_round_trip_gives_identical_scores(model: TextModel, tmp_path: Path) -> None:
    texts = [r.text for r in _rows()] + ["teks baru yang belum pernah dilihat", ""]
    model.save(tmp_path / "model.bin")
    loaded = TextModel.load(tmp_path / "model.bin")
    assert loaded.predict_proba(texts) == model.predict_proba(texts)
    assert loaded.version == model.version


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"hello world",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:-10] + b"0123456789",
        lambda raw: MAGIC + b"{not json\n" + raw.split(b"\n", 2)[2],
    ],
    ids=["not-a-model", "truncated", "payload-changed", "header-damaged"],
)
def test_corrupt_file_gives_clear_error(model: TextModel, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.bin"
    model.save(path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ModelError, match=str(path)):
        TextModel.load(path)


def test_other_sklearn_major_is_refused(model: TextModel, tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    model.save(path)
    magic, header, payload = path.read_bytes().split(b"\n", 2)
    info = json.loads(header) | {"sklearn_version": "0.24.2"}
    path.write_bytes(magic + b"\n" + json.dumps(info).encode() + b"\n" + payload)
    with pytest.raises(ModelError, match="retrain"):
        TextModel.load(path)


@pytest.mark.parametrize(
    ("texts", "labels"),
    [(["a", "b", "c"], [1, 0, 0]), (["a", "b"], [1]), (["a", "b", "c", "d"], [1, 1, 0, 2])],
    ids=["one-positive", "lengths", "label-value"],
)
def test_bad_training_sets_are_refused(texts: list[str], labels: list[int]) -> None:
    with pytest.raises(ModelError):
        train_model(texts, labels)


# --- DIFrauD ----------------------------------------------------------------------------


@pytest.mark.shared
def test_difraud_cross_validated_f1_holds() -> None:
    if not DIFRAUD.exists():
        pytest.skip(f"{DIFRAUD} absent: the shared evaluation data is not next to the repo")
    command = [sys.executable, str(REPO / "bench" / "eval_difraud.py"), str(DIFRAUD)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [*command, "--folds", "2", "--repeats", "1", "--default-only", "--json", "--no-speed",
         "--no-learning-curve"],
        capture_output=True, text=True, env=env, check=True, timeout=300,
    )  # fmt: skip
    figures = json.loads(result.stdout)
    assert figures["f1"] >= DIFRAUD_F1_2FOLD - MARGIN
    assert figures["pr_auc"] >= DIFRAUD_PR_AUC_2FOLD - MARGIN
