"""The three labels through the command line and the pipeline: `pantau classify` with the
packaged model on by default, `--no-model`, `pantau evaluate --three-labels`, reports kept
and listed without an alert, counted by `pantau status`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from classifiers.label_model import DEFAULT_MODEL
from crawler import store
from pantau.cli import main
from scheduler import classify_pending

OFFER = (
    "Dibutuhkan admin CS online di Phnom Penh, Kamboja. Gaji 15jt, tanpa pengalaman, "
    "tiket ditanggung. Hubungi WA +855 97 412 3388"
)
WARNING = (
    "WASPADA! Beredar lowongan admin ke Kamboja gaji 15 juta, tiket gratis. Itu penipuan, "
    "para korban disekap. Jangan tergiur, nomor +855 97 412 3388 sudah dilaporkan."
)

needs_model = pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="no packaged model built")


def _classify(tmp_path: Path, *extra: str) -> list[dict[str, object]]:
    source = tmp_path / "in.jsonl"
    rows = [{"id": "offer", "text": OFFER}, {"id": "warning", "text": WARNING}]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "--input", str(source), *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


@needs_model
def test_classify_uses_the_packaged_model_and_gives_three_labels(tmp_path: Path) -> None:
    offer, warning = _classify(tmp_path)
    assert (offer["label"], warning["label"]) == ("suspicious", "report")
    assert "+labels-" in str(offer["model_version"])
    assert offer["model_terms"] and {"score", "report_score"} <= offer.keys()


def test_classify_without_the_model(tmp_path: Path) -> None:
    offer, warning = _classify(tmp_path, "--no-model")
    assert (offer["label"], warning["label"]) == ("suspicious", "report")
    assert offer["model_version"] == "indicators-2" and offer["model_terms"] == []


def test_evaluate_three_labels_on_a_corpus_split(tmp_path: Path) -> None:
    split = tmp_path / "split.jsonl"
    rows = [
        {"id": "a", "text": OFFER, "expected": "suspicious", "typology": "scam", "register": "x"},
        {"id": "b", "text": WARNING, "expected": "report", "typology": "news", "register": "y"},
    ]
    split.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "figures.json"
    args = ["evaluate", "--three-labels", "--no-model", "--input", str(split), "--json", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["recall"]["suspicious"]["value"] == 1.0
    assert figures["confusion"]["report"] == {"report": 1}
    assert "right label by typology" in result.output and "[" in result.output


def test_report_is_kept_listed_and_counted_but_not_alerted(tmp_path: Path) -> None:
    config_path = tmp_path / "pantau.toml"
    config_path.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    db_path = tmp_path / "pantau.db"
    with store.connect(db_path) as db:
        _add(db, "chan/1", OFFER)
        _add(db, "chan/2", WARNING)
        classified, flagged = classify_pending(db)
        assert (classified, flagged) == (2, ["telegram:chan/1"])
        assert [p["key"] for p in store.posts_to_capture(db)] == ["telegram:chan/1"]
    runner = CliRunner()
    config = ["--config", str(config_path)]
    listed = runner.invoke(main, ["review", "list", "--label", "report", *config])
    assert listed.exit_code == 0, listed.output
    assert "telegram:chan/2" in listed.output and "telegram:chan/1" not in listed.output
    status = runner.invoke(main, ["status", *config])
    assert "suspicious 1, reports 1" in status.output, status.output


def _add(db: Database, post_id: str, text: str) -> None:
    store.upsert_post(
        db,
        {
            "platform": "telegram",
            "post_id": post_id,
            "text": text,
            "url": f"https://t.me/{post_id}",
        },
    )


@pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="no packaged model built")
def test_train_corpus_rebuilds_the_packaged_model(tmp_path: Path) -> None:
    out = tmp_path / "labels.model"
    result = CliRunner().invoke(main, ["train", "--corpus", "--output", str(out)])
    assert result.exit_code == 0, result.output
    from classifiers.label_model import LabelModel

    assert LabelModel.load(out).version == LabelModel.load(DEFAULT_MODEL).version


def test_workers_give_the_same_verdicts_in_order(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    texts = [OFFER, WARNING, "Toko roti di Bandung mencari kasir."] * 900
    source.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)),
        encoding="utf-8",
    )
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        args = ["classify", "--input", str(source), "--output", str(out), "--workers", workers]
        result = CliRunner().invoke(main, [*args, "--no-model"])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert [json.loads(line)["id"] for line in outputs[1].splitlines()] == list(range(2700))
