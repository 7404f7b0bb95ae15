"""Issue 11 in Chromium: both LoA3 administrators' ID documents stay visible on the case and
card pages, and the validity reads as the typed day, at 1280 and 768 px."""

from __future__ import annotations

import struct

import pytest

from tests.e2e.browser_support import ARTIFACTS
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import open_page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.support.flows import local

pytestmark = pytest.mark.slow

if False:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

WIDTHS = (1280, 768)


def _png_width(name: str) -> int:
    """The width of a screenshot, from its PNG header."""
    header = (ARTIFACTS / f"{name}.png").read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width: int = struct.unpack(">I", header[16:20])[0]
    return width


def _passport_then_driving_licence(page: Page, server: Server) -> str:
    """anna checks a passport, bertil a driving licence; returns the case page's path."""
    login(page, server, "anna")
    page.goto(server.url + "/start/loa3")
    page.locator("main").get_by_label("Kortanvändare").fill("frida")
    page.locator("main").get_by_label("ID-handling").select_option("passport")
    page.locator("main form.form button[type=submit]").click()
    case_path = page.url.removeprefix(server.url)
    logout(page)

    server.clock.set(local("2026-11-24 10:00"))
    login(page, server, "bertil")
    page.goto(server.url + case_path)
    page.locator("main a[href^='/tasks/']").first.click()
    valid_until = page.locator("#f-valid_until")
    # The latest date the policy in force allows: 6 months (R9), shown and enforced.
    assert valid_until.get_attribute("type") == "date"
    assert valid_until.get_attribute("max") == "2027-05-24"
    assert "2027-05-24" in page.locator("#f-valid_until-help").inner_text()
    page.locator("main").get_by_label("ID-handling").select_option("driving_licence")
    page.locator("main").get_by_label("Kortnummer").fill("RK000001")
    valid_until.fill("2027-05-01")
    page.locator("main form.form button[type=submit]").click()
    assert page.locator(".state-completed").first.is_visible()
    logout(page)
    return case_path


@pytest.mark.parametrize("width", WIDTHS)
def test_r6_case_and_card_pages_keep_each_administrators_document(
    server: Server, width: int
) -> None:
    with open_page({"width": width, "height": 900}) as narrow:
        case_path = _passport_then_driving_licence(narrow, server)
        login(narrow, server, "maria")
        narrow.goto(server.url + case_path)
        history = narrow.locator("main table").last
        for admin, document in (("anna", "Pass"), ("bertil", "Körkort")):
            row = history.locator("tr", has_text=admin).filter(has_text=f"ID-handling: {document}")
            assert row.count() == 1, (admin, document)
            assert row.first.is_visible()
        assert narrow.get_by_text("2027-05-01 23:59").first.is_visible()
        assert narrow.get_by_text("2027-05-02").count() == 0
        shot(narrow, f"records-case-{width}")
        assert _png_width(f"records-case-{width}") == width

        narrow.goto(server.url + "/cards/RK000001")
        shown = [v.inner_text().strip() for v in narrow.locator("span.verification").all()]
        assert shown == ["anna: Pass", "bertil: Körkort"]
        assert narrow.locator("span.verification").last.is_visible()
        assert narrow.get_by_text("2027-05-01 23:59").first.is_visible()
        shot(narrow, f"records-card-{width}")
        assert _png_width(f"records-card-{width}") == width
