"""Configuration: defaults, the example file, environment overrides, one-line errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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
        ({"smtp": {"max_message_bytes": 5000}}, {}, "smtp.max_message_bytes"),
        ({"smtp": {"max_message_bytes": 150_000.5}}, {}, "smtp.max_message_bytes"),
        ({"alerts": {"recipients": "a@b.c"}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["not-an-address"]}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["a@x.org, b@y.org"]}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["a@x.org; b@y.org"]}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["Tim <a@x.org>"]}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["a@x.org,"]}}, {}, "alerts.recipients"),
        ({"alerts": {"recipients": ["a@"]}}, {}, "alerts.recipients"),
        ({"smtp": {"sender": "a@x.org, b@y.org"}}, {}, "smtp.sender"),
        ({"smtp": {"sender": "a@x@y.org"}}, {}, "smtp.sender"),
        ({"alerts": {"language": "fr"}}, {}, "alerts.language"),
        ({"browser": {"timeout_seconds": 0}}, {}, "browser.timeout_seconds"),
        ({"sources": [{"name": "a", "spider": "myspace"}]}, {}, "sources[0].spider"),
        ({"sources": [{"name": "a", "spider": "facebook"}]}, {}, "sources[0].args"),
        (
            {"sources": [{"name": "a", "spider": "facebook", "args": {"group": "a", "q": "b"}}]},
            {},
            "sources[0].args",
        ),
        (
            {"sources": [{"name": "a", "spider": "x", "args": {"profile": "bukan handle!"}}]},
            {},
            "sources[0].args.profile",
        ),
        (
            {"sources": [{"name": "a", "spider": "tiktok", "args": {"hashtag": "a", "page": "b"}}]},
            {},
            "sources[0].args.page",
        ),
        (
            {"sources": [{**TG, "args": {"channel": "loker", "proxy": "socks5://h:1"}}]},
            {},
            "sources[0].args.proxy",
        ),
        ({"sources": [{"spider": "telegram"}]}, {}, "sources[0].name"),
        (
            {"sources": [{**TG, "interval_minutes": -1}]},
            {},
            "sources[0].interval_minutes",
        ),
        (
            {"sources": [{**TG, "interval_minutes": 0.05}]},
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
        ({"classifier": {"model": "off"}}, {}, "classifier.model"),
        ({"classifier": {"model": 0}}, {}, "classifier.model"),
        ({"classifier": {"model": False, "model_path": __file__}}, {}, "classifier.model"),
        ({"classifier": {"ocr": "yes"}}, {}, "classifier.ocr"),
        ({"classifier": {"ocr_languages": "ind;rm -rf"}}, {}, "classifier.ocr_languages"),
        ({"colour": "blue"}, {}, "colour"),
        ({"network": {"allow": "127.0.0.1"}}, {}, "network.allow"),
        ({"network": {"allow": ["localhost"]}}, {}, "network.allow"),
        ({"network": {"allow": ["10.0.0.1/8"]}}, {}, "network.allow"),
        ({"network": {"allow": [10]}}, {}, "network.allow"),
        ({"network": {"deny": []}}, {}, "network.deny"),
        ({"service": {"allow_root": "yes"}}, {}, "service.allow_root"),
        ({"browser": {"max_attempts": 0}}, {}, "browser.max_attempts"),
        ({"browser": {"max_attempts": 2.5}}, {}, "browser.max_attempts"),
        ({"browser": {"sandbox": "no"}}, {}, "browser.sandbox"),
    ],
)
def test_bad_values_name_their_key(raw: dict, env: dict, key: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config(raw, env)
    assert excinfo.value.key == key
    assert str(excinfo.value).startswith(f"{key}: ")


def test_two_addresses_in_one_entry_are_named_in_the_error() -> None:
    with pytest.raises(ConfigError, match=r"holds 2 addresses \(a@x.org, b@y.org\)"):
        parse_config({"alerts": {"recipients": ["penyidik@example.org", "a@x.org, b@y.org"]}}, {})


def test_a_fraction_of_a_minute_is_a_valid_interval() -> None:
    config = parse_config({"sources": [{**TG, "interval_minutes": 0.1}]}, {})
    assert config.sources[0].interval_minutes == 0.1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "is a folder; give the TOML file"),
        (lambda p: p.write_bytes(b"[smtp]\nhost = 'r\xe9seau'\n"), "is not UTF-8 text (byte"),
    ],
    ids=["folder", "latin-1"],
)
def test_unreadable_config_file_is_a_config_error(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "pantau.toml"
    make(path)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path, {})


def test_network_allow_is_empty_by_default_and_parsed() -> None:
    assert parse_config({}, {}).network.allow == ()
    config = parse_config({"network": {"allow": ["127.0.0.1", "10.0.0.0/8", "::1"]}}, {})
    assert [str(n) for n in config.network.allow] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


def test_service_refuses_root_in_one_line(tmp_path: Path) -> None:
    """As root (CI here) ``pantau run`` stops before anything starts unless the
    configuration says it may; as another user it does not refuse."""
    from pantau.options import refuse_root

    config = parse_config({"sources": [TG]}, {})
    with pytest.raises(ConfigError, match="refusing to run as root") as caught:
        refuse_root(config, euid=0)
    assert caught.value.key == "service.allow_root"
    refuse_root(config, euid=1000)
    refuse_root(parse_config({"service": {"allow_root": True}}, {}), euid=0)


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal needs root")
def test_run_as_root_prints_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pantau.toml"
    path.write_text('[[sources]]\nname = "a"\nspider = "telegram"\nargs = {channel = "x"}\n')
    result = subprocess.run(
        [sys.executable, "-m", "pantau", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pantau: configuration error: service.allow_root: refusing")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[smtp\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, {})


def test_command_prints_one_line_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "pantau.toml"
    path.write_text('[smtp]\nport = "lima"\n')
    result = subprocess.run(
        [sys.executable, "-m", "pantau", "status", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "pantau: configuration error: smtp.port: must be a number, not 'lima'"
    ]


@pytest.mark.parametrize(
    ("spider", "args"),
    [
        ("facebook", {"group": "lokerluarnegeri", "max_pages": "3"}),
        ("facebook", {"q": "loker kamboja", "location": "jakarta"}),
        ("facebook", {"url": "https://www.facebook.com/groups/1/", "proxy": "http://p:3128"}),
        ("instagram", {"hashtag": "#lokerluarnegeri"}),
        ("tiktok", {"profile": "@lokerjepang_id"}),
        ("x", {"q": "loker luar negeri gaji besar"}),
    ],
)
def test_social_spider_sources_are_accepted(spider: str, args: dict[str, str]) -> None:
    config = parse_config({"sources": [{"name": "a", "spider": spider, "args": args}]}, {})
    assert config.sources[0].args == args


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [key for key in SETTINGS if not re.search(rf"`{re.escape(key)}`", readme)]
    assert missing == []
