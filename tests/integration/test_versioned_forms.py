"""Forms are deployed with their process: a case renders and validates the forms of its own
version, a new version may bring new or changed forms, and a task without a form (in the
bundle or in the active version) is refused at deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.forms import FormInvalid
from engine.problems import ModelRejected
from engine.services.deploy import FORMS_DIR
from engine.services.deploy import deploy_files
from engine.services.deploy.versions import version_forms
from engine.services.worklist import task_to_work
from tests.support.bundles import bundled_source
from tests.support.bundles import write
from tests.support.bundles import write_form
from tests.support.flows import Flows

NOTE = {
    "type": "string",
    "maxLength": 200,
    "title": "Anteckning",
    "x-title-en": "Note",
    "x-help-sv": "Frivillig anteckning.",
    "x-help-en": "Optional note.",
}


def second_form_with_note(tmp_path: Path) -> Path:
    schema = json.loads((FORMS_DIR / "loa3-reserve.second_verification.json").read_text("utf-8"))
    schema["properties"]["note"] = NOTE
    return write(tmp_path, "loa3-reserve.second_verification.json", json.dumps(schema))


def fields(note: bool = False) -> dict[str, str]:
    values = {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-05-23"}
    if note:
        values["note"] = "Andra stationen i Kungsbacka"
    return values


def test_r23_a_form_only_change_is_a_new_version_and_each_case_uses_its_own_form(
    flows: Flows, tmp_path: Path
) -> None:
    old = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    bpmn = write(tmp_path, "loa3-reserve.bpmn", bundled_source("loa3-reserve.bpmn"))
    deployed = deploy_files(
        flows.runtime, flows.clock, [bpmn, second_form_with_note(tmp_path)], "petra"
    )
    assert [(d.id, d.version, d.new) for d in deployed] == [("loa3-reserve", 2, True)]
    new = flows.start_loa3("anna", holder="frida")
    assert (old.version, new.version) == (1, 2)

    old_task = flows.task_id(old.id, "second_verification")
    opened = task_to_work(flows.runtime, flows.clock, old_task, "bertil")
    form = opened.forms.get("loa3-reserve", "second_verification")
    assert form is not None and "note" not in form.field_names()
    with pytest.raises(FormInvalid, match="note"):
        flows.complete(old.id, "second_verification", "bertil", **fields(note=True))

    new_forms = version_forms(flows.runtime, "loa3-reserve", 2)
    new_form = new_forms.get("loa3-reserve", "second_verification")
    assert new_form is not None and "note" in new_form.field_names()
    done = flows.complete(new.id, "second_verification", "bertil", **fields(note=True))
    assert done.state == "completed"
    assert flows.case(new.id)["data"]["note"] == "Andra stationen i Kungsbacka"
    # The start form of a version kept: v2 has it from v1, though the bundle did not carry it.
    assert version_forms(flows.runtime, "loa3-reserve").get("loa3-reserve", "start") is not None


def test_r23_a_new_task_without_a_form_is_refused_naming_the_task(
    flows: Flows, tmp_path: Path
) -> None:
    source = bundled_source("loa3-reserve.bpmn").replace(
        'id="second_verification"', 'id="second_check"'
    )
    source = source.replace('attachedToRef="second_verification"', 'attachedToRef="second_check"')
    source = source.replace(
        "<bpmn:flowNodeRef>second_verification<", "<bpmn:flowNodeRef>second_check<"
    )
    source = source.replace('targetRef="second_verification"', 'targetRef="second_check"')
    source = source.replace('sourceRef="second_verification"', 'sourceRef="second_check"')
    path = write(tmp_path, "loa3-reserve.bpmn", source)
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refused:
        deploy_files(flows.runtime, flows.clock, [path], "petra")
    missing = [p for p in refused.value.problems if p.element == "second_check"]
    assert missing and "second_check.json" in missing[0].message
    assert flows.rows_but_audit() == before


def test_r23_an_invalid_form_is_refused_with_its_file_named(flows: Flows, tmp_path: Path) -> None:
    broken = write(tmp_path, "loa3-reserve.second_verification.json", '{"type": "object"}')
    unreadable = write(tmp_path, "loa3-reserve.start.json", "{not json")
    with pytest.raises(ModelRejected) as refused:
        deploy_files(flows.runtime, flows.clock, [broken, unreadable], "petra")
    files = {p.file for p in refused.value.problems}
    assert files == {"loa3-reserve.second_verification.json", "loa3-reserve.start.json"}


NEW_TASK = """    <bpmn:userTask id="register_handover" name="Registrera överlämnat kort">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="rules" value="R2" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_second_handover</bpmn:incoming>
      <bpmn:outgoing>flow_handover_issued</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_second_handover" sourceRef="second_verification" targetRef="register_handover" />
    <bpmn:sequenceFlow id="flow_handover_issued" sourceRef="register_handover" targetRef="issued" />
"""


def with_handover_task(source: str) -> str:
    """loa3-reserve with a new service-desk task after the issuance."""
    old_flow = (
        '<bpmn:sequenceFlow id="flow_second_issued" sourceRef="second_verification" '
        'targetRef="issued" />\n'
    )
    assert old_flow in source
    changed = source.replace(old_flow, NEW_TASK)
    changed = changed.replace(
        "<bpmn:outgoing>flow_second_issued</bpmn:outgoing>",
        "<bpmn:outgoing>flow_second_handover</bpmn:outgoing>",
    )
    changed = changed.replace(
        "<bpmn:incoming>flow_second_issued</bpmn:incoming>",
        "<bpmn:incoming>flow_handover_issued</bpmn:incoming>",
    )
    changed = changed.replace(
        '<bpmndi:BPMNEdge id="flow_second_issued_di" bpmnElement="flow_second_issued">',
        '<bpmndi:BPMNEdge id="flow_second_issued_di" bpmnElement="flow_second_handover">',
    )
    return changed.replace(
        "    </bpmn:laneSet>",
        '      <bpmn:lane id="lane_service_desk" name="service_desk">\n'
        "        <bpmn:flowNodeRef>register_handover</bpmn:flowNodeRef>\n"
        "      </bpmn:lane>\n    </bpmn:laneSet>",
    )


def test_r23_petra_adds_a_task_with_its_form_and_only_new_cases_get_it(
    flows: Flows, tmp_path: Path
) -> None:
    old = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    bpmn = write(
        tmp_path, "loa3-reserve.bpmn", with_handover_task(bundled_source("loa3-reserve.bpmn"))
    )
    form = write_form(tmp_path, "loa3-reserve", "register_handover", "note")
    with pytest.raises(ModelRejected) as refused:
        deploy_files(flows.runtime, flows.clock, [bpmn], "petra")
    assert any(p.element == "register_handover" for p in refused.value.problems)

    deployed = deploy_files(flows.runtime, flows.clock, [bpmn, form], "petra")
    assert [(d.id, d.version) for d in deployed] == [("loa3-reserve", 2)]
    new = flows.start_loa3("anna", holder="frida")
    assert flows.complete(old.id, "second_verification", "bertil", **fields()).state == (
        "completed"
    )
    second = {**fields(), "card_number": "RK000002"}
    assert flows.complete(new.id, "second_verification", "bertil", **second).state == "open"
    done = flows.complete(new.id, "register_handover", "sara", note="Överlämnat i Kungsbacka")
    assert done.state == "completed"
    assert flows.case(new.id)["data"]["note"] == "Överlämnat i Kungsbacka"
