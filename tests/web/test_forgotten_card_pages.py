"""R20 forgotten card through the pages: a card user (employed, no administrator's role)
signs in, starts a case for themself naming two colleagues, each attester works their own
step from their queue, and the case page shows the progress only to those who may read it
(S2). Refusals come from the engine, translated."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import Person
from engine.services.registers.organisation_settings import set_setting
from engine.services.runtime import Runtime
from tests.support.flows import Flows
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text

# Before 2026-06-30 (R14: Region Demo accepts no LoA2 after it), outside office hours (R12).
EVENING = "2026-03-02 18:00"
FIELDS = {"attester_1": "hanna", "attester_2": "ivan", "card_number": "RK000007"}


def _signed_in(app: Flask, user: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user).status_code == 302
    return browser


def _attest_link(page: str) -> str:
    found = re.search(r'href="(/tasks/[0-9a-f-]+)">Intyga kollegans identitet', page)
    assert found, "no attest step in the queue"
    return found.group(1)


def _start(app: Flask, user: str = "frida", **fields: str) -> tuple[Browser, int]:
    browser = _signed_in(app, user)
    started = browser.post("/start/forgotten-card", {**FIELDS, **fields})
    assert started.status_code == 302, text(started)
    return browser, int(started.headers["Location"].rsplit("/", 1)[1])


def test_r20_a_card_user_lands_on_their_steps_with_the_forgotten_card_start(
    app: Flask, clock: FixedClock
) -> None:
    clock.set(local(EVENING))
    frida = _signed_in(app, "frida")
    home = frida.get("/", follow_redirects=True)
    page = text(home)
    assert home.status_code == 200
    assert "Steg som är dina" in page and "Ingen kollega väntar på ditt intygande." in page
    assert 'href="/start/forgotten-card"' in page
    # Nothing of the staff's: no group queue, no search, no administrator's start form.
    assert "Gruppkö" not in page and 'role="search"' not in page
    assert 'href="/start/loa3"' not in page
    form = text(frida.get("/start/forgotten-card"))
    assert "Första intygsgivare" in form and "Andra intygsgivare" in form


def test_r20_frida_starts_hanna_then_ivan_attest_each_in_their_own_step_and_the_card_is_issued(
    app: Flask, clock: FixedClock
) -> None:
    clock.set(local(EVENING))
    frida, case_id = _start(app)
    hanna, ivan = _signed_in(app, "hanna"), _signed_in(app, "ivan")
    step = _attest_link(text(hanna.get("/tasks")))
    # ivan's turn comes second: he neither sees hanna's step nor opens it (S2: not found).
    assert "Ingen kollega väntar på ditt intygande." in text(ivan.get("/tasks"))
    assert ivan.get(step).status_code == 404
    assert ivan.get(f"/cases/{case_id}").status_code == 404
    form = text(hanna.get(step))
    assert "Jag känner kollegan och intygar identiteten" in form
    assert "Intygsgivare (R20)" in form
    done = hanna.post(step, {"attestation": "known_colleague"})
    assert done.status_code == 302
    case_page = text(hanna.get(f"/cases/{case_id}"))
    assert "Väntar på att ivan intygar" in case_page
    assert "Intygsgivare: hanna" in case_page
    second = _attest_link(text(ivan.get("/tasks")))
    assert hanna.get(second).status_code in (403, 404)
    assert ivan.post(second, {"attestation": "known_colleague"}).status_code == 302
    shown = text(frida.get(f"/cases/{case_id}"))
    assert "Avslutat" in shown and "RK000007" in shown
    assert 'class="bpmn' in shown  # the diagram
    # Each attester's own step in the history, its choice by its label.
    assert shown.count('data-field="attestation">Intygande: Jag känner kollegan') == 2
    # A card user reads no card or person page, and the case links to none.
    assert 'href="/cards/' not in shown and 'href="/people/' not in shown
    assert frida.get("/cards/RK000007").status_code == 403


def test_r20_hemtjanst_demo_does_not_allow_it_and_the_page_says_so(
    app: Flask, clock: FixedClock, flows: Flows
) -> None:
    clock.set(local(EVENING))
    erik = _signed_in(app, "erik")
    before = flows.rows_but_audit()
    refused = erik.post("/start/forgotten-card", FIELDS)
    assert refused.status_code == 403
    assert "tillåter inte tillfälliga reservkort med intygsgivare (R20)" in text(refused)
    assert flows.rows_but_audit() == before


def test_r20_the_attesters_must_be_two_colleagues_other_than_the_user(
    app: Flask, clock: FixedClock, flows: Flows
) -> None:
    clock.set(local(EVENING))
    frida = _signed_in(app, "frida")
    before = flows.rows_but_audit()
    for first, second in (("frida", "ivan"), ("hanna", "hanna")):
        refused = frida.post(
            "/start/forgotten-card", {**FIELDS, "attester_1": first, "attester_2": second}
        )
        assert refused.status_code == 422
        assert "Intygsgivarna ska vara två olika kollegor" in text(refused)
    frida.post("/language", {"lang": "en", "next": "/start/forgotten-card"})
    refused = frida.post("/start/forgotten-card", {**FIELDS, "attester_1": "frida"})
    assert "The attesters must be two different colleagues" in text(refused)
    assert flows.rows_but_audit() == before


def test_s2_an_attester_reads_the_case_they_attest_and_nothing_else(
    app: Flask, clock: FixedClock, flows: Flows
) -> None:
    clock.set(local(EVENING))
    other = flows.at(EVENING).start_loa3("anna", "frida").id
    _frida, case_id = _start(app)
    hanna = _signed_in(app, "hanna")
    assert hanna.get(f"/cases/{case_id}").status_code == 200
    assert hanna.get(f"/cases/{other}").status_code == 404
    listed = text(hanna.get("/cases"))
    assert f'href="/cases/{case_id}"' in listed and f'href="/cases/{other}"' not in listed
    for path in ("/search?q=frida", "/cards/RK000001", "/reports", "/start/loa3"):
        assert hanna.get(path).status_code == 403, path
    erik = _signed_in(app, "erik")
    assert erik.get(f"/cases/{case_id}").status_code == 404


def test_s6_r20_the_setting_in_force_on_the_day_decides_what_the_start_form_answers(
    app: Flask, clock: FixedClock, runtime: Runtime
) -> None:
    """Region Demo stops forgotten-card temporary cards from 2026-03-05: frida starts on the
    evening before, and is refused with R20 from that day (S6: judged at the event)."""
    clock.set(local("2026-03-02 12:00"))
    set_setting(
        runtime, clock, "petra", "region-demo", "allows_forgotten_card", False, date(2026, 3, 5)
    )
    clock.set(local("2026-03-04 18:00"))
    _start(app)
    clock.set(local("2026-03-05 18:00"))
    frida = _signed_in(app, "frida")
    refused = frida.post("/start/forgotten-card", {**FIELDS, "card_number": "RK000008"})
    assert refused.status_code == 403
    assert "Region Demo tillåter inte tillfälliga reservkort med intygsgivare (R20)" in text(
        refused
    )


def test_r3_without_an_employment_on_the_day_one_is_no_card_user(
    app: Flask, clock: FixedClock, runtime: Runtime
) -> None:
    """frida's employment ended the day before: she signs in to the no-role page and the
    forgotten-card form is closed to her."""
    clock.set(local(EVENING))
    with runtime.unit_of_work(clock) as uow:
        frida = uow.session.scalars(select(Person).where(Person.username == "frida")).one()
        for employment in frida.employments:
            employment.end_date = date(2026, 3, 1)
        uow.commit()
    browser = _signed_in(app, "frida")
    assert "Välkommen" in text(browser.get("/", follow_redirects=True))
    for path in ("/start/forgotten-card", "/tasks", "/cases"):
        assert browser.get(path).status_code == 403, path


def test_r20_a_colleague_with_an_administrators_role_attests_from_her_own_queue_too(
    app: Flask, clock: FixedClock, runtime: Runtime
) -> None:
    """maria (manager, employed in Region Demo), here in the staff directory with her
    personnummer (R3: the demo's staff have none), is named first: the menu leads her to
    her step, which no group queue holds, and she attests like any colleague."""
    clock.set(local(EVENING))
    with runtime.unit_of_work(clock) as uow:
        maria = uow.session.scalars(select(Person).where(Person.username == "maria")).one()
        maria.identity_number = "19750505-1008"
        maria.birth_date = date(1975, 5, 5)
        uow.commit()
    _frida, case_id = _start(app, attester_1="maria", attester_2="hanna")
    maria = _signed_in(app, "maria")
    home = text(maria.get("/", follow_redirects=True))
    assert 'href="/tasks"' in home
    step = _attest_link(text(maria.get("/tasks")))
    assert maria.post(step, {"attestation": "known_colleague"}).status_code == 302
    assert "Väntar på att hanna intygar" in text(maria.get(f"/cases/{case_id}"))
