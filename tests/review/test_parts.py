"""The review desk's pure parts: password hashes, highlighting, links, charts, the graph,
the export's folder names, the secret key file."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler import store
from crawler.errors import AccountError
from review.accounts import add_account
from review.charts import bar_chart, column_chart, network_graph
from review.export import post_folder
from review.passwords import (
    PasswordError,
    check_new_password,
    hash_password,
    verify_password,
)
from review.text import Run, highlight, safe_link


def test_password_hash_verifies_and_is_salted() -> None:
    first, second = hash_password("kata-sandi-123"), hash_password("kata-sandi-123")
    assert first != second
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_password("kata-sandi-123", first)
    assert not verify_password("kata-sandi-124", first)


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y", "scrypt$1$2$3$!!$??", "a$b"])
def test_malformed_hash_never_verifies(stored: str) -> None:
    assert not verify_password("anything", stored)


@pytest.mark.parametrize("password", ["", "pendek", "x" * 9, "x" * 1025])
def test_weak_or_huge_new_password_is_refused(password: str) -> None:
    with pytest.raises(PasswordError):
        check_new_password(password)


HIGHLIGHT_CASES = [
    (
        "kerja di Kamboja",
        [{"code": "DEST", "start": 9, "end": 16}],
        [Run("kerja di "), Run("Kamboja", ("DEST",))],
    ),
    (
        "gaji 15jt",
        [{"code": "PAY", "start": 5, "end": 9}, {"code": "X", "start": 7, "end": 9}],
        [Run("gaji "), Run("15jt", ("PAY", "X"))],
    ),
    ("abc", [{"code": "OCR", "start": 5, "end": 9}], [Run("abc")]),
    ("abc", [{"code": "BAD", "start": "0", "end": 2}], [Run("abc")]),
    ("abc", [{"code": "BAD", "start": 2, "end": 1}], [Run("abc")]),
    ("", [], []),
]


@pytest.mark.parametrize(("text", "indicators", "runs"), HIGHLIGHT_CASES)
def test_highlight(text: str, indicators: list[dict], runs: list[Run]) -> None:
    assert highlight(text, indicators) == runs


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://t.me/loker/1", "https://t.me/loker/1"),
        ("http://example.org/a?b=c", "http://example.org/a?b=c"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("https://t.me/a b", None),
        ("https://t.me/a\nb", None),
        ("//evil.example/", None),
        ("https:///nohost", None),
        (None, None),
    ],
)
def test_safe_link(url: object, link: str | None) -> None:
    assert safe_link(url) == link


def test_bar_chart_scales_to_the_largest_value() -> None:
    chart = bar_chart([("KH", 10), ("MM", 5), ("SA", 0)], width=560, label_width=150)
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 560 - 150 - 50
    assert widths[1] == widths[0] / 2
    assert widths[2] == 1.0  # still visible
    assert chart.height == 3 * 24


def test_column_chart_of_nothing_has_no_height() -> None:
    chart = column_chart([("2026-11-01", 0), ("2026-11-02", 0)])
    assert all(bar.height == 0 for bar in chart.bars)


def test_network_graph_puts_the_entity_in_the_middle_and_joins_shared_posts() -> None:
    graph = network_graph(
        (1, "phone", "+855"),
        [(2, "telegram", "@a", 3), (3, "company", "PT X", 1)],
        [(1, 2, 3), (1, 3, 1), (2, 3, 1), (2, 99, 1)],
        size=400,
    )
    center = graph.nodes[0]
    assert (center.x, center.y, center.center) == (200, 200, True)
    assert len(graph.edges) == 3  # the link to an entity not drawn is left out
    assert all(0 <= n.x <= 400 and 0 <= n.y <= 400 for n in graph.nodes)
    assert graph.edges[0].width > graph.edges[1].width


@pytest.mark.parametrize(
    "key", ["telegram:chan/1", "../../etc/passwd", "a" * 500, "x:\x00<script>/..\\"]
)
def test_post_folder_is_one_plain_name(key: str) -> None:
    name = post_folder(key)
    # One path component of safe characters; never "." or ".." (it always ends in a hash).
    assert re.fullmatch(r"[A-Za-z0-9._-]+-[0-9a-f]{8}", name)
    assert len(name) <= 69
    assert name != post_folder(key + "x")


def test_secret_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    from review.app import SECRET_FILE, _secret_key

    first = _secret_key(tmp_path)
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert _secret_key(tmp_path) == first


@pytest.mark.parametrize(
    ("name", "password", "problem"),
    [
        ("rina jahat", "kata-sandi-panjang", "letters, digits"),
        ("", "kata-sandi-panjang", "letters, digits"),
        ("rina", "pendek", "at least 10"),
    ],
)
def test_add_account_refuses_bad_names_and_passwords(
    db: Database, name: str, password: str, problem: str
) -> None:
    with pytest.raises(AccountError, match=problem):
        add_account(db, name, "reviewer", password)


def test_add_account_stores_a_hash_that_verifies(db: Database) -> None:
    add_account(db, "rina", "reviewer", "kata-sandi-panjang")
    user = store.get_user(db, "rina")
    assert user["role"] == "reviewer"
    assert verify_password("kata-sandi-panjang", user["password_hash"])
