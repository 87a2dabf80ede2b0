"""An installed Pantau carries every file it reads: each data file in a package folder
is matched by that package's ``package-data`` globs in pyproject.toml, so a non-editable
install (the Dockerfile's ``pip install /opt/pantau``) gets it too. A folder's README
is for readers of the repository and is not needed there."""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell which files belong to the project")
    return [Path(name) for name in listed.decode().split("\0") if name]


def test_every_data_file_of_a_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    packages = {name.replace(".", "/"): name for name in setuptools["packages"]}
    globs = setuptools.get("package-data", {})
    missing = []
    for path in tracked_files():
        folder = path.parent.as_posix()
        if path.suffix == ".py" or path.name == "README.md" or folder not in packages:
            continue
        patterns = globs.get(packages[folder], [])
        if not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
            missing.append(path.as_posix())
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


def test_every_folder_with_code_is_a_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(config["tool"]["setuptools"]["packages"])
    outside = {"tests", "bench", "scripts", "deploy", "docs"}
    unlisted = sorted(
        {
            path.parent.as_posix().replace("/", ".")
            for path in tracked_files()
            if path.suffix == ".py" and path.parent != Path(".") and path.parts[0] not in outside
        }
        - packages
    )
    assert not unlisted, f"folders with code missing from [tool.setuptools] packages: {unlisted}"
