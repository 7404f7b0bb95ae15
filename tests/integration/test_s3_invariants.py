"""S3: the rules hold whatever the model says, at run time.

Each test stores a changed process or decision version directly (as if a deploy had let
it through), starts cases on it and shows the engine refusing: a LoA2 lane (R5), no or a
misspelled four-eyes property or a script forging the first administrator (R6), a
missing or impossible LoA (S3, R1), a DMN row lifting a validity ceiling (R9, R11).
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import Person
from engine.services.cases import CaseSummary
from engine.services.queries import show_card
from tests.support.flows import Flows
from tests.support.versions import changed
from tests.support.versions import store_decision
from tests.support.versions import store_process

LOA3 = "loa3-reserve.bpmn"
LOA2 = "loa2-remote-order.bpmn"
START = "2026-11-23 10:00"
SECOND = "2026-11-25 10:00"
LOA2_AT = "2026-11-23 15:01"

FOUR_EYES = '<spiffworkflow:property name="four_eyes" value="start" />'
LOA3_PROPERTY = '<spiffworkflow:property name="loa" value="3" />'
SECOND_IN_LOA3_LANE = "<bpmn:flowNodeRef>second_verification</bpmn:flowNodeRef>"
LOA3_LANE_END = """        <bpmn:flowNodeRef>lapsed</bpmn:flowNodeRef>
      </bpmn:lane>"""
SECOND_IN_LOA2_LANE = (
    LOA3_LANE_END
    + """
      <bpmn:lane id="lane_loa2_admin" name="loa2_admin">
        <bpmn:flowNodeRef>second_verification</bpmn:flowNodeRef>
      </bpmn:lane>"""
)
# A script between the verifications that writes another first administrator into the data.
FORGED_FIRST_ADMIN = [
    (
        '<bpmn:sequenceFlow id="flow_start_second" sourceRef="start" '
        'targetRef="second_verification" />',
        '<bpmn:sequenceFlow id="flow_start_second" sourceRef="start" targetRef="forge" />\n'
        '    <bpmn:sequenceFlow id="flow_forge_second" sourceRef="forge" '
        'targetRef="second_verification" />\n'
        '    <bpmn:scriptTask id="forge" name="Forge">'
        "<bpmn:incoming>flow_start_second</bpmn:incoming>"
        "<bpmn:outgoing>flow_forge_second</bpmn:outgoing>"
        '<bpmn:script>first_admin = "bertil"</bpmn:script></bpmn:scriptTask>',
    ),
    (
        "<bpmn:incoming>flow_start_second</bpmn:incoming>\n      <bpmn:outgoing>"
        "flow_second_issued</bpmn:outgoing>",
        "<bpmn:incoming>flow_forge_second</bpmn:incoming>\n      <bpmn:outgoing>"
        "flow_second_issued</bpmn:outgoing>",
    ),
    (FOUR_EYES, ""),
]
ISSUE_LOA2_PROPERTIES = (
    '<spiffworkflow:property name="action" value="issue_reserve_card" />\n'
    '          <spiffworkflow:property name="loa" value="2" />'
)


def _second(flows: Flows, case_id: int, user: str, **fields: Any) -> CaseSummary:
    fields.setdefault("id_document", "passport")
    fields.setdefault("card_number", "RK000001")
    fields.setdefault("valid_until", "2027-05-23")
    return flows.complete(case_id, "second_verification", user, **fields)


def _refused(flows: Flows, attempt: Any) -> DomainError:
    """Run `attempt`, which must be refused, and show that it changed nothing but the audit."""
    before = flows.rows_but_audit()
    with pytest.raises(DomainError) as refused:
        attempt()
    assert flows.rows_but_audit() == before
    return refused.value


# --- R5: the role for the action and LoA, whatever the lane says ----------------------


def test_r5_loa2_admin_in_a_loa2_lane_cannot_issue_loa3(flows: Flows) -> None:
    store_process(
        flows, changed(LOA3, (SECOND_IN_LOA3_LANE, ""), (LOA3_LANE_END, SECOND_IN_LOA2_LANE))
    )
    case = flows.at(START).start_loa3("anna", holder="frida")
    assert case.version == 2
    flows.at(SECOND)
    refusal = _refused(flows, lambda: _second(flows, case.id, "cecilia"))
    assert isinstance(refusal, NotPermitted)
    assert refusal.rule == "R5"
    assert "LoA3" in refusal.message and "cecilia" in refusal.message
    assert show_card(flows.runtime, "RK000001")["state"] == "in_stock"
    # A LoA3 administrator holds the LoA2 lane's role too, and issues as the rules allow.
    assert _second(flows, case.id, "bertil").state == "completed"


def test_r5_loa2_admin_cannot_make_the_first_loa3_verification_in_a_loa2_lane(
    flows: Flows,
) -> None:
    store_process(flows, changed(LOA3, ('name="loa3_admin"', 'name="loa2_admin"')))
    flows.at(START)
    refusal = _refused(flows, lambda: flows.start_loa3("cecilia", holder="frida"))
    assert isinstance(refusal, NotPermitted)
    assert refusal.rule == "R5"


def test_r5_remote_admin_only_orders_even_when_the_issue_task_is_in_his_lane(
    flows: Flows,
) -> None:
    store_process(
        flows,
        changed(
            LOA2,
            ("<bpmn:flowNodeRef>issue_loa2</bpmn:flowNodeRef>", ""),
            (
                "<bpmn:flowNodeRef>request_renewal</bpmn:flowNodeRef>",
                "<bpmn:flowNodeRef>request_renewal</bpmn:flowNodeRef>\n"
                "        <bpmn:flowNodeRef>issue_loa2</bpmn:flowNodeRef>",
            ),
        ),
    )
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    fields = {"card_number": "RK000001", "valid_until": "2026-12-07"}
    refusal = _refused(flows, lambda: flows.complete(case.id, "issue_loa2", "david", **fields))
    assert isinstance(refusal, NotPermitted)
    assert refusal.rule == "R5"


@pytest.mark.parametrize("at_a_station", [True, False])
def test_r5_loa2_admin_issues_loa2_at_a_card_station_only(flows: Flows, at_a_station: bool) -> None:
    store_process(flows, changed(LOA2, ('name="service_desk"', 'name="loa2_admin"')))
    if not at_a_station:
        with flows.runtime.database.sessions() as session:
            cecilia = session.scalars(select(Person).where(Person.username == "cecilia")).one()
            for right in cecilia.rights:
                right.station_id = None
            session.commit()
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    fields = {"card_number": "RK000001", "valid_until": "2026-12-07"}
    if at_a_station:
        flows.complete(case.id, "issue_loa2", "cecilia", **fields)
        assert show_card(flows.runtime, "RK000001")["loa"] == 2
        return
    refusal = _refused(flows, lambda: flows.complete(case.id, "issue_loa2", "cecilia", **fields))
    assert (refusal.rule, "kortstation" in refusal.message) == ("R5", True)


def test_r1_a_loa2_order_cannot_be_issued_at_loa3_by_a_changed_property(flows: Flows) -> None:
    store_process(
        flows, changed(LOA2, (ISSUE_LOA2_PROPERTIES, ISSUE_LOA2_PROPERTIES.replace('"2"', '"3"')))
    )
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    fields = {"card_number": "RK000001", "valid_until": "2026-12-07"}
    refusal = _refused(flows, lambda: flows.complete(case.id, "issue_loa2", "sara", **fields))
    assert refusal.rule == "R1"


# --- R6: two different LoA3 administrators, whatever the properties and scripts say ---


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param([(FOUR_EYES, "")], id="no-four-eyes"),
        pytest.param([(FOUR_EYES, FOUR_EYES.replace("four_eyes", "four_eye"))], id="four_eye"),
        pytest.param(FORGED_FIRST_ADMIN, id="script-forges-first-admin"),
    ],
)
def test_r6_first_admin_cannot_make_the_second_verification_whatever_the_model_says(
    flows: Flows, edits: list[tuple[str, str]]
) -> None:
    store_process(flows, changed(LOA3, *edits))
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    assert "second_verification" not in flows.task_names("anna")  # the queue keeps her out
    assert "second_verification" in flows.task_names("bertil")
    refusal = _refused(flows, lambda: _second(flows, case.id, "anna"))
    assert isinstance(refusal, NotPermitted)
    assert refusal.rule == "R6"
    assert _second(flows, case.id, "bertil").state == "completed"
    certificate = show_card(flows.runtime, "RK000001")["certificates"][0]
    assert (certificate["first_admin"], certificate["issued_by"]) == ("anna", "bertil")


def _without_deadline() -> str:
    """loa3-reserve with its R7 boundary timer (and the flow to `lapsed`) taken out."""
    source = changed(
        LOA3,
        ("<bpmn:flowNodeRef>deadline</bpmn:flowNodeRef>", ""),
        ("      <bpmn:incoming>flow_deadline_lapsed</bpmn:incoming>\n", ""),
        (
            '    <bpmn:sequenceFlow id="flow_deadline_lapsed" sourceRef="deadline" '
            'targetRef="lapsed" />\n',
            "",
        ),
    )
    for pattern in (
        r'    <bpmn:boundaryEvent id="deadline".*?</bpmn:boundaryEvent>\n',
        r'<bpmndi:BPMNShape id="deadline_di".*?</bpmndi:BPMNShape>',
        r'<bpmndi:BPMNEdge id="flow_deadline_lapsed_di".*?</bpmndi:BPMNEdge>',
    ):
        source = re.sub(pattern, "", source, flags=re.S)
    return source


def test_r7_loa3_is_not_issued_on_a_version_without_a_deadline(flows: Flows) -> None:
    store_process(flows, _without_deadline())
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at("2026-12-20 10:00")  # weeks later: nothing would ever lapse the case
    refusal = _refused(flows, lambda: _second(flows, case.id, "bertil"))
    assert (refusal.rule, "tidsfrist" in refusal.message) == ("R7", True)


# --- S3: the LoA of an issuance never defaults -----------------------------------------


@pytest.mark.parametrize(
    ("loa_property", "rule", "words"),
    [
        pytest.param("", "S3", "loa", id="missing"),
        pytest.param(LOA3_PROPERTY.replace('"3"', '"4"'), "R1", "LoA2 och LoA3", id="loa4"),
        pytest.param(LOA3_PROPERTY.replace('"3"', '"tre"'), "R1", "LoA2 och LoA3", id="text"),
    ],
)
def test_s3_issuance_without_a_valid_loa_is_refused_not_defaulted(
    flows: Flows, loa_property: str, rule: str, words: str
) -> None:
    store_process(flows, changed(LOA3, (LOA3_PROPERTY, loa_property)))
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    refusal = _refused(flows, lambda: _second(flows, case.id, "bertil"))
    assert isinstance(refusal, Invalid)
    assert (refusal.rule, words in refusal.message) == (rule, True)
    assert show_card(flows.runtime, "RK000001")["state"] == "in_stock"


# --- R9, R11: a DMN row may lower a validity ceiling, never lift it ---------------------

LOA2_14_DAYS = '<outputEntry id="r2_days"><text>14</text></outputEntry>'
LOA3_6_MONTHS = '<outputEntry id="r3_months"><text>6</text></outputEntry>'
IN_FORCE_LONG_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)


def _limits(flows: Flows, *edits: tuple[str, str]) -> None:
    store_decision(
        flows, "validity-limits", changed("validity-limits.dmn", *edits), IN_FORCE_LONG_BEFORE
    )


def test_r11_a_dmn_row_of_30_days_for_loa2_is_capped_at_14(flows: Flows) -> None:
    _limits(flows, (LOA2_14_DAYS, LOA2_14_DAYS.replace("14", "30")))
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    fields = {"card_number": "RK000001"}
    refusal = _refused(
        flows,
        lambda: flows.complete(case.id, "issue_loa2", "sara", valid_until="2026-12-20", **fields),
    )
    assert refusal.rule == "R11"
    assert "14 dagar" in refusal.message
    flows.complete(case.id, "issue_loa2", "sara", valid_until="2026-12-07", **fields)
    assert show_card(flows.runtime, "RK000001")["valid_until"] == "2026-12-07T15:01:00+01:00"
    told = [(h["rule"], h["message"]) for h in flows.case(case.id)["history"]]
    assert (
        "R11",
        "Beslutstabellen tillät 30 dagar; regeln tillåter högst 14 dagar (R11, S3) / "
        "The decision table allowed 30 days; the rule allows at most 14 days (R11, S3)",
    ) in told


def test_r11_a_dmn_row_may_lower_the_loa2_limit(flows: Flows) -> None:
    _limits(flows, (LOA2_14_DAYS, LOA2_14_DAYS.replace("14", "7")))
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    refusal = _refused(
        flows,
        lambda: flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07"
        ),
    )
    assert (refusal.rule, "7 dagar" in refusal.message) == ("R11", True)


def test_s3_a_dmn_row_without_a_usable_limit_is_refused_not_a_crash(flows: Flows) -> None:
    _limits(flows, (LOA2_14_DAYS, LOA2_14_DAYS.replace("14", "None")))
    case = flows.at(LOA2_AT).order_loa2("david", holder="erik")
    refusal = _refused(
        flows,
        lambda: flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07"
        ),
    )
    assert (type(refusal), refusal.rule) == (Invalid, "S3")


def test_r9_a_dmn_row_of_12_months_for_loa3_is_capped_at_6(flows: Flows) -> None:
    _limits(flows, (LOA3_6_MONTHS, LOA3_6_MONTHS.replace("6", "12")))
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    refusal = _refused(flows, lambda: _second(flows, case.id, "bertil", valid_until="2027-08-25"))
    assert (refusal.rule, "6 månader" in refusal.message) == ("R9", True)
    assert _second(flows, case.id, "bertil", valid_until="2027-05-25").state == "completed"
