"""Configuration: defaults, the example file, environment overrides, one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import SETTINGS, load_config, parse_config
from crawler.errors import ConfigError
from tests.support import REPO

TG = {"name": "a", "spider": "telegram", "args": {"channel": "loker"}}


def test_embedded_defaults_need_no_file() -> None:
    config = load_config(None, {})
    assert config.db_path.name == "pantau.db"
    assert config.alerts.language == "id"
    assert config.smtp.security == "none"
    assert config.sources == ()


def test_example_configuration_is_valid() -> None:
    config = load_config(REPO / "pantau.example.toml", {})
    assert [s.name for s in config.sources][:2] == ["loker-luar-negeri", "info-kerja-asia"]
    assert {s.spider for s in config.sources} == {
        "telegram",
        "classifieds",
        "olx",
        "rss",
        "jobstreet",
    }
    assert config.sources[0].args == {"channel": "nama_channel_publik", "max_pages": "3"}
    assert config.sources[1].enabled is False
    assert config.smtp.port == 587


def test_environment_overrides(tmp_path: Path) -> None:
    env = {
        "PANTAU_DATA_DIR": str(tmp_path),
        "PANTAU_SMTP_HOST": "127.0.0.1",
        "PANTAU_SMTP_PORT": "2525",
        "PANTAU_SMTP_PASSWORD": "rahasia",
    }
    config = load_config(REPO / "pantau.example.toml", env)
    assert config.data_dir == tmp_path
    assert (config.smtp.host, config.smtp.port, config.smtp.password) == (
        "127.0.0.1",
        2525,
        "rahasia",
    )


def test_config_path_from_environment() -> None:
    config = load_config(None, {"PANTAU_CONFIG": str(REPO / "pantau.example.toml")})
    assert len(config.sources) == 6


@pytest.mark.parametrize(
    ("raw", "env", "key"),
    [
        ({"smtp": {"port": 70000}}, {}, "smtp.port"),
        ({"smtp": {"port": "25"}}, {}, "smtp.port"),
        ({"smtp": {"security": "tls"}}, {}, "smtp.security"),
        ({"smtp": {"sender": "nobody"}}, {}, "smtp.sender"),
        ({"smtp": {"hots": "x"}}, {}, "smtp.hots"),
        ({"alerts": {"recipients": "a@b.c"}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["not-an-address"]}}, {}, "alerts.recipients"),
        ({"alerts": {"language": "fr"}}, {}, "alerts.language"),
        ({"browser": {"timeout_seconds": 0}}, {}, "browser.timeout_seconds"),
        ({"sources": [{"name": "a", "spider": "facebook"}]}, {}, "sources[0].spider"),
        ({"sources": [{"spider": "telegram"}]}, {}, "sources[0].name"),
        (
            {"sources": [{**TG, "interval_minutes": -1}]},
            {},
            "sources[0].interval_minutes",
        ),
        (
            {"sources": [TG, TG]},
            {},
            "sources[1].name",
        ),
        (
            {"sources": [{"name": "a", "spider": "telegram", "args": {"x": [1]}}]},
            {},
            "sources[0].args.x",
        ),
        ({}, {"PANTAU_SMTP_PORT": "smtp"}, "PANTAU_SMTP_PORT"),
        ({"classifier": {"model_path": "/no/such/model"}}, {}, "classifier.model_path"),
        ({"classifier": {"ocr": "yes"}}, {}, "classifier.ocr"),
        ({"classifier": {"ocr_languages": "ind;rm -rf"}}, {}, "classifier.ocr_languages"),
        ({"colour": "blue"}, {}, "colour"),
    ],
)
def test_bad_values_name_their_key(raw: dict, env: dict, key: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config(raw, env)
    assert excinfo.value.key == key
    assert str(excinfo.value).startswith(f"{key}: ")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[smtp\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, {})


def test_command_prints_one_line_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "pantau.toml"
    path.write_text('[smtp]\nport = "lima"\n')
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "status", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "pantau: configuration error: smtp.port: must be a number, not 'lima'"
    ]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [key for key in SETTINGS if not re.search(rf"`{re.escape(key)}`", readme)]
    assert missing == []
