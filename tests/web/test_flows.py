"""Both demo flows through the HTML forms, as the people at the card stations and the
service desk click them, with the refusals they meet on the way."""

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


def test_r6_loa3_flow_anna_starts_bertil_issues_and_anna_is_refused(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    started = browser.post("/start/loa3", {"holder": "frida", "id_document": "passport"})
    assert started.status_code == 302
    case_id = _case_id(started.headers["Location"])
    case_page = text(browser.get(f"/cases/{case_id}"))
    assert "en annan ID-administratör måste göra den här (R6)" in case_page
    assert 'class="task current"' in case_page
    assert "Andra identitetskontrollen" not in text(browser.get("/tasks"))
    browser.logout()

    clock.set(local("2026-11-24 10:00"))
    browser.login("bertil")
    queue = text(browser.get("/tasks"))
    assert "4 d 0 h kvar av 5 dagar" in queue
    task = _task_link(queue, "Andra identitetskontrollen")
    form = {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-05-24"}
    done = browser.post(task, form)
    assert done.status_code == 302
    completed = text(browser.get(f"/cases/{case_id}"))
    assert 'data-state="completed">Avslutat</span>' in completed
    card = text(browser.get("/cards/RK000001"))
    assert "Frida Fors" in card and "LoA3" in card
    browser.logout()

    browser.login("anna")
    refused = browser.post(task, form)
    assert refused.status_code == 409  # already completed: the state moved on


def test_r6_anna_posting_the_second_verification_herself_is_refused(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    case_id = _case_id(
        browser.post("/start/loa3", {"holder": "frida", "id_document": "passport"}).headers[
            "Location"
        ]
    )
    task = re.search(r"/tasks/([0-9a-f-]{36})", text(browser.get(f"/cases/{case_id}")))
    assert task is None  # no link to open it
    browser.logout()
    browser.login("bertil")
    link = _task_link(text(browser.get("/tasks")), "Andra identitetskontrollen")
    browser.logout()
    browser.login("anna")
    response = browser.post(
        link, {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-05-24"}
    )
    assert response.status_code == 403
    assert "(R6)" in text(response)


def test_r15_loa2_order_issue_renewal_request_and_renewal(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 15:01"))
    browser.login("david")
    order_page = text(browser.get("/start/loa2"))
    assert "Det är utanför kontorstid nu." in order_page
    ordered = browser.post("/start/loa2", {"holder": "erik", "reason": "Glömt kort nattskift"})
    assert ordered.status_code == 302
    case_id = _case_id(ordered.headers["Location"])
    browser.logout()

    browser.login("sara")
    queue = text(browser.get("/tasks"))
    assert "Gruppkö: TjänsteID/Servicecenter" in queue
    issue = _task_link(queue, "Utfärda LoA2-certifikat")
    assert browser.post(issue + "/claim").status_code == 302
    assert "Uppgiften är din" in text(browser.get(issue))
    assert (
        browser.post(issue, {"card_number": "RK000002", "valid_until": "2026-12-07"}).status_code
        == 302
    )
    card = text(browser.get("/cards/RK000002"))
    assert "Inte giltigt för NLL, Pascal, NPÖ" in card  # R14: hemtjanst-demo accepts LoA2
    browser.logout()

    clock.set(local("2026-12-04 16:00"))
    browser.login("david")
    request_link = _task_link(text(browser.get("/tasks")), "Begär förlängning")
    assert browser.post(request_link, {"comment": "Fortsatt nattskift"}).status_code == 302
    browser.logout()

    browser.login("sara")
    renew = _task_link(text(browser.get("/tasks")), "Förläng LoA2-certifikat")
    assert browser.post(renew, {"valid_until": "2026-12-18"}).status_code == 302
    case_page = text(browser.get(f"/cases/{case_id}"))
    assert "cykel 2" in case_page
    history = case_page[case_page.index('id="history-title"') :]
    assert "Förläng LoA2-certifikat" in history and "Ny förlängningscykel" in history
    assert 'data-action="cycle_started"' in history


def test_r12_issuing_in_office_hours_is_refused_with_the_next_allowed_time(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 15:01"))
    browser.login("david")
    browser.post("/start/loa2", {"holder": "erik", "reason": "Glömt kort nattskift"})
    browser.logout()
    clock.set(local("2026-11-24 10:00"))
    browser.login("sara")
    issue = _task_link(text(browser.get("/tasks")), "Utfärda LoA2-certifikat")
    page = text(browser.get(issue))
    assert "Det är kontorstid nu." in page
    assert "tis 2026-11-24 15:01" in page
    refused = browser.post(issue, {"card_number": "RK000002", "valid_until": "2026-12-07"})
    assert refused.status_code == 403
    assert "utanför kontorstid (R12)" in text(refused)


def test_validation_errors_stand_next_to_their_fields_in_swedish(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    response = browser.post("/start/loa3", {"holder": "", "id_document": "selfie"})
    assert response.status_code == 422
    page = text(response)
    holder = page[page.index('<label for="f-holder"') : page.index('id="f-holder"')]
    assert "Obligatoriskt fält saknas: Kortanvändare." in holder
    document = page[page.index('<label for="f-id_document"') : page.index('id="f-id_document"')]
    assert "måste vara ett av" in document
    assert 'aria-invalid="true"' in page


def test_language_switch_shows_english_labels_and_errors(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    assert browser.post("/language", {"lang": "en", "next": "/start/loa3"}).status_code == 302
    page = text(browser.get("/start/loa3"))
    assert '<html lang="en">' in page
    assert "Card user" in page and "First identity verification" in page
    response = browser.post("/start/loa3", {"holder": "", "id_document": "passport"})
    assert "Required field missing: Card user." in text(response)
    browser.post("/language", {"lang": "sv", "next": "https://evil.example/"})
    assert '<html lang="sv">' in text(browser.get("/tasks"))


def test_r3_holder_outside_the_directory_is_refused_on_the_form(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    response = browser.post("/start/loa3", {"holder": "19920229-4568", "id_document": "passport"})
    assert response.status_code == 403
    assert "(R3)" in text(response)
    assert 'value="19920229-4568"' in text(response)


def test_unclaim_returns_the_task_to_the_group_queue(browser: Browser, clock: FixedClock) -> None:
    clock.set(local("2026-11-23 15:01"))
    browser.login("david")
    browser.post("/start/loa2", {"holder": "erik", "reason": "Glömt kort nattskift"})
    browser.logout()
    browser.login("sara")
    issue = _task_link(text(browser.get("/tasks")), "Utfärda LoA2-certifikat")
    browser.post(issue + "/claim")
    mine = text(browser.get("/tasks"))
    assert "Släpp" in mine
    browser.post(issue + "/unclaim")
    assert "Släpp" not in text(browser.get("/tasks"))


def test_search_finds_a_holder_by_personal_number(browser: Browser) -> None:
    browser.login("sara")
    response = browser.get("/search?q=19850315")
    assert response.status_code == 302
    assert "Frida Fors" in text(browser.get(response.headers["Location"]))
