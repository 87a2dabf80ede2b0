"""Sessions: reading exported cookie files (tables), storing them owner-only, sending them
with a real crawl's requests (and keeping them out of the WARC), and the ``pantau
session`` commands."""

from __future__ import annotations

import gzip
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import sessions
from crawler.sessions import Cookie, SessionError
from pantau.cli import main
from tests.support.http import Reply
from tests.support.replica import run_crawl
from tests.support.site import serve_site

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FUTURE = int(NOW.timestamp()) + 86400
PAST = int(NOW.timestamp()) - 86400
SECRET = "c3VwZXJyYWhhc2lh"

COOKIES_TXT = f"""# Netscape HTTP Cookie File
# This is a generated file! Do not edit.

.facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\tc_user\t100012345
#HttpOnly_.facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}
.facebook.com\tTRUE\t/\tTRUE\t{PAST}\told\tgone
www.facebook.com\tFALSE\t/groups\tFALSE\t0\tpref\tid
"""

STORAGE_STATE = {
    "cookies": [
        {
            "name": "auth_token",
            "value": SECRET,
            "domain": ".x.com",
            "path": "/",
            "expires": FUTURE,
            "httpOnly": True,
            "secure": True,
            "sameSite": "None",
        },
        {
            "name": "ct0",
            "value": "csrf123",
            "domain": ".x.com",
            "path": "/",
            "expires": -1,
            "httpOnly": False,
            "secure": True,
            "sameSite": "Lax",
        },
    ],
    "origins": [{"origin": "https://x.com", "localStorage": []}],
}
EMPTY_CHANNEL = b'<html><body><div class="tgme_channel_history"></div></body></html>'


def test_netscape_cookies_txt() -> None:
    cookies = sessions.netscape_cookies(COOKIES_TXT)
    assert [c.name for c in cookies] == ["c_user", "xs", "old", "pref"]
    assert cookies[1] == Cookie("xs", SECRET, ".facebook.com", "/", float(FUTURE), True, True)
    assert cookies[3].expires is None


def test_playwright_storage_state() -> None:
    cookies = sessions.storage_state_cookies(json.dumps(STORAGE_STATE))
    assert [(c.name, c.domain, c.http_only) for c in cookies] == [
        ("auth_token", ".x.com", True),
        ("ct0", ".x.com", False),
    ]
    assert cookies[1].expires is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (".facebook.com\tTRUE\t/\n", "expected 7 tab-separated fields"),
        ('{"cookies": "none"}', "no 'cookies' list"),
        ('{"cookies": [{"value": "x"}]}', "no name or domain"),
        ("{not json", "not valid JSON"),
        ("# only a comment\n", "holds no cookies"),
    ],
)
def test_bad_cookie_files_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text(text)
    with pytest.raises(SessionError, match=problem):
        sessions.read_cookie_file(path)


@pytest.mark.parametrize(
    ("host", "path", "https", "expected"),
    [
        ("www.facebook.com", "/groups/1/", True, f"c_user=100012345; xs={SECRET}; pref=id"),
        ("www.facebook.com", "/marketplace/", True, f"c_user=100012345; xs={SECRET}"),
        ("m.facebook.com", "/", True, f"c_user=100012345; xs={SECRET}"),
        ("www.facebook.com", "/groups/1/", False, "pref=id"),
        ("evilfacebook.com", "/", True, ""),
        ("127.0.0.1", "/", False, ""),
    ],
)
def test_cookie_header_follows_browser_rules(
    host: str, path: str, https: bool, expected: str
) -> None:
    cookies = sessions.netscape_cookies(COOKIES_TXT)
    assert sessions.cookie_header(cookies, host, path, https, NOW) == expected


def test_imported_session_is_owner_only_and_listed(tmp_path: Path) -> None:
    source = tmp_path / "cookies.txt"
    source.write_text(COOKIES_TXT)
    stored = sessions.import_session(tmp_path / "data", "fb-loker", source, now=NOW)
    path = sessions.session_path(tmp_path / "data", "fb-loker")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (stored.cookies, stored.expired, stored.domains) == (
        4,
        1,
        ("facebook.com", "www.facebook.com"),
    )
    sessions.mark_used(path, now=NOW)
    (listed,) = sessions.list_sessions(tmp_path / "data", now=NOW)
    assert listed.last_used_at == "2026-03-02T08:00:00+00:00"
    assert SECRET not in repr(listed)


def test_crawl_sends_the_session_and_keeps_it_out_of_the_warc(tmp_path: Path) -> None:
    cookie_file = tmp_path / "state.json"
    state = {"cookies": [{"name": "sid", "value": SECRET, "domain": "127.0.0.1", "path": "/"}]}
    cookie_file.write_text(json.dumps(state))
    sessions.import_session(tmp_path / "data", "kanal", cookie_file)
    session_file = sessions.session_path(tmp_path / "data", "kanal")
    settings = {"PANTAU_SESSION_FILE": str(session_file), "PANTAU_WARC_DIR": str(tmp_path / "warc")}
    with serve_site({"/s/kanal": Reply(EMPTY_CHANNEL)}) as site:
        result = run_crawl(site.base_url, "kanal", tmp_path / "out.jsonl", 1, settings)
        (hit,) = site.hits_to("/s/kanal")
    assert result.returncode == 0, result.stderr
    assert hit.headers["cookie"] == f"sid={SECRET}"
    assert SECRET not in result.stderr + result.stdout
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")
    record = gzip.decompress(warc.read_bytes())
    assert SECRET.encode() not in record
    assert b"Cookie: [redacted]" in record
    assert sessions.list_sessions(tmp_path / "data")[0].last_used_at is not None


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "pantau.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        '[[sources]]\nname = "fb-loker"\nspider = "facebook"\nargs = { group = "lokerln" }\n'
    )
    return path


def test_session_commands(tmp_path: Path) -> None:
    config = config_file(tmp_path)
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES_TXT)
    runner = CliRunner()
    imported = runner.invoke(
        main, ["session", "import", "fb-loker", str(cookies), "--config", str(config)]
    )
    assert imported.exit_code == 0, imported.output
    assert "session of fb-loker stored: 4 cookies" in imported.output
    listed = runner.invoke(main, ["session", "list", "--config", str(config)])
    assert listed.exit_code == 0
    assert listed.output.startswith("fb-loker: 4 cookies")
    assert "last used never" in listed.output
    assert SECRET not in imported.output + listed.output


def test_session_import_for_an_unknown_source_is_one_line(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES_TXT)
    args = ["session", "import", "fb-lain", str(cookies), "--config", str(config_file(tmp_path))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "no source named 'fb-lain'" in result.output


def test_crawl_command_passes_the_session_only_when_one_is_stored(tmp_path: Path) -> None:
    from crawler.config import load_config
    from crawler.crawl import CrawlRunner

    config = load_config(config_file(tmp_path), {})
    runner = CrawlRunner(config)
    assert not any("PANTAU_SESSION_FILE" in part for part in runner.command(config.sources[0]))
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES_TXT)
    sessions.import_session(config.data_dir, "fb-loker", cookies)
    expected = f"PANTAU_SESSION_FILE={sessions.session_path(config.data_dir, 'fb-loker')}"
    assert expected in runner.command(config.sources[0])


@pytest.mark.parametrize(
    ("spider", "args", "expected"),
    [
        ("facebook", {"group": "a"}, "https://www.facebook.com/login/"),
        ("x", {"profile": "a"}, "https://x.com/i/flow/login"),
        (
            "instagram",
            {"profile": "a", "base_url": "http://127.0.0.1:9"},
            "http://127.0.0.1:9/accounts/login/",
        ),
    ],
)
def test_login_page_of_each_platform(spider: str, args: dict[str, str], expected: str) -> None:
    from crawler.config import Source
    from pantau.commands.session import login_page

    assert login_page(Source(name="s", spider=spider, args=args)) == expected


def test_login_without_a_display_says_what_to_do(tmp_path: Path) -> None:
    args = ["login", "fb-loker", "--config", str(config_file(tmp_path))]
    result = CliRunner(env={"DISPLAY": None, "WAYLAND_DISPLAY": None}).invoke(main, args)
    assert result.exit_code == 2
    assert "no display for a visible browser; use `pantau session import`" in result.output
