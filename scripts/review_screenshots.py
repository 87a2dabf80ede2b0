"""Screenshots of the review desk's main pages for docs/review/, so a reader sees the app
before installing it.

It builds a sample store (the review tests' own Indonesian sample posts, hostile ones
included), serves the desk on 127.0.0.1 with waitress and photographs the pages with the
system Chromium. Nothing leaves the machine.

    .venv/bin/python scripts/review_screenshots.py [--out docs/review]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from crawler import store  # noqa: E402
from crawler.config import find_browser  # noqa: E402
from review import serve  # noqa: E402
from tests.support.review import PASSWORD, PHONE, SECRET, build_desk  # noqa: E402

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 860}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "review")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        desk = build_desk(Path(tmp))
        with store.connect(desk.config.db_path) as db:
            entities = store.post_entities(db, desk.keys["101"])
        phone = next(e for e in entities if e["value"] == PHONE)
        server = serve(desk.config, "127.0.0.1", 0, secret_key=SECRET)
        try:
            shots = {
                "login.png": "/login",
                "queue.png": "/queue",
                "post.png": f"/post/{desk.keys['101']}",
                "hostile-post.png": f"/post/{desk.keys['hostile']}",
                "network.png": f"/network/{phone['id']}",
                "dashboard.png": "/dashboard",
            }
            photograph(server.url, shots, args.out)
        finally:
            server.stop()


def photograph(base_url: str, shots: dict[str, str], out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_browser(), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
            page = context.new_page()
            page.goto("/login")
            page.screenshot(path=str(out / "login.png"))
            log_in(page)
            for name, path in shots.items():
                if name != "login.png":
                    page.goto(path)
                    page.screenshot(path=str(out / name), full_page=name != "queue.png")
                    print(out / name)
        finally:
            browser.close()


def log_in(page: Page) -> None:
    page.fill("input[name=name]", "rina")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")


if __name__ == "__main__":
    main()
