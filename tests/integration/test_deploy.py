"""Process and decision versions (R23): a process owner deploys new versions without
touching running cases; a deploy is validated whole, and a refused one stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.services import queries
from engine.services.deploy import PROCESSES_DIR
from engine.services.deploy import deploy_files
from engine.services.deploy import versions as process_versions
from tests.support.bundles import write_form
from tests.support.flows import Flows

SECOND_TASK_NAME = 'name="Andra ID-administratören styrker identiteten och utfärdar"'
RENAMED_TASK_NAME = 'name="Andra verifieringen, ny version"'

# A small process that deploys as it stands; each case in REFUSED breaks one part of it.
TINY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="tiny-definitions" targetNamespace="https://sithsflow.example/test">
  <bpmn:process id="tiny" name="Tiny" isExecutable="true">
    <bpmn:laneSet id="tiny-lanes">
      <bpmn:lane id="lane_desk" name="service_desk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>work</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>nudge</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>nudged</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Arbeta">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="rules" value="R15" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="nudge" cancelActivity="false" attachedToRef="work">
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition id="nudge_timer"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="nudged"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:scriptTask id="note" name="Anteckna">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>noted = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="note" />
    <bpmn:sequenceFlow id="f3" sourceRef="note" targetRef="done" />
    <bpmn:sequenceFlow id="f4" sourceRef="nudge" targetRef="nudged" />
  </bpmn:process>
</bpmn:definitions>
"""

REFUSED = {
    "a user task in an unknown lane": ('name="service_desk"', 'name="janitor"', "janitor"),
    "an unknown action": (
        'name="rules" value="R15"',
        'name="action" value="launch_rocket"',
        "launch_rocket",
    ),
    "a cycle timer": (
        '<bpmn:timeDuration>"P1D"</bpmn:timeDuration>',
        '<bpmn:timeCycle>"R3/P1D"</bpmn:timeCycle>',
        "[Cc]ycle",
    ),
    "a script that imports os": ("noted = True", "import os\nnoted = os.getcwd()", "import"),
    "malformed XML": ("</bpmn:definitions>", "", "not well-formed XML"),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def tiny(tmp_path: Path, text: str = "") -> list[Path]:
    """The tiny process with its two forms (start and work)."""
    return [
        write(tmp_path, "tiny.bpmn", text or TINY),
        write_form(tmp_path, "tiny", "start"),
        write_form(tmp_path, "tiny", "work"),
    ]


def bundled() -> list[Path]:
    return sorted(PROCESSES_DIR.glob("*.bpmn")) + sorted(PROCESSES_DIR.glob("*.dmn"))


def changed_loa3(tmp_path: Path) -> Path:
    source = (PROCESSES_DIR / "loa3-reserve.bpmn").read_text(encoding="utf-8")
    assert SECOND_TASK_NAME in source
    return write(tmp_path, "loa3-reserve.bpmn", source.replace(SECOND_TASK_NAME, RENAMED_TASK_NAME))


def versions(flows: Flows) -> dict[str, int]:
    """The active version of each process (a deploy makes its new version active)."""
    return {p.id: p.active_version for p in process_versions.list_processes(flows.runtime)}


def process_versions_in(history: list[dict[str, object]]) -> set[object]:
    return {event["process_version"] for event in history if event["process_version"]}


def task_titles(flows: Flows, case_id: int) -> list[object]:
    return [task["title"] for task in flows.case(case_id)["tasks"]]


def test_r23_changed_process_becomes_version_2_and_running_cases_stay_on_version_1(
    flows: Flows, tmp_path: Path
) -> None:
    running = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    assert running.version == 1
    deployed = deploy_files(flows.runtime, flows.clock, [changed_loa3(tmp_path)], actor="petra")
    assert [(d.id, d.version, d.new) for d in deployed] == [("loa3-reserve", 2, True)]
    assert versions(flows)["loa3-reserve"] == 2

    done = flows.at("2026-11-25 10:00").complete(
        running.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-25",
    )
    assert (done.state, done.version) == ("completed", 1)
    shown = flows.case(running.id)
    assert shown["version"] == 1
    assert process_versions_in(shown["history"]) == {"loa3-reserve@1"}
    assert "Andra verifieringen, ny version" not in task_titles(flows, running.id)

    new = flows.start_loa3("anna", holder="frida")
    assert new.version == 2
    assert process_versions_in(flows.case(new.id)["history"]) == {"loa3-reserve@2"}
    assert task_titles(flows, new.id) == ["Andra verifieringen, ny version"]


def test_r23_deploying_identical_files_changes_nothing(flows: Flows, tmp_path: Path) -> None:
    before = flows.row_counts()
    deployed = deploy_files(flows.runtime, flows.clock, bundled(), actor="petra")
    assert deployed and not any(d.new for d in deployed)
    assert flows.row_counts() == before
    first = deploy_files(flows.runtime, flows.clock, [changed_loa3(tmp_path)], actor="petra")
    again = deploy_files(flows.runtime, flows.clock, [changed_loa3(tmp_path)], actor="petra")
    assert [(d.version, d.new) for d in first] == [(2, True)]
    assert [(d.version, d.new) for d in again] == [(2, False)]
    assert versions(flows)["loa3-reserve"] == 2


def test_r23_the_tiny_test_process_deploys_as_it_stands(flows: Flows, tmp_path: Path) -> None:
    # Guards the refusals below: each differs from this accepted file in one part only.
    deployed = deploy_files(flows.runtime, flows.clock, tiny(tmp_path), actor="petra")
    assert [(d.id, d.version, d.new) for d in deployed] == [("tiny", 1, True)]


@pytest.mark.parametrize("flaw", list(REFUSED))
def test_r23_deploy_refuses_a_flawed_process_and_stores_nothing(
    flows: Flows, tmp_path: Path, flaw: str
) -> None:
    old, new, message = REFUSED[flaw]
    assert old in TINY
    broken = TINY.replace(old, new)
    before = {t: n for t, n in flows.row_counts().items() if t != "audit_events"}
    # Deployed together with a valid change, so "nothing stored" covers the good file too.
    paths = [*tiny(tmp_path, broken), changed_loa3(tmp_path)]
    with pytest.raises(Invalid, match=message):
        deploy_files(flows.runtime, flows.clock, paths, actor="petra")
    assert {t: n for t, n in flows.row_counts().items() if t != "audit_events"} == before
    assert "tiny" not in versions(flows)
    assert versions(flows)["loa3-reserve"] == 1
    assert audit_actions(flows)[-1] == "refused:deploy"


def audit_actions(flows: Flows) -> list[str]:
    with flows.runtime.database.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_r11_new_validity_limits_version_is_used_for_the_next_issue(
    flows: Flows, tmp_path: Path
) -> None:
    earlier = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(
        earlier.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07"
    )
    source = (PROCESSES_DIR / "validity-limits.dmn").read_text(encoding="utf-8")
    fourteen = '<outputEntry id="r2_days"><text>14</text></outputEntry>'
    assert fourteen in source
    ten_days = source.replace(fourteen, fourteen.replace("14", "10"))
    deployed = deploy_files(
        flows.runtime, flows.clock, [write(tmp_path, "validity-limits.dmn", ten_days)], "petra"
    )
    assert [(d.id, d.version, d.kind) for d in deployed] == [("validity-limits", 2, "decision")]

    case = flows.order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted, match=r"10 (dagar|days)") as refused:
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-04"
        )
    assert refused.value.rule == "R11"
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-03")
    assert (
        queries.show_card(flows.runtime, "RK000002")["valid_until"] == "2026-12-03T15:01:00+01:00"
    )

    def policy_of(case_id: int) -> str:
        history = flows.case(case_id)["history"]
        return next(
            str(e["policy_version"])
            for e in history
            if e["task"] == "issue_loa2" and e["action"] == "complete"
        )

    assert "validity-limits@1" in policy_of(earlier.id)
    assert "validity-limits@2" in policy_of(case.id)
