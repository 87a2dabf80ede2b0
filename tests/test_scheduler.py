"""The service's own health, through real crawls: a source whose site is down shows in
``pantau status``, ``/healthz`` and one admin email within three of its runs, and a
recovery email follows its first good run."""

from __future__ import annotations

import dataclasses
import email
import json
import urllib.error
import urllib.request
from email.policy import default as default_policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.sink import MailSink
from crawler import store
from crawler.config import Config, SmtpConfig, parse_config
from crawler.health import serve_health
from pantau.cli import main
from pantau.replica import serve_replica
from scheduler import Service
from tests.support.alerts import wait_for_messages
from tests.support.http import closed_port_url


def service_config(tmp_path: Path, sink: MailSink, base_url: str) -> Config:
    raw = {
        "data_dir": str(tmp_path / "data"),
        "classifier": {"ocr": False},
        "health": {"admin_recipients": ["admin@example.org"], "min_free_mb": 0},
        "sources": [
            {
                "name": "loker",
                "spider": "telegram",
                "args": {"channel": "lokerluarnegeri_demo", "base_url": base_url},
            }
        ],
    }
    config = parse_config(raw, {})
    return dataclasses.replace(config, smtp=SmtpConfig(host=sink.host, port=sink.port))


def status_output(config_file: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["status", "--config", str(config_file)])
    return result.exit_code, result.output


@pytest.mark.browser
def test_a_broken_source_is_reported_within_three_runs_and_its_recovery_too(
    tmp_path: Path,
) -> None:
    with MailSink(tmp_path / "mail") as sink:
        broken = service_config(tmp_path, sink, closed_port_url())
        service = Service(broken)
        config_file = tmp_path / "pantau.toml"
        config_file.write_text(
            f'data_dir = "{broken.data_dir}"\n[health]\nmin_free_mb = 0\n'
            '[[sources]]\nname = "loker"\nspider = "telegram"\n'
            '[sources.args]\nchannel = "lokerluarnegeri_demo"\n'
        )
        for _ in range(3):
            service.run_source(broken.sources[0])
        (told,) = wait_for_messages(sink, 1)
        code, output = status_output(config_file)
        assert code == 1
        assert "failing: loker: the last 3 runs failed" in output
        with (
            serve_health(broken, ("127.0.0.1", 0)) as (host, port),
            pytest.raises(urllib.error.HTTPError) as answer,
        ):
            urllib.request.urlopen(f"http://{host}:{port}/healthz")
        assert answer.value.code == 503
        assert json.loads(answer.value.read())["problems"][0]["kind"] == "failing"
        problem = email.message_from_bytes(told.read_bytes(), policy=default_policy)
        assert "loker: the last 3 runs failed" in problem.get_content()

        with serve_replica() as site:
            fixed = service_config(tmp_path, sink, site.base_url)
            Service(fixed).run_source(fixed.sources[0])
        messages = wait_for_messages(sink, 2)
    subjects = sorted(
        str(email.message_from_bytes(m.read_bytes(), policy=default_policy)["Subject"])
        for m in messages
        if "admin@example.org" in m.read_text(errors="replace")
    )
    assert subjects == ["[Pantau] Pantau perlu diperiksa", "[Pantau] Pantau pulih"]
    with store.connect(broken.db_path) as db:
        assert store.open_problems(db) == []
