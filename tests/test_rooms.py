"""The rooms' walls (DESIGN.md, "Rooms"): imports run downward only, and the classifier
stays pure. Both tests read the real packages, so a new upward import fails here."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

# Floors from the top down. A module may import its own room, the rooms listed here, and
# nothing else of the project. ``alerts`` and ``review`` read a verdict's text through the
# pure ``classifiers``; ``review`` re-checks bundles through ``evidence.verify``.
ALLOWED = {
    "pantau": {"scheduler", "spiders", "classifiers", "evidence", "alerts", "review", "crawler"},
    "scheduler": {"spiders", "classifiers", "evidence", "alerts", "review", "crawler"},
    "spiders": {"crawler"},
    "classifiers": set(),
    "evidence": {"crawler"},
    "alerts": {"crawler", "classifiers"},
    "review": {"crawler", "classifiers", "evidence"},
    "crawler": set(),
}
ROOMS = set(ALLOWED)
OTHER_ROOMS = ["crawler", "alerts", "evidence", "spiders", "pantau", "scheduler", "review"]


def project_modules() -> list[Path]:
    """Every Python file of the rooms (``scheduler.py`` included), tests and bench left out."""
    files = [REPO / "scheduler.py"]
    for room in ROOMS - {"scheduler"}:
        if (REPO / room).is_dir():
            files += sorted((REPO / room).rglob("*.py"))
    return files


def room_of(path: Path) -> str:
    return path.relative_to(REPO).parts[0].removesuffix(".py")


def imported_rooms(path: Path) -> set[tuple[str, int]]:
    """The project rooms ``path`` imports (any ``import`` statement, top level or inside a
    function, ``TYPE_CHECKING`` blocks included), each with its line number."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names}
    return {(top, line) for top, line in found if top in ROOMS}


def upward_imports(files: list[Path]) -> list[str]:
    """``file:line imports room`` for every import the floor plan does not allow."""
    wrong = []
    for path in files:
        room = room_of(path)
        for target, line in sorted(imported_rooms(path)):
            if target != room and target not in ALLOWED[room]:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    return wrong


def test_no_import_runs_upward() -> None:
    files = project_modules()
    assert len(files) > 40  # the walk found the rooms
    assert upward_imports(files) == []


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    """A ground module importing the cycle, and a classifier importing the store, are
    caught (the check is not vacuous)."""
    ground = REPO / "crawler" / "_probe_upward.py"
    pure = REPO / "classifiers" / "_probe_upward.py"
    try:
        ground.write_text("from scheduler import process\n", encoding="utf-8")
        pure.write_text("def f():\n    from crawler import store\n", encoding="utf-8")
        assert upward_imports([ground, pure]) == [
            "crawler/_probe_upward.py:1 imports scheduler",
            "classifiers/_probe_upward.py:2 imports crawler",
        ]
    finally:
        ground.unlink(missing_ok=True)
        pure.unlink(missing_ok=True)


PROBE = """
import json, sys
import classifiers, classifiers.engine, classifiers.model, classifiers.ocr
import classifiers.agencies, classifiers.dataset, classifiers.evaluation, classifiers.reposts
from classifiers import classify
classify({"text": "Loker admin Kamboja gaji 15jt, tiket ditanggung, WA +855 12 345 678"})
rooms = %r
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in rooms)))
"""


def loaded_rooms(probe: str) -> list[str]:
    """Project modules other than ``classifiers`` loaded by ``probe`` in a fresh
    interpreter (started in the repository root, like the ``pantau`` command)."""
    result = subprocess.run(
        [sys.executable, "-c", probe % (OTHER_ROOMS,)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_classifiers_loads_no_other_room() -> None:
    assert loaded_rooms(PROBE) == []


@pytest.mark.parametrize("module", ["crawler.store", "alerts.outbox"])
def test_the_fresh_interpreter_probe_sees_other_rooms(module: str) -> None:
    """The same probe does report a room when one is imported (it is not vacuous)."""
    assert module in loaded_rooms(PROBE.replace("import json, sys", f"import json, sys, {module}"))
