"""The review desk's guard: login required everywhere, CSRF tokens, roles, throttling,
sessions that end, and hostile post content shown as text."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crawler import store
from review import create_app
from review.auth import ACCOUNT_LIMIT
from tests.support.review import PASSWORD, SECRET, Desk, build_desk, csrf, login

GET_ROUTES = (
    "/",
    "/queue",
    "/queue?tab=report",
    "/queue.csv",
    "/post/telegram:loker_demo/101",
    "/evidence/screenshot.png/telegram:loker_demo/101",
    "/evidence/page.html/telegram:loker_demo/101",
    "/network/1",
    "/dashboard",
    "/audit",
)
POST_ROUTES = (
    "/post/telegram:loker_demo/101/decide",
    "/post/telegram:loker_demo/101/verify",
    "/export",
    "/logout",
)


@pytest.mark.parametrize("path", GET_ROUTES)
def test_anonymous_get_is_sent_to_login_without_content(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert b"Phnom Penh" not in response.data
    assert b"loker_demo" not in response.data.replace(quote("loker_demo").encode(), b"")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_anonymous_post_with_a_valid_token_is_still_sent_to_login(
    client: FlaskClient, path: str
) -> None:
    token = csrf(client.get("/login").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "decision": "confirmed"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_and_static_files_answer_anonymous_visitors(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    with client.get("/static/app.css") as response:
        assert response.status_code == 200


def test_login_then_the_queue_shows_flagged_posts(client: FlaskClient) -> None:
    response = login(client, "rina")
    assert response.status_code == 302
    page = client.get("/queue").get_data(as_text=True)
    assert "telegram:loker_demo/101" in page


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": "rina", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/queue").status_code == 302


def test_decision_without_csrf_token_is_refused(client: FlaskClient, desk: Desk) -> None:
    login(client, "rina")
    response = client.post(f"/post/{desk.keys['101']}/decide", data={"decision": "false_positive"})
    assert response.status_code == 400
    with store.connect(desk.config.db_path) as db:
        assert store.post_reviews(db, desk.keys["101"]) == []


def test_token_of_another_session_is_refused(app: Flask, desk: Desk) -> None:
    other = app.test_client()
    stolen = csrf(other.get("/login").get_data(as_text=True))
    client = app.test_client()
    login(client, "rina")
    response = client.post(
        f"/post/{desk.keys['101']}/decide",
        data={"decision": "false_positive", "csrf_token": stolen},
    )
    assert response.status_code == 400


def test_login_starts_a_new_csrf_token(client: FlaskClient) -> None:
    before = csrf(client.get("/login").get_data(as_text=True))
    login(client, "rina")
    after = csrf(client.get("/queue").get_data(as_text=True))
    assert before != after


def test_viewer_cannot_decide(client: FlaskClient, desk: Desk) -> None:
    login(client, "budi")
    page = client.get(f"/post/{desk.keys['101']}").get_data(as_text=True)
    assert 'id="decide"' not in page
    response = client.post(
        f"/post/{desk.keys['101']}/decide",
        data={"decision": "confirmed", "csrf_token": csrf(page)},
    )
    assert response.status_code == 403
    with store.connect(desk.config.db_path) as db:
        assert store.post_reviews(db, desk.keys["101"]) == []


@pytest.mark.parametrize(("name", "status"), [("budi", 403), ("rina", 403), ("admin", 200)])
def test_only_admins_read_the_audit_log(client: FlaskClient, name: str, status: int) -> None:
    login(client, name)
    assert client.get("/audit").status_code == status


def test_wrong_password_is_refused_and_audited(client: FlaskClient, desk: Desk) -> None:
    response = login(client, "rina", "salah-sekali-123")
    assert response.status_code == 401
    assert client.get("/queue").status_code == 302
    with store.connect(desk.config.db_path) as db:
        assert store.audit_log(db)[0]["action"] == "login_failed"


def test_account_is_throttled_after_repeated_failures(client: FlaskClient) -> None:
    for _ in range(ACCOUNT_LIMIT):
        assert login(client, "rina", "salah-sekali-123").status_code == 401
    # Even the right password is refused while the account is throttled.
    assert login(client, "rina").status_code == 429
    assert client.get("/queue").status_code == 302


def test_throttling_one_account_leaves_others_alone(client: FlaskClient) -> None:
    for _ in range(ACCOUNT_LIMIT):
        login(client, "rina", "salah-sekali-123")
    assert login(client, "budi").status_code == 302


def test_address_is_throttled_across_accounts(client: FlaskClient) -> None:
    from review.auth import ADDRESS_LIMIT

    for number in range(ADDRESS_LIMIT):
        login(client, f"tebakan{number}", "salah-sekali-123")
    assert login(client, "budi").status_code == 429


def test_disabled_account_loses_its_session_at_once(client: FlaskClient, desk: Desk) -> None:
    login(client, "rina")
    assert client.get("/queue").status_code == 200
    with store.connect(desk.config.db_path) as db:
        store.set_user_disabled(db, "rina")
    assert client.get("/queue").status_code == 302
    assert login(client, "rina").status_code == 401


def test_password_change_ends_open_sessions(client: FlaskClient, desk: Desk) -> None:
    from review.passwords import hash_password

    login(client, "rina")
    with store.connect(desk.config.db_path) as db:
        store.set_password(db, "rina", hash_password("kata-sandi-baru-456"))
    assert client.get("/queue").status_code == 302


def test_a_copied_session_cookie_is_refused_after_logout(app: Flask) -> None:
    client = app.test_client()
    login(client, "rina")
    cookie = client.get_cookie("pantau_session").value
    token = csrf(client.get("/queue").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("pantau_session", cookie)
    assert thief.get("/queue").status_code == 302


def test_idle_session_ends(client: FlaskClient) -> None:
    login(client, "rina")
    with client.session_transaction() as session:
        session["seen"] = session["seen"] - 31 * 60
    assert client.get("/queue").status_code == 302


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    response = login(client, "rina")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_the_desk_is_served_over_https(tmp_path) -> None:
    desk = build_desk(tmp_path, base_url="https://pantau.example.go.id")
    client = create_app(desk.config, secret_key=SECRET).test_client()
    assert "Secure" in login(client, "rina").headers["Set-Cookie"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    token = csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"name": "rina", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_pages_carry_a_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hostile_post_is_shown_as_text(client: FlaskClient, desk: Desk) -> None:
    login(client, "rina")
    page = client.get(f"/post/{desk.keys['hostile']}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;calo&lt;/b&gt;" in page
    assert "javascript:alert(3)" in page  # the post's URL, shown as text, not as a link


def test_hostile_post_in_the_queue_is_shown_as_text(client: FlaskClient) -> None:
    login(client, "rina")
    page = client.get("/queue").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_captured_page_html_is_only_downloaded(client: FlaskClient, desk: Desk) -> None:
    login(client, "budi")
    with client.get(f"/evidence/page.html/{desk.keys['101']}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["..", "../../pantau.db", "manifest.json/..", "nosuch.png"])
def test_evidence_outside_the_bundle_is_not_served(
    client: FlaskClient, desk: Desk, name: str
) -> None:
    login(client, "budi")
    response = client.get(f"/evidence/{quote(name, safe='')}/{desk.keys['101']}")
    assert response.status_code == 404


def test_evidence_folder_outside_the_evidence_dir_is_not_served(
    client: FlaskClient, desk: Desk, tmp_path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "screenshot.png").write_bytes(b"not evidence")
    with store.connect(desk.config.db_path) as db:
        store.save_evidence(
            db, desk.keys["102"], path=str(outside), manifest_sha256="x", error=None
        )
    login(client, "budi")
    assert client.get(f"/evidence/screenshot.png/{desk.keys['102']}").status_code == 404
