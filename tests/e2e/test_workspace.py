"""Issue 13 in a real browser: petra's workspace, from the modeler to a rollback.

The system Chromium (Playwright) against a real server on a fresh demo database: the
bpmn-js modeler built from npm and served by the app under the strict CSP (a violation
fails the test), the properties panel driven by the deploy check's schema, the server's
validation problems marked on the elements, deploy with its diff, versions with their
open cases, rollback, and a migration dry run. Without Chromium these tests skip, unless
SITHSFLOW_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.services.runtime import bootstrap
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.support.flows import Flows

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

LOA3 = "loa3-reserve"
LOA2 = "loa2-remote-order"
MAX_TABS = 60


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """The page, failing the test on any CSP violation or script error it reports."""
    faults: list[str] = []
    page.on("console", lambda m: faults.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: faults.append(str(e)))
    yield page
    assert faults == []


@pytest.fixture
def open_loa3_case(server: Server, tmp_path: Path) -> int:
    """A LoA3 case waiting for its second verification, on the server's database (the
    browser server's copy of the demo database in this test's tmp_path)."""
    runtime = bootstrap(f"sqlite:///{tmp_path / 'browser.db'}")
    try:
        return Flows(runtime, server.clock).start_loa3().id
    finally:
        runtime.database.dispose()


def open_modeler(page: Page, server: Server, process: str) -> None:
    page.goto(f"{server.url}/workspace")
    page.locator(f"a[href='/workspace/{process}/model']").click()
    page.wait_for_selector("body[data-workspace=ready]")


def select_element(page: Page, element_id: str) -> None:
    """Through the element list beside the canvas (the keyboard's way to every element)."""
    page.locator("#element-choice").select_option(element_id)
    page.wait_for_selector(f"#properties .element-id:has-text('{element_id}')")


def set_field(page: Page, selector: str, value: str) -> None:
    field = page.locator(selector)
    field.fill(value)
    field.press("Tab")  # a change event, as a person leaving the field


def versions_row(page: Page, process: str, version: int) -> dict[str, str]:
    row = page.locator(f"section[aria-labelledby='process-{process}'] tr[data-version='{version}']")
    cells = row.locator("td").all_inner_texts()
    return {"open_cases": cells[3].strip(), "state": cells[6].strip()}


def test_s1_petra_changes_the_r7_timer_and_a_label_simulates_deploys_and_rolls_back(
    watched: Page, server: Server, open_loa3_case: int
) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA3)
    shot(page, "workspace-modeler")

    # The R7 timer (P5D -> P7D) and a task label, through the properties panel; the timer
    # chosen on the canvas itself.
    page.locator("#bpmn-canvas [data-element-id='deadline']").first.click()
    page.wait_for_selector("#properties .element-id:has-text('deadline')")
    assert page.locator("#prop-rule").input_value() == "R7"
    assert page.locator("#prop-timer").input_value() == '"P5D"'
    set_field(page, "#prop-timer", '"P7D"')
    select_element(page, "second_verification")
    assert page.locator("#prop-loa").input_value() == "3"
    set_field(page, "#prop-name", "Andra verifieringen (7 dagar)")
    page.locator("#save-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Utkastet sparat')")

    # A broken timer expression is a problem listed and marked on its element, and is fixed.
    select_element(page, "deadline")
    set_field(page, "#prop-timer", '"P7D" +')
    page.locator("#check-draft").click()
    page.wait_for_selector("#problems li[data-element='deadline']")
    assert (
        page.locator("#bpmn-canvas .djs-element.has-problem[data-element-id='deadline']").count()
        == 1
    )
    assert page.locator(".problem-badge[data-element='deadline']").count() == 1
    shot(page, "workspace-problem")
    page.locator("#deploy-draft").click()  # a broken draft offers no deploy
    page.wait_for_selector("#deploy-draft:enabled")
    assert "Problem hittades" in page.locator("#workspace-status").inner_text()
    assert page.locator("#confirm-deploy").is_hidden()

    # Fixed: no problems, and the diff names the timer and the task.
    set_field(page, "#prop-timer", '"P7D"')
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    assert page.locator("#problems li").count() == 0
    assert page.locator(".has-problem").count() == 0
    changes = page.locator("#changes").inner_text()
    assert "deadline" in changes and "second_verification" in changes

    # A julafton start for ivan where nobody acts: the draft's 7 days run out.
    page.locator("#sim-start").fill("2026-12-24T10:00")
    page.locator("#sim-act").uncheck()
    page.locator("#sim-data").fill('{"holder": "ivan"}')
    page.locator("#sim-name").fill("julafton utan handläggare")
    page.locator("#simulate-draft").click()
    page.wait_for_selector("#simulation li[data-kind=end]")
    path = page.locator("#simulation li").all_inner_texts()
    # Each step by its element's name, never its BPMN id (issue 11).
    assert path == [
        "2026-12-24 10:00 · startat · Första ID-administratören styrker identiteten · "
        "formulär: Första identitetskontrollen, reservkort LoA3",
        "2026-12-31 10:00 · timer utlöst · Tidsfristen gick ut (R7)",
        "2026-12-31 10:00 · slut som nåtts · Ärendet förföll (R7)",
    ]
    assert page.locator("#bpmn-canvas .djs-element.simulated[data-element-id='lapsed']").count()
    shot(page, "workspace-simulation")
    # The scenario is kept: rerun after the page is opened again, with one button.
    page.reload()
    page.wait_for_selector("body[data-workspace=ready]")
    page.get_by_role("button", name="Kör igen: julafton utan handläggare").click()
    page.wait_for_selector("#simulation li[data-kind=end]")
    assert page.locator("#simulation li").all_inner_texts() == path

    # Deploy shows the diff first; only the confirmation deploys.
    page.locator("#deploy-draft").click()
    page.locator("#confirm-deploy").click()
    page.wait_for_selector("#workspace-status:has-text('version 2')")

    page.goto(f"{server.url}/workspace")
    assert versions_row(page, LOA3, 2)["state"] == "aktiv"
    assert versions_row(page, LOA3, 1)["state"] == "—"
    assert versions_row(page, LOA3, 1)["open_cases"] == "1"
    assert versions_row(page, LOA3, 2)["open_cases"] == "0"
    page.goto(f"{server.url}/workspace/{LOA3}/model")
    page.wait_for_selector("body[data-workspace=ready]")
    page.locator("#show-waiting").click()
    badge = page.locator(".waiting-badge[data-element='second_verification']")
    assert badge.inner_text() == "1 · 0 h"
    page.goto(f"{server.url}/workspace")
    shot(page, "workspace-versions")

    # Rollback: version 1 is active again.
    page.get_by_role("button", name=f"Aktivera version 1 av {LOA3}").click()
    page.wait_for_selector(".notice.success")
    assert versions_row(page, LOA3, 1)["state"] == "aktiv"


def test_broken_condition_is_marked_on_its_gateway_and_fixed(watched: Page, server: Server) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    select_element(page, "flow_phase_cycle")
    assert page.locator("#prop-condition").input_value() == "cycle > 1"
    set_field(page, "#prop-condition", "cycle >")
    page.locator("#check-draft").click()
    # The deploy check names the gateway whose outgoing condition does not compile.
    page.wait_for_selector("#problems li[data-element='phase']")
    assert "cycle >" in page.locator("#problems li[data-element='phase']").inner_text()
    assert page.locator("#bpmn-canvas .djs-element.has-problem[data-element-id='phase']").count()
    shot(page, "workspace-condition-problem")

    page.locator("#problems li[data-element='phase'] button").click()
    page.wait_for_selector("#properties .element-id:has-text('phase')")
    select_element(page, "flow_phase_cycle")
    set_field(page, "#prop-condition", "cycle > 1")
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    assert page.locator("#problems li").count() == 0
    assert page.locator("#changes").inner_text().strip() == (
        "Inget ändrat mot den aktiva versionen."
    )


def test_dmn_table_opens_in_dmn_js_and_forms_as_json(watched: Page, server: Server) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA3)
    page.locator("#file-choice").select_option("renewal-reminder.dmn")
    page.wait_for_selector("#dmn-canvas .tjs-table")
    assert page.locator("#bpmn-canvas").is_hidden()
    shot(page, "workspace-dmn")
    page.locator("#file-choice").select_option(f"{LOA3}.start.json")
    assert '"properties"' in page.locator("#form-json").input_value()
    page.locator("#form-json").fill("{ not json")
    page.locator("#file-choice").select_option(f"{LOA3}.bpmn")
    page.wait_for_selector("#workspace-status:has-text('inte giltig JSON')")
    assert page.locator("#file-choice").input_value() == f"{LOA3}.start.json"


def test_workspace_works_from_the_keyboard_with_labelled_controls(
    watched: Page, server: Server
) -> None:
    page = watched
    login(page, server, "petra")
    page.goto(f"{server.url}/workspace")
    assert unnamed_controls(page) == []
    # Tab to the modeler link of the LoA3 process and open it with Enter.
    tab_to(page, lambda f: f["tag"] == "a" and LOA3 in f["href"])
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-workspace=ready]")
    assert unnamed_controls(page) == []

    # An element chosen with the keyboard, its property changed, the draft checked.
    tab_to(page, lambda f: f["id"] == "element-choice")
    page.keyboard.press("End")  # the last element, chosen without the mouse
    page.locator("#element-choice").select_option("second_verification")
    page.wait_for_selector("#properties .element-id:has-text('second_verification')")
    tab_to(page, lambda f: f["id"] == "prop-name")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Andra verifieringen")
    tab_to(page, lambda f: f["id"] == "check-draft", backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    assert "second_verification" in page.locator("#changes").inner_text()


_FOCUS = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id || "", href: el.getAttribute("href") || ""};
}"""

_UNNAMED = """() => Array.from(document.querySelectorAll("input, select, textarea, button, a[href]"))
  .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
  .filter((el) => {
    const labelled = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .some((id) => (document.getElementById(id) || {}).textContent);
    const labels = Array.from(el.labels || []).some((l) => l.textContent.trim());
    return !(labels || labelled || (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("title") || "").trim() || el.textContent.trim());
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


def unnamed_controls(page: Page) -> list[str]:
    """Controls (links, buttons, fields) without an accessible name."""
    found: list[str] = page.evaluate(_UNNAMED)
    return found


def tab_to(page: Page, wanted: Callable[[dict[str, str]], bool], backwards: bool = False) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if wanted(page.evaluate(_FOCUS)):
            return
    raise AssertionError("the control was not reached with the keyboard")


def test_a_new_user_task_gets_a_form_from_the_template_and_the_draft_checks_it(
    watched: Page, server: Server
) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA3)
    select_element(page, "second_verification")
    page.locator(".djs-context-pad [data-action='append.append-task']").click()
    page.locator(".djs-context-pad [data-action='replace']").click()
    page.locator(".djs-popup [data-id='replace-with-user-task']").dispatch_event("click")
    task_id = page.locator("#element-choice").input_value()
    assert task_id and task_id != "second_verification"
    page.locator("#add-form").click()
    form_file = f"{LOA3}.{task_id}.json"
    assert page.locator("#file-choice").input_value() == form_file
    assert '"additionalProperties": false' in page.locator("#form-json").input_value()
    page.locator("#check-draft").click()
    page.wait_for_selector("#problems li")
    # The template is a valid form: what remains is the model's own (the new task ends
    # nowhere and sits in the lane by position only), never a missing or invalid form.
    problems = page.locator("#problems").inner_text()
    assert form_file not in problems
    assert "Formulär saknas" not in problems
