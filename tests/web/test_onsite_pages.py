"""loa2-onsite and loa3-renewal through the HTML forms: start forms, queues, case pages."""

from __future__ import annotations

import re

from engine.clock import FixedClock
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text


def _task_link(page: str, title: str) -> str:
    found = re.search(r'href="(/tasks/[0-9a-f-]+)">' + re.escape(title), page)
    assert found, f"no task {title!r} in the queue"
    return found.group(1)


def _case_id(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def test_r5_r12_cecilia_issues_loa2_at_the_station_at_15_30_and_is_refused_at_10_30(
    browser: Browser, clock: FixedClock
) -> None:
    fields = {
        "holder": "erik",
        "id_document": "passport",
        "card_number": "RK000012",
        "valid_until": "2026-12-08",
    }
    clock.set(local("2026-11-26 10:30"))
    browser.login("cecilia")
    assert "Utfärda LoA2 på stationen" in text(browser.get("/tasks"))
    refused = browser.post("/start/loa2-onsite", fields)
    assert refused.status_code == 403
    assert "(R12)" in text(refused)

    clock.set(local("2026-11-26 15:30"))
    started = browser.post("/start/loa2-onsite", fields)
    assert started.status_code == 302
    case_id = _case_id(started.headers["Location"])
    case_page = text(browser.get(f"/cases/{case_id}"))
    assert "Reservkort LoA2 utfärdat på kortstation" in case_page
    assert "Begär förlängning" in case_page
    assert _task_link(text(browser.get("/tasks")), "Begär förlängning")


def test_r9_a_loa3_renewal_waits_visibly_for_the_service_desk_to_open(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    first = browser.post("/start/loa3", {"holder": "frida", "id_document": "passport"})
    case_id = _case_id(first.headers["Location"])
    browser.logout()
    browser.login("bertil")
    second = _task_link(text(browser.get("/tasks")), "Andra identitetskontrollen")
    issued = browser.post(
        second,
        {"id_document": "passport", "card_number": "RK000021", "valid_until": "2027-05-01"},
    )
    assert issued.status_code == 302, case_id
    browser.logout()

    clock.set(local("2026-11-28 11:00"))  # Saturday
    browser.login("sara")
    started = browser.post("/start/loa3-renewal", {"card_number": "RK000021"})
    assert started.status_code == 302
    renewal_id = _case_id(started.headers["Location"])
    case_page = text(browser.get(f"/cases/{renewal_id}"))
    assert "Väntar på TjänsteIDs nästa öppning" in case_page
    assert "2026-11-30 07:30" in case_page
    queue = text(browser.get("/tasks"))
    assert "Förläng LoA3-certifikat" not in queue
    waiting = queue[queue.index('id="waiting-for-opening"') :]
    assert "Väntar på att TjänsteID öppnar (R9)" in waiting
    assert f'href="/cases/{renewal_id}"' in waiting and "RK000021" in waiting
    assert "2026-11-30 07:30" in waiting
    browser.logout()
    browser.login("cecilia")  # no service-desk right: the list is not hers (S2)
    assert 'id="waiting-for-opening"' not in text(browser.get("/tasks"))
