"""The review desk's pages over a store of real rows: queue, post, decisions, network,
dashboard, exports, languages."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile

import pytest
from flask.testing import FlaskClient

from crawler import store
from tests.support.review import PHONE, Desk, csrf, login


@pytest.fixture
def reviewer(client: FlaskClient) -> FlaskClient:
    login(client, "rina")
    return client


def page(client: FlaskClient, path: str, **query: str) -> str:
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def keys_in(html: str) -> list[str]:
    return re.findall(r'class="open" href="/post/([^"]+)"', html)


def test_queue_lists_flagged_posts_highest_score_first(reviewer: FlaskClient, desk: Desk) -> None:
    keys = keys_in(page(reviewer, "/queue"))
    with store.connect(desk.config.db_path) as db:
        scores = [store.get_verdict(db, key)["score"] for key in keys]
    assert scores == sorted(scores, reverse=True)
    assert desk.keys["105"] not in keys  # not suspicious
    assert desk.keys["report"] not in keys


def test_reports_tab_lists_report_posts_only(reviewer: FlaskClient, desk: Desk) -> None:
    assert keys_in(page(reviewer, "/queue", tab="report")) == [desk.keys["report"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "Myawaddy"}, ["103"]),
        ({"search": "umroh"}, ["104"]),
        ({"destination": "MM"}, ["103"]),
        ({"indicator": "DOMESTIC"}, ["104"]),
        ({"search": "tidakadakatainiDimanapun"}, []),
        ({"search": '"unbalanced AND ('}, []),
    ],
)
def test_queue_filters_and_search(
    reviewer: FlaskClient, desk: Desk, query: dict[str, str], expected: list[str]
) -> None:
    assert keys_in(page(reviewer, "/queue", **query)) == [desk.keys[k] for k in expected]


def test_date_range_keeps_posts_of_those_days(reviewer: FlaskClient, desk: Desk) -> None:
    keys = keys_in(page(reviewer, "/queue", date_from="2026-11-20", date_to="2026-11-20"))
    assert desk.keys["101"] in keys
    assert keys_in(page(reviewer, "/queue", date_to="2026-11-19")) == []


def test_search_follows_edited_posts(reviewer: FlaskClient, desk: Desk) -> None:
    with store.connect(desk.config.db_path) as db:
        post = store.get_post(db, desk.keys["103"])
        store.upsert_post(db, {**post, "text": post["text"].replace("Myawaddy", "Mae Sot")})
    assert keys_in(page(reviewer, "/queue", search="Myawaddy")) == []
    assert keys_in(page(reviewer, "/queue", search="Mae Sot")) == [desk.keys["103"]]


def test_post_page_marks_the_words_that_fired(reviewer: FlaskClient, desk: Desk) -> None:
    html = page(reviewer, f"/post/{desk.keys['101']}")
    marks = re.findall(r'<mark title="([^"]+)">([^<]+)</mark>', html)
    # overlapping indicators share one mark whose title names each of them
    assert any("DEST" in codes.split(", ") and "Phnom Penh" in text for codes, text in marks)
    assert any(text == "+855 12 345 678" for _, text in marks)


def test_post_page_shows_evidence_reposts_and_entities(reviewer: FlaskClient, desk: Desk) -> None:
    html = page(reviewer, f"/post/{desk.keys['101']}")
    assert "screenshot.png" in html
    assert hashlib.sha256((desk.bundle / "page.txt").read_bytes()).hexdigest() in html
    assert f'href="/post/{desk.keys["102"]}"' in html  # its repost
    assert re.search(r'<a href="/network/\d+">\+85512345678</a>', html)


def test_verify_button_reports_an_intact_then_a_changed_bundle(
    reviewer: FlaskClient, desk: Desk
) -> None:
    key = desk.keys["101"]
    token = csrf(page(reviewer, f"/post/{key}"))
    reviewer.post(f"/post/{key}/verify", data={"csrf_token": token})
    assert 'id="verify-ok"' in page(reviewer, f"/post/{key}")
    (desk.bundle / "page.txt").write_bytes(b"changed afterwards")
    reviewer.post(f"/post/{key}/verify", data={"csrf_token": token})
    html = page(reviewer, f"/post/{key}")
    assert "page.txt: SHA-256 mismatch" in html


def test_screenshot_is_served_as_a_png(reviewer: FlaskClient, desk: Desk) -> None:
    with reviewer.get(f"/evidence/screenshot.png/{desk.keys['101']}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.data == (desk.bundle / "screenshot.png").read_bytes()


def decide(client: FlaskClient, key: str, decision: str, note: str = "") -> object:
    token = csrf(page(client, f"/post/{key}"))
    return client.post(
        f"/post/{key}/decide", data={"decision": decision, "note": note, "csrf_token": token}
    )


@pytest.mark.parametrize("decision", ["confirmed", "false_positive", "needs_follow_up"])
def test_decision_is_stored_with_its_note_and_audited(
    reviewer: FlaskClient, desk: Desk, decision: str
) -> None:
    response = decide(reviewer, desk.keys["103"], decision, "akun calo <b>")
    assert response.status_code == 302
    with store.connect(desk.config.db_path) as db:
        review = store.post_reviews(db, desk.keys["103"])[0]
        entry = store.audit_log(db)[0]
    assert (review["decision"], review["note"], review["reviewer"]) == (
        decision,
        "akun calo <b>",
        "rina",
    )
    assert (entry["action"], entry["target"], entry["user"]) == (
        "decision",
        desk.keys["103"],
        "rina",
    )


def test_decision_moves_on_to_the_next_post(reviewer: FlaskClient, desk: Desk) -> None:
    first = keys_in(page(reviewer, "/queue"))
    response = decide(reviewer, first[0], "confirmed")
    assert response.headers["Location"] == f"/post/{first[1]}"
    assert first[0] not in keys_in(page(reviewer, "/queue"))
    assert first[0] in keys_in(page(reviewer, "/queue", status="confirmed"))


def test_false_positive_suppresses_its_repost_cluster(reviewer: FlaskClient, desk: Desk) -> None:
    decide(reviewer, desk.keys["101"], "false_positive")
    keys = keys_in(page(reviewer, "/queue"))
    assert desk.keys["101"] not in keys
    assert desk.keys["102"] not in keys  # same cluster, never reviewed
    assert desk.keys["103"] in keys
    suppressed = keys_in(page(reviewer, "/queue", status="false_positive"))
    assert {desk.keys["101"], desk.keys["102"]} <= set(suppressed)
    with store.connect(desk.config.db_path) as db:
        assert store.is_false_positive(db, desk.keys["102"])
        assert store.post_reviews(db, desk.keys["102"]) == []


def test_needs_follow_up_stays_in_the_queue_and_out_of_training(
    reviewer: FlaskClient, desk: Desk
) -> None:
    decide(reviewer, desk.keys["104"], "needs_follow_up")
    decide(reviewer, desk.keys["103"], "false_positive")
    assert desk.keys["104"] in keys_in(page(reviewer, "/queue"))
    with store.connect(desk.config.db_path) as db:
        trained = {row["key"]: row["decision"] for row in store.reviewed_posts(db)}
    assert trained == {desk.keys["103"]: "false_positive"}


def test_unknown_decision_is_refused(reviewer: FlaskClient, desk: Desk) -> None:
    assert decide(reviewer, desk.keys["103"], "whatever").status_code == 400


def test_network_view_follows_a_phone_number(reviewer: FlaskClient, desk: Desk) -> None:
    with store.connect(desk.config.db_path) as db:
        phone = next(e for e in store.post_entities(db, desk.keys["101"]) if e["value"] == PHONE)
    html = page(reviewer, f"/network/{phone['id']}")
    for post in ("101", "102", "103", "report"):
        assert f'href="/post/{desk.keys[post]}"' in html
    assert "<svg" in html and "<circle" in html
    assert "@rekrut_mm" in html  # co-occurs with the number in post 103


def test_unknown_entity_is_404(reviewer: FlaskClient) -> None:
    assert reviewer.get("/network/99999").status_code == 404


def test_dashboard_draws_its_charts(reviewer: FlaskClient) -> None:
    html = page(reviewer, "/dashboard")
    assert html.count("<svg") == 4
    assert "loker-demo" in html  # source health
    assert PHONE in html  # top contact numbers


def test_queue_csv_has_every_matching_row_and_no_formulas(
    reviewer: FlaskClient, desk: Desk
) -> None:
    with store.connect(desk.config.db_path) as db:
        store.upsert_post(db, {**store.get_post(db, desk.keys["104"]), "author": "=HYPERLINK(1)"})
    response = reviewer.get("/queue.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 5
    assert {row["author"] for row in rows} >= {"'=HYPERLINK(1)"}
    with store.connect(desk.config.db_path) as db:
        assert store.audit_log(db)[0]["action"] == "export_csv"


def test_viewer_cannot_export(client: FlaskClient, desk: Desk) -> None:
    login(client, "budi")
    token = csrf(page(client, "/queue"))
    assert (
        client.post("/export", data={"key": desk.keys["101"], "csrf_token": token}).status_code
        == 403
    )
    assert client.get("/queue.csv").status_code == 403


@pytest.mark.browser
def test_case_export_zip_hashes_verify(reviewer: FlaskClient, desk: Desk) -> None:
    token = csrf(page(reviewer, "/queue"))
    with reviewer.post(
        "/export", data={"key": [desk.keys["101"], desk.keys["hostile"]], "csrf_token": token}
    ) as response:
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    root = names[0].split("/")[0]
    sums = archive.read(f"{root}/SHA256SUMS").decode().splitlines()
    assert len(sums) == 6  # two post.json, four evidence files of post 101
    for line in sums:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(archive.read(f"{root}/{path}")).hexdigest() == digest
    report = archive.read(f"{root}/report.html").decode()
    assert all(line.split("  ")[0] in report for line in sums)
    assert "<script>alert" not in report
    assert archive.read(f"{root}/report.pdf").startswith(b"%PDF-")
    with store.connect(desk.config.db_path) as db:
        assert store.audit_log(db)[0]["action"] == "export_case"


def test_english_can_be_chosen(reviewer: FlaskClient) -> None:
    assert "Antrean" in page(reviewer, "/queue")
    token = csrf(page(reviewer, "/queue"))
    reviewer.post("/language", data={"lang": "en", "next": "/queue", "csrf_token": token})
    html = page(reviewer, "/queue")
    assert "Queue" in html and '<html lang="en">' in html


def test_string_tables_have_the_same_keys() -> None:
    from review import i18n

    def keys(table: dict, prefix: str = "") -> set[str]:
        found = set()
        for key, value in table.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    assert keys(i18n.strings("id")) == keys(i18n.strings("en"))


def test_every_word_the_templates_use_is_in_the_string_tables() -> None:
    from review import i18n
    from review.i18n import FOLDER

    used = set()
    for template in FOLDER.glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)", template.read_text(encoding="utf-8")))
    for language in i18n.LANGUAGES:
        table = i18n.strings(language)
        assert used - set(table) == set(), language
        assert not used & set(dir(dict)), "a key that a dict method would shadow in Jinja"


def test_case_export_without_a_browser_still_has_the_html_report(tmp_path) -> None:
    from review import create_app
    from tests.support.review import SECRET, build_desk

    desk = build_desk(tmp_path, browser=str(tmp_path / "no-chromium-here"))
    client = create_app(desk.config, secret_key=SECRET).test_client()
    login(client, "rina")
    token = csrf(page(client, "/queue"))
    with client.post("/export", data={"key": desk.keys["101"], "csrf_token": token}) as response:
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"report.html", "SHA256SUMS"} <= names
    assert "report.pdf" not in names
