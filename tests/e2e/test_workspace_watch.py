"""Issue 13 in a real browser, the watching parts: each rule a simulation decided, incidents
per element linking to their cases, and a draft over 256 KB refused in words.

The system Chromium (Playwright) against a real server on a copy of the demo database, as
tests/e2e/test_workspace.py; without Chromium these tests skip (fail in CI).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.services.deploy import deploy_files
from engine.services.runtime import bootstrap
from engine.services.timers import fire_due_timers
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.integration.test_timers import DIVISOR_FORM
from tests.integration.test_timers import FAILING
from tests.support.bundles import write
from tests.support.flows import Flows

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

LOA2 = "loa2-remote-order"
# The failing process of tests/integration/test_timers.py, drawn, so its elements show.
DIAGRAM = """  <bpmndi:BPMNDiagram id="failing-diagram">
    <bpmndi:BPMNPlane id="failing-plane" bpmnElement="failing">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="160" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><dc:Bounds x="260" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="boom_di" bpmnElement="boom"><dc:Bounds x="360" y="78" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="done_di" bpmnElement="done"><dc:Bounds x="530" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="196" y="118" /><di:waypoint x="260" y="118" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="296" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="460" y="118" /><di:waypoint x="530" y="118" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
NAMESPACES = (
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
)


@pytest.fixture
def faults(page: Page) -> Iterator[list[str]]:
    """Script errors of the page; a test fails on any."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(str(e)))
    yield found
    assert found == []


@pytest.fixture
def failed_script_case(server: Server, tmp_path: Path) -> int:
    """A case of `failing` whose timer's script divided by zero: a real open incident at
    the element `wait`, on the browser server's database."""
    runtime = bootstrap(f"sqlite:///{tmp_path / 'browser.db'}")
    try:
        flows = Flows(runtime, server.clock)
        drawn = FAILING.replace("<bpmn:definitions ", f"<bpmn:definitions {NAMESPACES}").replace(
            "</bpmn:definitions>\n", DIAGRAM
        )
        bpmn = tmp_path / "failing.bpmn"
        bpmn.write_text(drawn, encoding="utf-8")
        form = write(tmp_path, "failing.start.json", json.dumps(DIVISOR_FORM))
        deploy_files(runtime, flows.clock, [bpmn, form], actor="petra")
        case_id = flows.at("2026-11-23 15:01").start("failing", "sara", divisor="0").id
        fire_due_timers(runtime, flows.at("2026-11-24 16:00").clock)
        return case_id
    finally:
        runtime.database.dispose()


def open_modeler(page: Page, server: Server, process: str) -> None:
    page.goto(f"{server.url}/workspace/{process}/model")
    page.wait_for_selector("body[data-workspace=ready]")


def simulate(page: Page, start: str, data: str) -> None:
    page.locator("#sim-start").fill(start)
    page.locator("#sim-act").check()
    page.locator("#sim-data").fill(data)
    page.locator("#simulate-draft").click()
    page.wait_for_selector("#workspace-status.success, #workspace-status.error")


def test_r12_r15_julafton_simulation_lists_each_rule_with_inputs_and_outcome_on_the_diagram(
    page: Page, faults: list[str], server: Server
) -> None:
    login(page, server, "petra")
    open_modeler(page, server, LOA2)

    simulate(page, "2026-12-24T10:00", '{"organisation": "hemtjanst-demo"}')
    r12 = page.locator("#decisions tr[data-element=issue_loa2][data-rule=R12]")
    assert r12.get_attribute("data-passed") == "true"
    row = r12.inner_text()
    assert "local_time = 2026-12-24 10:00" in row
    assert "holiday_free_weekday = nej (Julafton)" in row
    assert "godkänd: Utanför kontorstid" in row
    assert page.locator("#decisions tr[data-element=start][data-rule=R15]").count() == 1
    reminder = page.locator("#decisions tr[data-element=issue_loa2][data-rule=R18]").first
    assert "renewal-reminder (utkast)" in reminder.inner_text()
    badge = page.locator(".rule-badge[data-element=issue_loa2]")
    assert "R12" in badge.inner_text().split()
    assert page.locator(".rule-badge.refused").count() == 0
    shot(page, "workspace-rule-decisions")

    # A weekday at 10:00 is office hours: R12 refuses, and the case waits at the task.
    simulate(page, "2026-12-01T10:00", '{"organisation": "hemtjanst-demo"}')
    refused = page.locator("#decisions tr[data-element=issue_loa2][data-rule=R12]")
    assert refused.get_attribute("data-passed") == "false"
    assert "nekad: LoA2 får bara utfärdas eller förnyas utanför kontorstid" in refused.inner_text()
    assert page.locator("#simulation li").last.get_attribute("data-kind") == "refused"
    assert "nekades av en regel" in page.locator("#simulation li").last.inner_text()
    assert page.locator(".rule-badge.refused[data-element=issue_loa2]").count() == 1
    marked = "#bpmn-canvas .djs-element.rule-refused[data-element-id='issue_loa2']"
    assert page.locator(marked).count() == 1


def test_incidents_per_element_are_counted_on_the_diagram_and_link_to_their_cases(
    page: Page, faults: list[str], server: Server, failed_script_case: int
) -> None:
    login(page, server, "petra")
    open_modeler(page, server, "failing")
    assert page.locator("#incident-version").input_value() == "1"
    page.locator("#show-incidents").click()
    badge = page.locator(".incident-badge[data-element=wait]")
    badge.wait_for()
    assert badge.inner_text() == "⚠ 1"
    assert "Öppna incidenter: 1 (ärenden: 1)" in page.locator("#incident-list").inner_text()
    shot(page, "workspace-incidents")

    badge.click()
    page.wait_for_selector("#incident-filter")
    assert page.locator(f"a[href='/cases/{failed_script_case}']").count() == 1
    assert page.locator("tr[data-incident]").count() == 1


def test_a_draft_over_256_kb_is_refused_in_the_pages_language_and_nothing_is_lost(
    page: Page, faults: list[str], server: Server
) -> None:
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    page.locator("#element-choice").select_option("issue_loa2")
    page.wait_for_selector("#properties .element-id:has-text('issue_loa2')")
    # The English name is not drawn on the Swedish canvas, so a long one costs no layout.
    label = "Issue " + "x" * 300_000
    field = page.locator("#prop-name_en")
    field.fill(label)
    field.press("Tab")

    page.locator("#save-draft").click()
    page.wait_for_selector("#workspace-status.error")

    status = page.locator("#workspace-status").inner_text()
    assert "Utkastet är större än servern tar emot (256 kB sammanlagt)" in status
    assert "Request Entity Too Large" not in status
    assert page.locator("#prop-name_en").input_value() == label  # the edit stays on the page
    saved = page.request.get(f"{server.url}/workspace/{LOA2}/draft").json()
    assert saved["saved_at"] is None  # the server kept what it had: no draft
    assert "x" * 100 not in saved["files"][f"{LOA2}.bpmn"]
