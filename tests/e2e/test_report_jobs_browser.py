"""The Reports page in Chromium (issue 11): the form shows only the chosen report's fields,
a report runs as a job whose page shows a progress bar, and the PDF downloads when ready.
Strict CSP: the behaviour comes from web/static/reports.js, no inline script."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot

pytestmark = pytest.mark.slow

if False:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page


def test_maria_sees_only_the_fields_of_her_report_and_downloads_it_from_the_job_page(
    page: Page, server: Server
) -> None:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    login(page, server, "maria")
    page.goto(server.url + "/reports")
    subject = page.locator("fieldset[data-reports='audit']")
    days = page.locator("fieldset[data-reports='expiring']")
    assert subject.is_hidden() and days.is_hidden()  # issuance takes a period only
    page.locator("#r-report").select_option("audit")
    assert subject.is_visible() and days.is_hidden()
    page.locator("#r-report").select_option("expiring")
    assert days.is_visible() and subject.is_hidden()
    page.locator("#r-report").select_option("issuance")
    page.locator("#r-first").fill("2025-01-01")
    page.locator("#r-last").fill("2026-11-23")
    shot(page, "reports-01-form")
    page.get_by_role("button", name="Skapa PDF").click()
    assert "/reports/jobs/" in page.url
    progress = page.locator("#report-job-progress")
    assert progress.is_visible()
    # The script polls the status and reloads the page when the job is done.
    link = page.locator("#report-job-download a")
    link.wait_for(state="visible", timeout=60_000)
    assert progress.get_attribute("value") == "100"
    assert page.locator("#report-job-state").inner_text() == "Klar"
    shot(page, "reports-02-job-done")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "sithsflow-issuance-2025-01-01-2026-11-23.pdf"
    path = download.path()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Register över utfärdade reservkort" in text
    assert not [e for e in errors if "Content Security Policy" in e], errors
