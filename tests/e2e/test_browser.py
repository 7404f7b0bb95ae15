"""Both flows in a real browser (Debian's Chromium via Playwright) against a real server.

The server runs in a thread on a free port, on a fresh copy of the demo database, with a
settable clock so that the LoA2 steps happen outside office hours (R12) and the renewal
comes days later. Screenshots go to test-artifacts/. Without Chromium the tests skip,
unless SITHSFLOW_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.support.flows import local

pytestmark = pytest.mark.slow

if False:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page


def test_r6_loa3_by_anna_and_bertil_with_anna_refused_as_second_admin(
    page: Page, server: Server
) -> None:
    login(page, server, "anna")
    page.get_by_role("link", name="Nytt reservkort LoA3").click()
    shot(page, "loa3-01-start-form")
    page.locator("main").get_by_label("Kortanvändare").fill("frida")
    page.locator("main").get_by_label("ID-handling").select_option("passport")
    page.get_by_role("button", name="Starta ärendet").click()
    assert page.locator(".notice.success").is_visible()
    assert page.get_by_text("en annan ID-administratör måste göra den här (R6)").is_visible()
    shot(page, "loa3-02-case-after-first-verification")
    page.get_by_role("link", name="Uppgifter").click()
    assert page.get_by_text("Andra identitetskontrollen").count() == 0
    logout(page)

    server.clock.set(local("2026-11-24 10:00"))
    login(page, server, "bertil")
    assert page.get_by_text("4 d 0 h kvar av 5 dagar").first.is_visible()
    shot(page, "loa3-03-bertil-queue")
    task_link = page.get_by_role(
        "link", name="Andra identitetskontrollen och utfärdande, reservkort LoA3"
    )
    task_url = task_link.first.get_attribute("href")
    assert task_url is not None
    logout(page)

    login(page, server, "anna")
    response = page.goto(server.url + task_url)
    assert response is not None and response.status == 403
    assert page.get_by_text("(R6)").first.is_visible()
    shot(page, "loa3-04-anna-refused-r6")
    logout(page)

    login(page, server, "bertil")
    page.goto(server.url + task_url)
    page.locator("main").get_by_label("ID-handling").select_option("national_id_card")
    page.locator("main").get_by_label("Kortnummer").fill("RK000001")
    page.locator("main").get_by_label("Giltigt till").fill("2027-05-24")
    shot(page, "loa3-05-second-verification-form")
    page.get_by_role("button", name="Slutför uppgiften").click()
    assert page.locator(".state-completed").first.is_visible()
    shot(page, "loa3-06-case-completed")
    page.get_by_role("link", name="RK000001").first.click()
    assert page.get_by_text("LoA3").first.is_visible()
    shot(page, "loa3-07-card")


def test_r15_loa2_order_issue_renewal_request_and_renewal_in_english(
    page: Page, server: Server
) -> None:
    server.clock.set(local("2026-11-23 15:01"))
    page.goto(server.url + "/login")
    page.get_by_role("button", name="English").click()
    login(page, server, "david")
    page.get_by_role("link", name="Order LoA2").click()
    assert page.get_by_text("Now is outside office hours.").is_visible()
    page.locator("main").get_by_label("Card user").fill("erik")
    page.locator("main").get_by_label("Reason").fill("Forgot card, night shift")
    shot(page, "loa2-01-order-form")
    page.get_by_role("button", name="Send order").click()
    assert page.locator(".notice.success").is_visible()
    logout(page)

    login(page, server, "sara")
    shot(page, "loa2-02-service-desk-queue")
    page.get_by_role("button", name="Claim").first.click()
    assert page.get_by_text("Now is outside office hours.").is_visible()
    page.locator("main").get_by_label("Card number").fill("RK000002")
    page.locator("main").get_by_label("Valid until").fill("2026-12-07")
    shot(page, "loa2-03-issue-form")
    page.get_by_role("button", name="Complete task").click()
    assert page.locator(".notice.success").is_visible()
    shot(page, "loa2-04-case-with-diagram")
    page.get_by_role("link", name="RK000002").first.click()
    assert page.get_by_text("Not valid for NLL, Pascal, NPÖ", exact=True).is_visible()
    shot(page, "loa2-05-card-r14")
    logout(page)

    server.clock.set(local("2026-12-04 16:00"))
    login(page, server, "david")
    page.get_by_role("link", name="Request renewal of LoA2 certificate").first.click()
    page.locator("main").get_by_label("Comment").fill("Still on nights")
    page.get_by_role("button", name="Complete task").click()
    logout(page)

    login(page, server, "sara")
    page.get_by_role("link", name="Renew LoA2 certificate").first.click()
    page.locator("main").get_by_label("Valid until").fill("2026-12-18")
    page.get_by_role("button", name="Complete task").click()
    assert page.get_by_text("cycle 2").is_visible()
    shot(page, "loa2-06-renewed")
