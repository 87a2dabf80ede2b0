"""Posters, contacts, reposts and the learned model inside the pipeline and the command
line: real SQLite files, the replica site on loopback, real Tesseract, real training."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from classifiers import classify, classify_many
from classifiers.label_model import DEFAULT_MODEL
from classifiers.model import TextModel, train_model
from crawler import store
from crawler.config import parse_config
from pantau.cli import main
from pantau.replica import serve_replica
from scheduler import REPOST_WINDOW, classify_pending, load_model

# The replica site listens on 127.0.0.1, which the network fence refuses by default.
LOOPBACK_ALLOWED = {"network": {"allow": ["127.0.0.1"]}}

KAMBOJA = (
    "Dibutuhkan admin CS online di Phnom Penh, Kamboja. Gaji 15jt, tanpa pengalaman, "
    "tiket ditanggung. Hubungi WA +855 97 412 3388"
)
LOKAL = "Toko roti di Bandung mencari kasir shift pagi, lamaran langsung ke toko."


def add_post(db: Database, post_id: str, text: str, images: list[str] | None = None) -> str:
    store.upsert_post(
        db,
        {
            "platform": "telegram",
            "post_id": post_id,
            "text": text,
            "url": f"https://t.me/{post_id}",
            "images": images or [],
        },
    )
    return store.post_key("telegram", post_id)


def test_posts_sharing_a_number_form_one_network(db: Database) -> None:
    first = add_post(db, "a/1", KAMBOJA)
    second = add_post(db, "b/7", "Loker operator Myawaddy gaji 12jt. WA +855 97 412 3388")
    add_post(db, "c/3", LOKAL)
    classify_pending(db)
    linked = store.linked_posts(db, first)
    assert [(row["key"], row["kind"], row["value"]) for row in linked] == [
        (second, "phone", "+855974123388")
    ]


def test_posts_a_crawl_left_unindexed_are_searchable_once_classified(db: Database) -> None:
    post = {"platform": "telegram", "post_id": "a/1", "text": KAMBOJA, "url": "https://t.me/a/1"}
    store.save_posts(db, [post], index=False)  # stored by a crawl killed before its end
    classify_pending(db)
    rows, total = store.review_queue(db, {"search": "phnom penh"})
    assert [row["key"] for row in rows] == ["telegram:a/1"]


def test_reposts_share_a_cluster_and_one_false_positive_silences_all(db: Database) -> None:
    first = add_post(db, "a/1", KAMBOJA)
    repost = add_post(db, "b/9", KAMBOJA.replace("+855 97 412 3388", "+855 88 100 2000") + " 🔥")
    other = add_post(db, "c/3", "Loker ART ke Arab Saudi pakai visa umroh, biaya proses DP 1jt")
    classify_pending(db)
    assert store.get_post(db, repost)["cluster_id"] == store.get_post(db, first)["cluster_id"]
    assert store.get_post(db, other)["cluster_id"] == other
    for key in (first, repost, other):
        store.save_evidence(db, key, path="/e", manifest_sha256="x", error=None)
    store.add_review(db, first, "false_positive", note="template iklan resmi")
    assert store.posts_to_alert(db) == [other]


def test_poster_text_is_read_and_classified(db: Database) -> None:
    with serve_replica() as site:
        key = add_post(db, "demo/104", "", [f"{site.base_url}/img/poster_kamboja.png"])
        classified, flagged = classify_pending(db, parse_config(LOOPBACK_ALLOWED, {}))
    assert (classified, flagged) == (1, [key])
    post = store.get_post(db, key)
    assert "KAMBOJA" in post["images_text"].upper()
    verdict = store.get_verdict(db, key)
    assert any(i["code"] == "DEST" for i in verdict["indicators"])


def test_broken_poster_is_recorded_and_not_fetched_again(db: Database) -> None:
    with serve_replica() as site:
        url = f"{site.base_url}/img/tidak-ada.png"
        key = add_post(db, "demo/1", "Info loker", [url])
        config = parse_config(LOOPBACK_ALLOWED, {})
        classify_pending(db, config)
        assert store.images_without_text(db, [key]) == []
    row = next(iter(db.query("SELECT * FROM image_texts")))
    assert row["url"] == url and row["error"]


class ModelThatCannotScoreOnePost:
    """A learned model for the ``ProbabilityModel`` hook that raises on one text. No real
    input makes the classifier raise today (the property tests look for one), so the
    failure is brought in through the one part of classification that is pluggable."""

    version = "cannot-score-one"

    def predict_proba(self, texts: list[str]) -> list[float]:
        if any("RUSAK" in text for text in texts):
            raise ValueError("cannot score this text")
        return [0.5] * len(texts)


def test_a_post_that_cannot_be_classified_stays_pending_and_holds_back_no_other(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bad = add_post(db, "a/1", "RUSAK " + KAMBOJA)
    good = add_post(db, "b/2", KAMBOJA)
    classified, flagged = classify_pending(db, model=ModelThatCannotScoreOnePost())
    assert (classified, flagged) == (1, [good])
    assert store.get_verdict(db, bad) is None
    assert [post["key"] for post in store.posts_to_classify(db)] == [bad]
    assert f"post {bad} could not be classified; it stays pending" in caplog.text


LABELLED = [
    {"text": KAMBOJA, "label": 1},
    {"text": "Loker ART Arab Saudi visa umroh, biaya proses 3jt potong gaji", "label": 1},
    {"text": "ABK kapal ikan Taiwan, biaya administrasi 5jt, berangkat cepat", "label": 1},
    {"text": "Operator ketik cepat Myawaddy gaji 12jt cukup KTP berangkat besok", "label": 1},
    {"text": LOKAL, "label": 0},
    {"text": "Dicari barista untuk kafe di Yogyakarta, kirim CV ke email kami", "label": 0},
    {
        "text": "Pendaftaran G to G Korea EPS-TOPIK dibuka, tanpa biaya, lewat situs resmi",
        "label": 0,
    },
    {"text": "Lowongan staf gudang di Cikarang, gaji UMK, BPJS, kontrak 1 tahun", "label": 0},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def test_train_then_evaluate_through_the_command(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "labelled.jsonl", LABELLED * 3)
    runner = CliRunner()
    trained = runner.invoke(
        main, ["train", "--input", str(data), "--output", str(tmp_path / "m.bin")]
    )
    assert trained.exit_code == 0, trained.output
    evaluated = runner.invoke(
        main,
        [
            "evaluate",
            "--input",
            str(data),
            "--model",
            str(tmp_path / "m.bin"),
            "--json",
            str(tmp_path / "r.json"),
        ],
    )
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["recall"] == 1.0
    assert "F1" in evaluated.output or "f1" in evaluated.output.lower()


def test_a_false_positive_changes_the_next_training(tmp_path: Path) -> None:
    text = "Info resmi: lowongan admin di Kamboja untuk diaspora, gaji 15jt, hubungi KBRI"
    data = write_jsonl(tmp_path / "labelled.jsonl", LABELLED * 3)
    with store.connect(tmp_path / "pantau.db") as db:
        key = add_post(db, "x/1", text)
        store.add_review(db, key, "false_positive")
    runner = CliRunner()
    env = {"PANTAU_DATA_DIR": str(tmp_path)}
    args = ["train", "--input", str(data), "--output"]
    assert runner.invoke(main, [*args, str(tmp_path / "before.bin")], env=env).exit_code == 0
    after = runner.invoke(main, [*args, str(tmp_path / "after.bin"), "--from-reviews"], env=env)
    assert after.exit_code == 0, after.output
    assert "1 reviewed posts" in after.output
    before_score = TextModel.load(tmp_path / "before.bin").predict_proba([text])[0]
    after_score = TextModel.load(tmp_path / "after.bin").predict_proba([text])[0]
    assert after_score < before_score


def test_training_needs_something_to_learn_from(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["train", "--output", str(tmp_path / "m.bin")], env={"PANTAU_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "nothing to train on" in result.output


def test_configured_model_is_used_and_recorded(tmp_path: Path, db: Database) -> None:
    rows = LABELLED * 3
    model = train_model([r["text"] for r in rows], [r["label"] for r in rows])
    model.save(tmp_path / "m.bin")
    config = parse_config({"classifier": {"model_path": str(tmp_path / "m.bin")}}, {})
    key = add_post(db, "a/1", KAMBOJA)
    classify_pending(db, config, model=load_model(config))
    assert model.version in store.get_verdict(db, key)["model_version"]


@pytest.mark.parametrize(
    ("classifier", "recorded"),
    [({}, "indicators-2+labels-"), ({"model": False}, "indicators-2")],
    ids=["packaged-model-by-default", "model-turned-off"],
)
def test_classifier_model_key_turns_the_learned_model_on_and_off(
    db: Database, classifier: dict[str, Any], recorded: str
) -> None:
    if not DEFAULT_MODEL.is_file():
        pytest.skip("the packaged model is not built in this checkout")
    config = parse_config({"classifier": classifier}, {})
    key = add_post(db, "a/1", KAMBOJA)
    classify_pending(db, config, model=load_model(config))
    version = store.get_verdict(db, key)["model_version"]
    assert version.startswith(recorded) and (version == recorded) == ("model" in classifier)


def test_imported_agency_list_is_used_by_the_pipeline(tmp_path: Path) -> None:
    listing = tmp_path / "p3mi.csv"
    listing.write_text(
        "nama,no_izin,status\n"
        "PT Cahaya Samudra Nusantara,SIP3MI 123/2024,aktif\n"
        "PT Bintang Timur Mandiri,SIP3MI 77/2019,dicabut\n",
        encoding="utf-8",
    )
    env = {"PANTAU_DATA_DIR": str(tmp_path)}
    imported = CliRunner().invoke(main, ["agencies", "import", str(listing)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "imported 2 agencies (1 with an active licence)" in imported.output
    with store.connect(tmp_path / "pantau.db") as db:
        revoked = add_post(
            db,
            "a/1",
            "PT Bintang Timur Mandiri membuka lowongan ART ke Arab Saudi, hubungi WA 081234567890",
        )
        classify_pending(db)
        codes = {i["code"] for i in store.get_verdict(db, revoked)["indicators"]}
    assert "IMPERSONATE" in codes


def test_agency_list_without_a_licence_column_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "p3mi.csv"
    listing.write_text("nama,status\nPT Cahaya Samudra Nusantara,aktif\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["agencies", "import", str(listing)], env={"PANTAU_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "no 'licence' column" in result.output


def test_batch_classification_gives_the_same_verdicts() -> None:
    rows = LABELLED * 3
    model = train_model([r["text"] for r in rows], [r["label"] for r in rows])
    posts = [{"text": r["text"]} for r in LABELLED] + [{"text": "", "images_text": KAMBOJA}]
    for used in (None, model):
        assert classify_many(posts, model=used) == [classify(p, model=used) for p in posts]


def test_evaluate_model_only_scores_with_the_model_alone(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "labelled.jsonl", LABELLED * 3)
    runner = CliRunner()
    model = tmp_path / "m.bin"
    assert (
        runner.invoke(main, ["train", "--input", str(data), "--output", str(model)]).exit_code == 0
    )
    args = ["evaluate", "--input", str(data), "--json", str(tmp_path / "r.json")]
    result = runner.invoke(main, [*args, "--model", str(model), "--model-only"])
    assert result.exit_code == 0, result.output
    expected = TextModel.load(model).predict_proba([r["text"] for r in LABELLED * 3])
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["positives"] == 12
    assert report["confusion_matrix"][1][1] == sum(p >= 0.5 for p in expected[:4]) * 3
    refused = runner.invoke(main, [*args, "--model-only"])
    assert refused.exit_code == 2 and "--model-only needs --model" in refused.output


def test_reposts_are_looked_for_among_recent_posts_only(db: Database) -> None:
    old = datetime.now(UTC) - REPOST_WINDOW - timedelta(days=1)
    store.upsert_post(
        db,
        {"platform": "telegram", "post_id": "a/1", "text": KAMBOJA, "url": "https://t.me/a/1"},
        now=old,
    )
    classify_pending(db)
    new = add_post(db, "b/2", KAMBOJA)
    classify_pending(db)
    assert store.get_post(db, new)["cluster_id"] == new
