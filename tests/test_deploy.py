"""The service files: systemd accepts every unit, and the service keeps its hardening
(an unprivileged user, a read-only system, no new privileges, a private /tmp)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
# What systemd-analyze says about a unit verified outside the machine it is written for.
NOT_INSTALLED_HERE = ("is not executable", "No such file or directory")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is absent")
@pytest.mark.parametrize("unit", sorted(UNITS.iterdir()), ids=lambda path: path.name)
def test_systemd_accepts_the_unit(unit: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and not any(note in line for note in NOT_INSTALLED_HERE)
    ]
    assert not complaints, complaints


def test_the_service_runs_hardened_as_its_own_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNITS / "pantau.service", encoding="utf-8")
    service = unit["Service"]
    assert service["User"] not in ("", "root")
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert service["ExecStart"].endswith("pantau run")
