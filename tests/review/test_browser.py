"""The review desk in the system Chromium, served by waitress on 127.0.0.1: what a
reviewer and an investigator do with mouse and keyboard."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from crawler import store
from crawler.config import find_browser
from review import ReviewServer, serve
from tests.support.review import PASSWORD, PHONE, SECRET, Desk, build_desk

pytestmark = pytest.mark.browser
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_browser(), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return build_desk(tmp_path)


@pytest.fixture
def server(desk: Desk) -> Iterator[ReviewServer]:
    running = serve(desk.config, "127.0.0.1", 0, secret_key=SECRET)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser, server: ReviewServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()


def log_in(page: Page, name: str = "rina") -> None:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/queue$"))


def test_anonymous_visitor_only_sees_the_login_form(page: Page, desk: Desk) -> None:
    page.goto(f"/post/{desk.keys['101']}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert "Phnom Penh" not in page.content()


def test_reviewer_confirms_a_post_with_the_keyboard(page: Page, desk: Desk) -> None:
    log_in(page)
    page.keyboard.press("j")
    expect(page.locator("tr.row.selected")).to_have_count(1)
    first = page.locator("tr.row.selected a.open").inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(first)
    page.keyboard.press("c")
    expect(page.locator(".flash")).to_contain_text("Dikonfirmasi")
    expect(page.locator("h1")).not_to_have_text(first)  # on to the next post
    with store.connect(desk.config.db_path) as db:
        assert [r["decision"] for r in store.post_reviews(db, first)] == ["confirmed"]


def test_keys_typed_into_the_note_do_not_decide(page: Page, desk: Desk) -> None:
    log_in(page)
    page.goto(f"/post/{desk.keys['103']}")
    page.fill("textarea[name=note]", "")
    page.type("textarea[name=note]", "cuf jk")
    page.locator("textarea[name=note]").press("Tab")
    with store.connect(desk.config.db_path) as db:
        assert store.post_reviews(db, desk.keys["103"]) == []
    page.locator("textarea[name=note]").blur()
    page.keyboard.press("u")
    expect(page.locator(".flash")).to_be_visible()
    with store.connect(desk.config.db_path) as db:
        review = store.post_reviews(db, desk.keys["103"])[0]
    assert (review["decision"], review["note"]) == ("needs_follow_up", "cuf jk")


def test_false_positive_takes_its_repost_cluster_out_of_the_queue(page: Page, desk: Desk) -> None:
    log_in(page)
    queue = page.locator("a.open")
    expect(queue.filter(has_text=desk.keys["102"])).to_have_count(1)
    page.goto(f"/post/{desk.keys['101']}")
    page.keyboard.press("f")
    expect(page.locator(".flash")).to_contain_text("Positif palsu")
    page.goto("/queue")
    expect(queue.filter(has_text=desk.keys["101"])).to_have_count(0)
    expect(queue.filter(has_text=desk.keys["102"])).to_have_count(0)
    expect(queue.filter(has_text=desk.keys["103"])).to_have_count(1)


def test_investigator_follows_a_phone_number(page: Page, desk: Desk) -> None:
    log_in(page, "budi")
    page.goto(f"/post/{desk.keys['101']}")
    page.click(f"ul.entities a:text-is('{PHONE}')")
    expect(page.locator("#entity-value")).to_have_text(PHONE)
    expect(page.locator("svg.graph circle")).not_to_have_count(0)
    page.click(f"a:text-is('{desk.keys['103']}')")
    expect(page.locator("h1")).to_have_text(desk.keys["103"])


def test_case_export_downloads_a_zip_whose_hashes_verify(
    page: Page, desk: Desk, tmp_path: Path
) -> None:
    log_in(page)
    page.check(f"input[name=key][value='{desk.keys['101']}']")
    page.check(f"input[name=key][value='{desk.keys['103']}']")
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "case.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        root = archive.namelist()[0].split("/")[0]
        sums = archive.read(f"{root}/SHA256SUMS").decode().splitlines()
        assert any(line.endswith("/evidence/screenshot.png") for line in sums)
        assert archive.read(f"{root}/report.pdf").startswith(b"%PDF-")
        for line in sums:
            digest, path = line.split("  ", 1)
            assert hashlib.sha256(archive.read(f"{root}/{path}")).hexdigest() == digest


def test_hostile_post_is_text_and_runs_no_script(page: Page, desk: Desk) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page)
    page.goto(f"/post/{desk.keys['hostile']}")
    text = page.locator("#post-text").inner_text()
    assert "<script>alert('xss')</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert page.locator("#post-text img, #post-text script, #post-text a").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.goto("/queue")
    assert dialogs == []


def test_viewer_sees_no_decision_buttons_and_keys_do_nothing(page: Page, desk: Desk) -> None:
    log_in(page, "budi")
    page.goto(f"/post/{desk.keys['103']}")
    expect(page.locator("#decide")).to_have_count(0)
    page.keyboard.press("c")
    expect(page.locator("h1")).to_have_text(desk.keys["103"])
    with store.connect(desk.config.db_path) as db:
        assert store.post_reviews(db, desk.keys["103"]) == []


def test_verify_button_confirms_the_evidence(page: Page, desk: Desk) -> None:
    log_in(page)
    page.goto(f"/post/{desk.keys['101']}")
    expect(page.locator("img.screenshot")).to_be_visible()
    page.click("#verify")
    expect(page.locator("#verify-ok")).to_be_visible()
