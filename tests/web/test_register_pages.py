"""The operator registers' pages for the roles that own them, and the R8 block on the
LoA3 case page after the first verification."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine.clock import FixedClock
from engine.model import AuditEvent
from engine.model import Case
from engine.model import ReserveCard
from engine.services.registers import rosters
from engine.services.runtime import Runtime
from tests.support.flows import Flows
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text


def test_r2_the_service_desk_receives_and_scraps_cards_on_the_stock_page(
    browser: Browser, runtime: Runtime
) -> None:
    browser.login("sara")
    assert browser.get("/registers/stock").status_code == 200
    received = browser.post(
        "/registers/stock",
        {
            "action": "receive",
            "first": "RK000051",
            "last": "RK000053",
            "organisation": "region-demo",
            "produced_on": "2026-01-15",
        },
        follow_redirects=True,
    )
    assert received.status_code == 200 and "3 kort mottagna." in text(received)
    scrapped = browser.post(
        "/registers/stock",
        {"action": "scrap", "number": "RK000053", "reason": "Trasigt"},
        follow_redirects=True,
    )
    assert "Kortet RK000053 är kasserat." in text(scrapped)
    with runtime.database.sessions() as session:
        assert session.get(ReserveCard, "RK000053").state == "scrapped"  # type: ignore[union-attr]
    refused = browser.post(
        "/registers/stock", {"action": "scrap", "number": "RK000053", "reason": "igen"}
    )
    assert refused.status_code == 409 and "R19" in text(refused)


@pytest.mark.parametrize(
    ("user", "page"),
    [
        ("anna", "/registers/stock"),
        ("cecilia", "/registers/employments"),
        ("sara", "/registers/closing-days"),
        ("sara", "/registers/rosters"),
        ("maria", "/registers/organisations"),
    ],
)
def test_a_register_page_is_closed_to_roles_that_do_not_own_it(
    browser: Browser, user: str, page: str
) -> None:
    browser.login(user)
    assert browser.get(page).status_code == 403


def test_r3_an_import_dry_run_on_the_page_lists_changes_and_changes_nothing(
    browser: Browser, runtime: Runtime
) -> None:
    browser.login("sara")
    browser.get("/registers/employments")
    csv = "19920229-4568,Gustav Grön,region-demo,2026-12-01,\n"
    response = browser.post(
        "/registers/employments",
        {"action": "import", "dry_run": "1", "file": (io.BytesIO(csv.encode()), "export.csv")},  # type: ignore[dict-item]
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "ny person och anställning" in text(response)
    with runtime.database.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "employments_imported" not in actions


def test_r19_an_import_with_an_end_date_says_it_starts_the_employment_end_case(
    browser: Browser, runtime: Runtime
) -> None:
    browser.login("sara")
    browser.get("/registers/employments")
    csv = "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,2026-12-31\n"

    def post(dry: str) -> TestResponse:
        return browser.post(
            "/registers/employments",
            {"action": "import", "dry_run": dry, "file": (io.BytesIO(csv.encode()), "e.csv")},  # type: ignore[dict-item]
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    dry = text(post("1"))
    assert "startar ett ärende" in dry
    done = text(post("0"))
    assert "1 ärenden om anställningens slut startade, flyttade eller avbrutna (R19)." in done
    with runtime.database.sessions() as session:
        assert session.scalars(select(Case.process_id)).all() == ["employment-end"]


def test_s6_petra_dates_an_organisation_setting_on_the_page(browser: Browser) -> None:
    browser.login("petra")
    browser.get("/registers/organisations?code=region-demo")
    saved = browser.post(
        "/registers/organisations",
        {"code": "region-demo", "value_allows_forgotten_card": "1", "effective_from": "2026-12-01"},
        follow_redirects=True,
    )
    assert "Inställningen är sparad." in text(saved)
    assert "2026-12-01: ja (petra)" in text(saved)


def test_r8_the_case_page_shows_where_the_second_verification_can_happen(
    browser: Browser, flows: Flows, clock: FixedClock
) -> None:
    flows.at("2026-11-23 10:00")
    rosters.add_shift(
        flows.runtime, clock, "maria", "bertil", "kungsbacka",
        local("2026-11-24 08:00"), local("2026-11-24 13:00"),
    )  # fmt: skip
    case = flows.at("2026-11-23 10:30").start_loa3("anna", holder="frida")
    browser.login("anna")
    page = text(browser.get(f"/cases/{case.id}"))
    assert "Var andra kontrollen kan göras (R8)" in page
    assert 'data-visit="kungsbacka bertil"' in page
    assert "Bertil Berg" in page
