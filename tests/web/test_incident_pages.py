"""The incident page for the service desk and process owners, its retry button, and the
open incidents on a case's page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import AuditEvent
from engine.services.delivery import DeliveryPolicy
from engine.services.delivery import deliver_due
from engine.services.incident_actions import outbox_entries
from engine.services.incidents import list_incidents
from engine.services.mail_transport import MailSettings
from engine.services.mail_transport import SmtpTransport
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.smtp import free_port
from tests.web.conftest import Browser
from tests.web.conftest import text

SENDER = "sithsflow@region-demo.example"


def dead_reminder(flows: Flows) -> int:
    """The R15 reminder of an issued LoA2 case, given up after one refused attempt."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock)
    closed = SmtpTransport(MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", SENDER))
    deliver_due(
        flows.runtime, flows.clock, "w1", transport=closed, sender=SENDER,
        policy=DeliveryPolicy(max_attempts=1), wall=FixedClock(local("2026-12-04 15:02")),
    )  # fmt: skip
    return case.id


def test_the_service_desk_sees_open_incidents_linked_to_their_case_and_retries_one(
    flows: Flows, browser: Browser
) -> None:
    case_id = dead_reminder(flows)
    [incident] = list_incidents(flows.runtime, open_only=True)
    browser.login("sara")
    page = text(browser.get("/incidents"))
    assert f'href="/cases/{case_id}"' in page
    assert "E-postutskick" in page and "ConnectionRefusedError" in page
    assert "inga: gör om för hand" in page
    retried = browser.post(f"/incidents/{incident.id}/retry", {"next": "/incidents"})
    assert (retried.status_code, retried.headers["Location"]) == (303, "/incidents")
    assert "Inga öppna incidenter." in text(browser.get("/incidents"))
    assert [e.state for e in outbox_entries(flows.runtime)] == ["queued"]
    with flows.runtime.database.sessions() as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "incident_retried")
        ).all()
    assert actors == ["sara"]


def test_the_case_page_shows_its_open_incidents_with_a_retry_button(
    flows: Flows, browser: Browser
) -> None:
    case_id = dead_reminder(flows)
    browser.login("sara")  # a process owner reads no case (S2); the service desk does
    page = text(browser.get(f"/cases/{case_id}"))
    assert "Öppna incidenter" in page
    assert re.search(r'action="/incidents/\d+/retry"', page)
    assert "E-postutskick gavs upp" in page  # the history names the dead letter


@pytest.mark.parametrize("user", ["anna", "david", "maria", "olof"])
def test_others_get_no_incident_page_and_cannot_retry(
    flows: Flows, browser: Browser, user: str
) -> None:
    dead_reminder(flows)
    [incident] = list_incidents(flows.runtime, open_only=True)
    browser.login(user)
    assert browser.get("/incidents").status_code == 403
    assert "/incidents" not in text(browser.get("/"))
    assert browser.post(f"/incidents/{incident.id}/retry").status_code == 403
    assert list_incidents(flows.runtime, open_only=True) == [incident]


def test_a_retry_from_a_stale_page_says_it_was_already_resolved(
    flows: Flows, browser: Browser
) -> None:
    dead_reminder(flows)
    [incident] = list_incidents(flows.runtime, open_only=True)
    browser.login("sara")
    browser.get("/incidents")
    browser.post(f"/incidents/{incident.id}/retry")
    again = browser.post(f"/incidents/{incident.id}/retry", {"next": "//evil.example/"})
    assert again.headers["Location"] == "/incidents"
    assert "redan åtgärdad" in text(browser.get("/incidents"))


def test_a_retry_of_an_id_beyond_any_row_is_not_found(flows: Flows, browser: Browser) -> None:
    browser.login("sara")
    browser.get("/incidents")
    assert browser.post(f"/incidents/{2**70}/retry").status_code == 404  # no such id at all
    answer = browser.post("/incidents/2147483647/retry")  # an id no row has
    assert answer.status_code == 303
    assert "Ingen incident med id" in text(browser.get("/incidents"))
