"""The case report as PDF, printed by the system Chromium from the report's HTML.

The HTML holds only text (its Content-Security-Policy forbids loading anything), so the
browser renders it with scripts off and no network. Chromium is launched for one export
and closed on every path; when it cannot start, the export goes out without the PDF
(the HTML report has the same content) and the reason is logged.
"""

from __future__ import annotations

import logging

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from crawler.chromium import sandbox_options
from crawler.config import BrowserConfig

log = logging.getLogger(__name__)

LAUNCH_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def html_to_pdf(html: str, browser: BrowserConfig) -> bytes | None:
    """``html`` printed to A4 PDF, or None when Chromium cannot do it."""
    timeout = browser.timeout_seconds * 1000
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser.executable_path,
                timeout=timeout,
                **sandbox_options(LAUNCH_ARGS, sandbox=browser.sandbox),
            )
            try:
                context = chromium.new_context(java_script_enabled=False, offline=True)
                page = context.new_page()
                page.set_content(html, timeout=timeout)
                return page.pdf(format="A4", print_background=True)
            finally:
                chromium.close()
    except PlaywrightError as exc:
        log.warning("case report PDF not made: %s", str(exc).splitlines()[0])
        return None
