"""The system administrator's registers: server validation per field, and the audit."""

from __future__ import annotations

import importlib
import pkgutil
import re

from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.forms import FormInvalid
from engine.model import AuditEvent
from engine.problems import ModelRejected
from engine.services.runtime import Runtime
from tests.web.conftest import Browser
from tests.web.conftest import text
from web.errors import HTTP_STATUS
from web.errors import status_of

# The status each branch of engine/errors.py's tree answers with, written out here so that
# the test does not lean on status_of's own fallback.
EXPECTED_STATUS = {NotPermitted: 403, NotFound: 404, Conflict: 409, Invalid: 422}


def _all_subclasses(kind: type[DomainError]) -> list[type[DomainError]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _import_every_module(package: str) -> None:
    """Import each module under `package`, so that every DomainError subclass is known."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)


def test_every_domain_error_subclass_has_an_http_status() -> None:
    for package in ("engine", "web", "reports"):
        _import_every_module(package)
    kinds = _all_subclasses(DomainError)
    assert FormInvalid in kinds and ModelRejected in kinds  # found outside engine/errors.py
    for kind in kinds:
        branches = [base for base in EXPECTED_STATUS if issubclass(kind, base)]
        assert len(branches) == 1, f"{kind.__name__} belongs to no branch of the error tree"
        assert status_of(kind.__new__(kind)) == EXPECTED_STATUS[branches[0]], kind
    assert dict(HTTP_STATUS) == {base: status for base, status in EXPECTED_STATUS.items()}


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
