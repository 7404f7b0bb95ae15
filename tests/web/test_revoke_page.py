"""R19 on the card page: the service desk sees a revoke form; others do not and are refused."""

from __future__ import annotations

from engine.clock import FixedClock
from engine.services import cases
from engine.services import queries
from engine.services.runtime import Runtime
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text


def _issue_loa2(runtime: Runtime, clock: FixedClock) -> None:
    clock.set(local("2026-11-23 15:01"))
    started = cases.start_case(
        runtime, clock, "loa2-remote-order", "david", {"holder": "erik", "reason": "Glömt kort"}
    )
    shown = queries.show_case(runtime, started.id)
    task = next(t["id"] for t in shown["tasks"] if t["name"] == "issue_loa2")
    cases.complete_task(
        runtime, clock, task, "sara", {"card_number": "RK000001", "valid_until": "2026-12-07"}
    )


def test_r19_sara_revokes_a_lost_card_on_its_page_at_22_via_the_support_line(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    _issue_loa2(runtime, clock)
    clock.set(local("2026-11-24 22:00"))
    browser.login("sara")
    page = text(browser.get("/cards/RK000001"))
    assert "Spärra kortet" in page
    done = browser.post(
        "/cards/RK000001/revoke", {"reason": "lost", "via": "national-support-line"}
    )
    assert done.status_code == 302
    after = text(browser.get("/cards/RK000001"))
    assert "Kort RK000001 är spärrat." in after
    assert "Spärra kortet" not in after
    assert "Kort spärrat" in after
    assert queries.show_card(runtime, "RK000001")["state"] == "revoked"


def test_r19_the_revoke_form_is_the_service_desks_alone(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    _issue_loa2(runtime, clock)
    browser.login("olof")
    assert "Spärra kortet" not in text(browser.get("/cards/RK000001"))
    assert browser.post("/cards/RK000001/revoke", {"reason": "lost"}).status_code == 403
    assert queries.show_card(runtime, "RK000001")["state"] == "issued"
