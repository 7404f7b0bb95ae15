"""R19, R16 on the web: the service desk starts an employment end from its page, the case
page draws the new process, and `register_return` lands in the service desk's queue."""

from __future__ import annotations

import re

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text


def test_r19_sara_starts_an_employment_end_and_gets_register_return_in_her_queue(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    clock.set(local("2026-11-24 10:00"))
    browser.login("sara")
    home = text(browser.get("/", follow_redirects=True))
    assert "Anställning upphör" in home
    form = text(browser.get("/start/employment-end"))
    assert "Sista anställningsdag" in form
    started = browser.post(
        "/start/employment-end",
        {"holder": "erik", "organisation": "hemtjanst-demo", "ends_on": "2026-11-30"},
    )
    assert started.status_code == 302, text(started)
    case_page = text(browser.get(started.headers["Location"]))
    assert "<svg" in case_page
    assert "Sista anställningsdagen är slut" in case_page

    clock.set(local("2026-12-01 00:05"))
    fire_due_timers(runtime, clock)
    queue = text(browser.get("/tasks"))
    assert "Registrera återlämnat kort" in queue
    found = re.search(r'href="(/tasks/[0-9a-f-]+)">Registrera återlämnat kort', queue)
    assert found, queue
    form = text(browser.get(found.group(1)))
    assert "Mottaget, klippt genom chipet" in form
    done = browser.post(found.group(1), {"returned": "cut"})
    assert done.status_code == 302, text(done)
    assert f'href="{found.group(1)}"' not in text(browser.get("/tasks"))


def test_r16_the_ordinary_card_page_is_for_full_id_admins_only(browser: Browser) -> None:
    browser.login("anna")
    assert browser.get("/start/ordinary-card").status_code == 403
    assert "Beställ ordinarie kort" not in text(browser.get("/", follow_redirects=True))
