"""Writing benchmark results into ``docs/benchmarks.md``, one section per benchmark.

Each benchmark replaces its own ``## <heading>`` section and leaves the others, so the
file always holds the latest run of every benchmark with its machine and date.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
TITLE = (
    "# Benchmarks\n\nEach section names the benchmark that produced its figures; "
    "run them all with `bash bench/run.sh`.\n"
)


def machine() -> str:
    """CPU model, cores, Python version and the date, for the heading of a result."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, {stamp}"


def write_section(heading: str, body: str, doc: Path = DOC) -> None:
    """Put ``## heading`` + ``body`` into ``doc``, replacing an earlier run of it."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else TITLE
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text.rstrip() + "\n", encoding="utf-8")
