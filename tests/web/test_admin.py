"""The system administrator's registers: server validation per field, and the audit."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine.errors import DomainError
from engine.model import AuditEvent
from engine.services.runtime import Runtime
from tests.web.conftest import Browser
from tests.web.conftest import text
from web.errors import HTTP_STATUS
from web.errors import status_of


def _all_subclasses(kind: type[DomainError]) -> list[type[DomainError]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_every_domain_error_subclass_has_an_http_status() -> None:
    for kind in _all_subclasses(DomainError):
        assert any(base in HTTP_STATUS for base in kind.__mro__), kind
        assert status_of(kind.__new__(kind)) in (403, 404, 409, 422)


def test_person_with_a_bad_number_is_refused_next_to_the_field(browser: Browser) -> None:
    browser.login("petra")
    browser.get("/admin/people/new")
    response = browser.post(
        "/admin/people/new",
        {"display_name": "", "identity_number": "19850315-1230", "password": "kort"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Ange ett namn." in page
    assert "Lösenordet måste ha minst 10 tecken." in page
    assert 'id="a-identity_number-error"' in page


def test_r5_loa3_right_needs_training_and_approval_dates(
    browser: Browser, runtime: Runtime
) -> None:
    browser.login("petra")
    created = browser.post(
        "/admin/people/new",
        {"display_name": "Nina Nilsson", "username": "nina", "password": "hemligt-lösen"},
    )
    assert created.status_code == 302
    person_url = created.headers["Location"]
    right_url = person_url + "/rights/new"
    browser.get(right_url)
    refused = browser.post(
        right_url,
        {"right": "reserve_loa3", "organisation": "region-demo", "valid_from": "2026-01-01"},
    )
    assert refused.status_code == 422
    assert "LoA3-behörighet kräver datum för utbildning (R5)." in text(refused)
    granted = browser.post(
        right_url,
        {
            "right": "reserve_loa3",
            "organisation": "region-demo",
            "station": "halmstad",
            "trained_on": "2026-01-02",
            "approved_on": "2026-01-03",
            "valid_from": "2026-01-01",
        },
    )
    assert granted.status_code == 302
    person_page = text(browser.get(person_url))
    assert "Reservkort LoA3" in person_page and ">reserve_loa3<" not in person_page
    with runtime.database.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "petra")
        ).all()
    assert {"person_created", "right_granted"} <= set(actions)
    nina = Browser(browser.client.application.test_client())
    assert nina.login("nina", "hemligt-lösen").status_code == 302


def test_station_hours_are_checked_and_saved(browser: Browser) -> None:
    browser.login("petra")
    browser.get("/admin/stations/new")
    refused = browser.post(
        "/admin/stations/new",
        {
            "name": "Kortstation Varberg",
            "code": "varberg",
            "organisation": "region-demo",
            "hours_0": "16:00-08:00",
        },
    )
    assert refused.status_code == 422
    assert "Skriv tiden som 08:00-16:00" in text(refused)
    saved = browser.post(
        "/admin/stations/new",
        {
            "name": "Kortstation Varberg",
            "code": "varberg",
            "organisation": "region-demo",
            "hours_2": "10:00-14:00",
        },
    )
    assert saved.status_code == 302
    page = text(browser.get("/admin"))
    assert re.search(r"Kortstation Varberg.*ons 10:00-14:00", page, re.S)
