"""Time the indicator classifier on real texts, one core, default configuration, no OCR.

Usage::

    .venv/bin/python bench/classify_speed.py [--lokerid CSV] [--overseas JSONL] [--passes N]
        [--model]

The texts are the Loker.id ads (title + description) and the overseas rows, as they are.
Prints, and writes as the section "Classifier speed" of ``docs/benchmarks.md``, the machine
(CPU model, load, Python version) and date, start-up time (import and lexicon compile, in a
fresh interpreter), and posts per second at full length and with each text cut to 800
characters (a typical post). Each figure is the best of ``--passes`` passes over all texts:
the machine is shared, and the best pass is the one least disturbed.

Baseline, measured in the same run on the same texts: lowercasing and one scan of the
lexicon's compiled trie regex, with no normalisation, money, contacts or scoring: the floor
of any keyword classifier built on Python's ``re``.

``--model`` also times classification with the learned model blended in: a model is trained
on the overseas rows (positive: suspicious) and the Loker.id ads (not suspicious), saved to
and loaded from a temporary directory, for timing only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_indicators import read_lokerid, read_overseas  # noqa: E402
from report import write_section  # noqa: E402  (bench/ is not a package on the path)

from classifiers import classify, classify_many  # noqa: E402
from classifiers.lexicon import default_lexicon  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
TYPICAL_CHARS = 800
Runner = Callable[[list[str]], None]  # classifies every text once
_STARTUP = (
    "import time; t = time.perf_counter(); import classifiers; "
    "from classifiers.lexicon import default_lexicon; default_lexicon(); "
    "print(time.perf_counter() - t)"
)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo ("unknown" elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def calibration_us() -> float:
    """Microseconds for ``sum(range(1000))`` (best of many): a yardstick for comparing
    machines; a recent desktop core takes about 8-10 us."""
    best = float("inf")
    for _ in range(2000):
        start = time.perf_counter()
        sum(range(1000))
        best = min(best, time.perf_counter() - start)
    return best * 1e6


def startup_seconds(runs: int = 3) -> float:
    """Best wall time of import + lexicon compile in a fresh interpreter."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True, cwd=ROOT
        )
        times.append(float(out.stdout.strip()))
    return min(times)


def posts_per_second(texts: list[str], passes: int, run: Runner) -> tuple[float, float]:
    """Best of ``passes`` timed passes of ``run`` over ``texts`` (one warm-up pass first), as
    posts per wall-clock second and per CPU second of this process (the second ignores time
    the process waited for a core on a busy machine)."""
    run(texts)
    wall = cpu = float("inf")
    for _ in range(passes):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(texts)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return len(texts) / wall, len(texts) / cpu


def keyword_baseline(texts: list[str]) -> None:
    """Lowercase and one scan of the lexicon's trie regex: the floor of a keyword matcher."""
    trie = default_lexicon()._full_scan()  # bench code: the lexicon's own compiled trie
    for text in texts:
        trie.findall(text.lower())


def classify_each(texts: list[str]) -> None:
    for text in texts:
        classify({"text": text})


def classify_batch(model: Any) -> Runner:
    """With a learned model the texts go through ``classify_many`` (one batch for the
    model), as the pipeline does."""

    def run(texts: list[str]) -> None:
        classify_many([{"text": text} for text in texts], model=model)

    return run


def load_texts(lokerid: Path, overseas: Path) -> list[str]:
    return read_lokerid(lokerid) + [row["text"] for row in read_overseas(overseas)]


def timing_model(lokerid: Path, overseas: Path) -> Any:
    """A learned model for timing only: overseas rows labelled by their ``label``
    (``positive`` = 1), Loker.id ads 0; saved to and loaded from a temporary directory."""
    from classifiers.model import TextModel, train_model

    rows = read_overseas(overseas)
    texts = [row["text"] for row in rows] + read_lokerid(lokerid)
    labels = [int(row["label"] == "positive") for row in rows] + [0] * (len(texts) - len(rows))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "timing.model"
        train_model(texts, labels, seed=0).save(path)
        return TextModel.load(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lokerid", type=Path, default=SHARED / "lokerid_jobs_2025_dev.csv")
    parser.add_argument("--overseas", type=Path, default=SHARED / "id_overseas_ads_dev.jsonl")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--model", action="store_true", help="also time with a learned model")
    args = parser.parse_args(argv)
    texts = load_texts(args.lokerid, args.overseas)
    short = [text[:TYPICAL_CHARS] for text in texts]
    header = [
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC. Yardstick: "
        f"`sum(range(1000))` takes {calibration_us():.1f} µs (a recent desktop core: 8–10 µs).",
        "",
        f"`bench/classify_speed.py --passes {args.passes}{' --model' if args.model else ''}`: "
        f"{len(texts):,} real texts (Loker.id ads and overseas rows, mean "
        f"{statistics.mean(map(len, texts)):,.0f} characters), one process, one core, best "
        "pass after a warm-up. Start-up (import + lexicon compile, fresh interpreter): "
        f"{startup_seconds():.2f} s.",
        "",
        "| run | full length | cut to 800 characters |",
        "| --- | ---: | ---: |",
    ]
    rows: list[tuple[str, Runner]] = [
        ("baseline: lowercase + one trie-regex scan", keyword_baseline),
        ("`classify`, default configuration (indicators, no model)", classify_each),
    ]
    if args.model:
        model = timing_model(args.lokerid, args.overseas)
        rows.append(("with the learned model, in batches", classify_batch(model)))
    lines = header + [_row(name, texts, short, args.passes, run) for name, run in rows]
    write_section("Classifier speed", "\n".join(lines))
    print("\n".join(lines))
    return 0


def _row(name: str, texts: list[str], short: list[str], passes: int, run: Runner) -> str:
    """One table row: posts per second (wall clock) on ``texts`` and on ``short`` (cut)."""
    full, cut = posts_per_second(texts, passes, run), posts_per_second(short, passes, run)
    return f"| {name} | {full[0]:,.0f} posts/s | {cut[0]:,.0f} posts/s |"


if __name__ == "__main__":
    sys.exit(main())
