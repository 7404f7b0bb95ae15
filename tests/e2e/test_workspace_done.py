"""Issue 13's "Done when", tried in a real browser as a process owner would.

petra, without leaving the browser or touching a file, lengthens the LoA2 renewal
reminder's lead time in the decision table in force for loa2-remote-order (dmn-js),
adds a user task with a form to the process, simulates the draft (the new task and its
form on the path, the reminder decided by the draft's table), deploys it (the diff names the task, its form and the table), and
watches the first new case wait at and pass the new task (the heat map, the version list),
its reminder set by the new lead time. A broken change (an invalid form, a broken
condition) is shown at its field and element and never reaches the active version, even
when the page is bypassed. Without Chromium this test skips, unless
SITHSFLOW_REQUIRE_BROWSER=1 (CI), where it fails instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.e2e.test_workspace import open_modeler
from tests.e2e.test_workspace import select_element
from tests.e2e.test_workspace import set_field
from tests.e2e.test_workspace import versions_row
from tests.e2e.test_workspace import watched as watched
from tests.support.flows import local

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

LOA2 = "loa2-remote-order"
NEW_TASK = "Lämna ut kortet"
# The LoA2 row of the renewal-reminder table: 3 days before expiry in the bundled table.
LOA2_LEAD_CELL = "#dmn-canvas td[data-element-id='r1_days']"


def change_lead_time(page: Page, days: str) -> None:
    """The LoA2 row's output cell of the table in force, typed into dmn-js."""
    page.locator("#file-choice").select_option("renewal-reminder.dmn")
    cell = page.locator(LOA2_LEAD_CELL)
    cell.wait_for()
    assert cell.inner_text().strip() == "3"
    cell.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(days)
    page.keyboard.press("Escape")
    assert cell.inner_text().strip() == days
    shot(page, "done-dmn-lead-time")
    page.locator("#file-choice").select_option(f"{LOA2}.bpmn")


def add_task_with_form(page: Page) -> str:
    """A user task after the issuing step, with one required field, by the keyboard's way."""
    page.locator("#element-choice").select_option("issue_loa2")
    page.locator("#new-task-name").fill(NEW_TASK)
    page.locator("#insert-user-task").click()
    task_id = page.locator("#form-task").input_value()
    page.locator("#form-add-field").click()
    set_field(page, "#form-field-0-name", "handed_to")
    set_field(page, "#form-field-0-label-sv", "Utlämnat till")
    set_field(page, "#form-field-0-label-en", "Handed to")
    set_field(page, "#form-field-0-help-sv", "Vem som tog emot kortet.")
    set_field(page, "#form-field-0-help-en", "Who received the card.")
    page.locator("#form-field-0-required").check()
    shot(page, "done-new-task-form")
    return task_id


def test_petra_changes_the_lead_time_adds_a_task_with_a_form_simulates_deploys_and_watches(
    watched: Page, server: Server
) -> None:
    page = watched
    server.clock.set(local("2026-11-23 15:01"))
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    change_lead_time(page, "5")
    task_id = add_task_with_form(page)

    # A broken change first: a field that is no text, shown at its field; no deploy offered.
    page.locator("#form-field-0-type").select_option("choice")
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")  # a choice is fine
    page.locator("#file-choice").select_option(f"{LOA2}.{task_id}.json")
    form = json.loads(page.locator("#form-json").input_value())
    form["properties"]["handed_to"]["enum"] = "a"  # not a list: no JSON Schema
    page.locator("#form-json").fill(json.dumps(form, indent=2))
    page.locator("#file-choice").select_option(f"{LOA2}.bpmn")
    page.locator("#deploy-draft").click()
    page.wait_for_selector("#deploy-draft:enabled")
    assert "Problem hittades" in page.locator("#workspace-status").inner_text()
    assert page.locator("#confirm-deploy").is_hidden()
    broken = page.locator("#form-fields-editor li[data-field=handed_to] fieldset")
    assert broken.get_attribute("aria-invalid") == "true"
    # Bypassing the page changes nothing: the server refuses the saved broken draft.
    token = page.locator("input[name=csrf_token]").first.input_value()
    refused = page.request.post(
        f"{server.url}/workspace/{LOA2}/deploy", headers={"X-CSRFToken": token}, data={}
    )
    assert refused.status == 422
    assert refused.json()["problems"][0]["field"] == "handed_to"
    page.locator("#form-field-0-type").select_option("text")  # fixed in the editor

    # Simulated: the new task and its form on the path, after the issuing step.
    page.locator("#sim-start").fill("2026-11-23T15:01")  # outside office hours (R12)
    page.locator("#sim-data").fill('{"holder": "erik", "organisation": "hemtjanst-demo"}')
    page.locator("#simulate-draft").click()
    page.wait_for_selector("#simulation li[data-kind]")
    path = page.locator("#simulation li").all_inner_texts()
    issued = next(i for i, step in enumerate(path) if "Utfärda LoA2-certifikat" in step)
    assert path[issued + 1] == (
        f"2026-11-23 15:01 · uppgift utförd · {NEW_TASK} · formulär: {NEW_TASK}"
    )
    # The draft's table decides the simulated reminder: 5 days before expiry, not 3.
    reminder = page.locator("#decisions tr[data-element=issue_loa2][data-rule=R18]").first
    assert "renewal-reminder (utkast)" in reminder.inner_text()
    assert "Påminnelse 5 dagar före utgång" in reminder.inner_text()
    shot(page, "done-simulation")

    # Deployed: the diff names the new task, its form and the decision table first.
    page.locator("#deploy-draft").click()
    page.wait_for_selector("#confirm-deploy:visible")
    changes = page.locator("#changes").inner_text()
    assert f"Uppgifter: tillagt {task_id}" in changes
    assert f"Formulär: tillagt {task_id}" in changes
    assert "Beslutstabeller: ändrat renewal-reminder" in changes
    shot(page, "done-diff")
    page.locator("#confirm-deploy").click()
    page.wait_for_selector("#workspace-status:has-text('version 2')")
    logout(page)

    # The first new case: ordered by david, issued by the service desk.
    server.clock.set(local("2026-11-23 15:10"))
    login(page, server, "david")
    page.get_by_role("link", name="Beställ LoA2").click()
    page.locator("main").get_by_label("Kortanvändare").fill("erik")
    page.locator("main").get_by_label("Anledning").fill("Glömt kortet, nattpass")
    page.get_by_role("button", name="Skicka beställningen").click()
    assert page.locator(".notice.success").is_visible()
    logout(page)
    login(page, server, "sara")
    page.locator("tr", has_text="Utfärda LoA2-certifikat").get_by_role("button", name="Ta").click()
    page.locator("main").get_by_label("Kortnummer").fill("RK000002")
    page.locator("main").get_by_label("Giltigt till").fill("2026-12-07")
    page.get_by_role("button", name="Slutför uppgiften").click()
    assert page.locator(".notice.success").is_visible()
    logout(page)

    # petra sees it wait at the new task, on version 2.
    login(page, server, "petra")
    page.goto(f"{server.url}/workspace")
    assert versions_row(page, LOA2, 2)["state"] == "aktiv"
    assert versions_row(page, LOA2, 2)["open_cases"] == "1"
    open_modeler(page, server, LOA2)
    page.locator("#show-waiting").click()
    badge = page.locator(f".waiting-badge[data-element='{task_id}']")
    assert badge.inner_text() == "1 · 0 h"
    shot(page, "done-heat-map-new-task")
    logout(page)

    # The service desk passes the new task with its form; the reminder is 5 days ahead.
    server.clock.set(local("2026-11-23 16:10"))
    login(page, server, "sara")
    page.locator("tr", has_text=NEW_TASK).get_by_role("button", name="Ta").click()
    page.locator("main").get_by_label("Utlämnat till").fill("erik")
    page.get_by_role("button", name="Slutför uppgiften").click()
    assert page.locator(".notice.success").is_visible()
    # The certificate runs to 2026-12-07 15:10 (R11); the reminder 5 days before, not 3.
    assert page.locator("li.timer").all_inner_texts() == [
        "Påminnelse om förlängning (R15): ons 2026-12-02 15:10 Väntar",
        "Certifikatet går ut (R11): mån 2026-12-07 15:10 Väntar",
    ]
    logout(page)

    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    page.locator("#show-waiting").click()
    page.wait_for_selector(".waiting-badge[data-element='request_renewal']")
    assert page.locator(f".waiting-badge[data-element='{task_id}']").count() == 0
    shot(page, "done-heat-map-passed")

    # A broken condition afterwards is marked on its gateway and never becomes version 3.
    select_element(page, "flow_phase_cycle")
    set_field(page, "#prop-condition", "cycle >")
    page.locator("#deploy-draft").click()
    page.wait_for_selector("#problems li[data-element='phase']")
    page.wait_for_selector("#deploy-draft:enabled")
    assert page.locator("#confirm-deploy").is_hidden()
    page.goto(f"{server.url}/workspace")
    assert versions_row(page, LOA2, 2)["state"] == "aktiv"
    process = page.locator(f"section[aria-labelledby='process-{LOA2}']")
    assert process.locator("tr[data-version='3']").count() == 0
