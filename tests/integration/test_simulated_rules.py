"""Each rule a simulated run decides (issue 13): rule ID, inputs and outcome, per element.

The simulation judges a draft's steps by the engine's own checks on the simulated clock
and by the draft's decision tables, so a process owner sees which rule lets a case on,
or stops it, before anything is deployed.
"""

from __future__ import annotations

import pytest

from engine.errors import Invalid
from engine.services import drafts
from engine.services import simulation
from engine.services.rule_decisions import RuleDecision
from tests.support.flows import Flows
from tests.support.flows import local

LOA2 = "loa2-remote-order"
LOA3 = "loa3-reserve"
ACCEPTS_LOA2 = {"organisation": "hemtjanst-demo"}  # R14: its own systems accept LoA2
# A business rule task after the issue that asks the renewal-reminder table.
RULE_TASK = """    <bpmn:businessRuleTask id="lead_time" name="Påminnelsens framförhållning">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>renewal-reminder</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_issue_lead</bpmn:incoming>
      <bpmn:outgoing>flow_issue_join</bpmn:outgoing>
    </bpmn:businessRuleTask>
"""
LEAD_ROW = (
    '<inputEntry id="r1_loa"><text>2</text></inputEntry>\n'
    '        <outputEntry id="r1_days"><text>3</text></outputEntry>'
)


def _with_rule_task(bpmn: str) -> str:
    """loa2-remote-order with `lead_time` between the issue and the renewal cycle."""
    issue_to_join = (
        '<bpmn:sequenceFlow id="flow_issue_join" sourceRef="issue_loa2" targetRef="join_cycle" />'
    )
    assert issue_to_join in bpmn
    bpmn = bpmn.replace(
        "<bpmn:outgoing>flow_issue_join</bpmn:outgoing>",
        "<bpmn:outgoing>flow_issue_lead</bpmn:outgoing>",
        1,
    )
    bpmn = bpmn.replace(
        issue_to_join,
        '<bpmn:sequenceFlow id="flow_issue_lead" sourceRef="issue_loa2" targetRef="lead_time" />'
        '<bpmn:sequenceFlow id="flow_issue_join" sourceRef="lead_time" targetRef="join_cycle" />',
    )
    bpmn = bpmn.replace(
        '    <bpmn:exclusiveGateway id="join_cycle"',
        RULE_TASK + '    <bpmn:exclusiveGateway id="join_cycle"',
    )
    return bpmn.replace(
        "<bpmn:flowNodeRef>issue_loa2</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>issue_loa2</bpmn:flowNodeRef><bpmn:flowNodeRef>lead_time</bpmn:flowNodeRef>",
    )


def _simulate(
    flows: Flows, process: str, at: str, data: dict[str, object]
) -> simulation.Simulation:
    return simulation.simulate_draft(
        flows.runtime,
        flows.clock,
        process,
        "petra",
        start_at=local(at),
        workers_act=True,
        data=data,
    )


def _first(run: simulation.Simulation, element: str, rule: str) -> RuleDecision:
    return next(d for d in run.decisions if d.element == element and d.rule == rule)


def test_r12_r15_julafton_start_records_each_rule_with_its_inputs_and_outcome(
    flows: Flows,
) -> None:
    run = _simulate(flows, LOA2, "2026-12-24 10:00", ACCEPTS_LOA2)

    ordered = _first(run, "start", "R15")
    assert ordered.passed and ordered.outcome_en == "Ordered by form; the service desk issues"
    r12 = _first(run, "issue_loa2", "R12")
    assert r12.passed
    assert dict(r12.inputs) == {
        "local_time": "2026-12-24 10:00",
        "holiday_free_weekday": "nej (Julafton) / no (Julafton)",
    }
    assert r12.outcome_en == "Outside office hours"
    assert _first(run, "issue_loa2", "R5").passed  # the service desk's lane may issue LoA2
    table = _first(run, "issue_loa2", "R11")
    assert table.table == "validity-limits (utkast) / validity-limits (draft)"
    assert dict(table.inputs) == {"loa": "2", "issued_on": "2026-12-24"}
    assert table.outcome_en == "At most 14 days"
    reminder = _first(run, "issue_loa2", "R18")
    assert reminder.table == "renewal-reminder (utkast) / renewal-reminder (draft)"
    assert reminder.outcome_en.startswith("Reminder 3 days before expiry: 2027-01-04 10:00")
    assert not any(not d.passed for d in run.decisions)
    assert ("task", "issue_loa2") in [(s.kind, s.element) for s in run.steps]


def test_r12_weekday_at_ten_refuses_loa2_and_the_simulated_case_waits_there(
    flows: Flows,
) -> None:
    run = _simulate(flows, LOA2, "2026-12-01 10:00", ACCEPTS_LOA2)

    refusal = _first(run, "issue_loa2", "R12")
    assert not refusal.passed
    assert "Next allowed time" in refusal.outcome_en
    assert refusal.outcome_sv.startswith("LoA2 får bara utfärdas eller förnyas utanför kontorstid")
    assert [(s.kind, s.element) for s in run.steps][-1] == ("refused", "issue_loa2")
    assert not run.ended


def test_r14_without_the_organisations_acceptance_no_loa2_is_issued_after_2026_06_30(
    flows: Flows,
) -> None:
    run = _simulate(flows, LOA2, "2026-12-24 10:00", {})

    refusal = _first(run, "issue_loa2", "R14")
    assert not refusal.passed
    assert dict(refusal.inputs)["organisation_accepts_loa2_after_2026_06_30"].endswith(
        "default: no"
    )


def test_drafts_reminder_lead_time_decides_the_simulated_reminder(flows: Flows) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra").files
    lead = '<inputEntry id="r1_loa"><text>2</text></inputEntry>\n        <outputEntry id="r1_days"><text>3</text></outputEntry>'
    assert lead in files["renewal-reminder.dmn"]
    files["renewal-reminder.dmn"] = files["renewal-reminder.dmn"].replace(
        lead, lead.replace("<text>3</text></outputEntry>", "<text>5</text></outputEntry>")
    )
    drafts.save_draft(flows.runtime, flows.clock, LOA2, "petra", files)

    run = _simulate(flows, LOA2, "2026-12-24 10:00", ACCEPTS_LOA2)

    reminder = _first(run, "issue_loa2", "R18")
    assert reminder.outcome_en.startswith("Reminder 5 days before expiry: 2027-01-02 10:00")
    # S6: before a deploy could bring the draft's table in, the table then in force judges.
    past = _simulate(flows, LOA2, "2025-11-20 16:00", ACCEPTS_LOA2)
    judged_then = _first(past, "issue_loa2", "R18")
    assert judged_then.table == "renewal-reminder@1"
    assert judged_then.outcome_en.startswith("Reminder 3 days before expiry")
    assert _first(past, "issue_loa2", "R13").outcome_en.startswith("Valid until 2025-12-01 00:00")


def test_r9_julafton_renewal_waits_for_the_service_desks_opening_by_the_calendar(
    flows: Flows,
) -> None:
    run = _simulate(flows, "loa3-renewal", "2026-12-24 10:00", {})

    assert _first(run, "start", "R5").passed  # loa3_renewer: LoA3 admins or the service desk
    opening = _first(run, "start", "R9")
    assert opening.outcome_en == "The service desk renews from 2026-12-28 07:30"
    assert [(s.kind, s.element, s.at) for s in run.steps][:3] == [
        ("start", "start", local("2026-12-24 10:00")),
        ("timer", "wait_for_opening", local("2026-12-28 07:30")),
        ("task", "renew_loa3", local("2026-12-28 07:30")),
    ]
    assert _first(run, "renew_loa3", "R9").outcome_en == "The service desk is open"


def test_r6_r7_r9_loa3_issue_records_two_admins_the_deadline_and_the_six_month_ceiling(
    flows: Flows,
) -> None:
    run = _simulate(flows, LOA3, "2026-12-24 10:00", {"holder": "ivan"})

    assert _first(run, "start", "R6").outcome_en.startswith("First identity verification")
    assert _first(run, "second_verification", "R7").passed
    assert dict(_first(run, "second_verification", "R7").inputs) == {"deadline_timer": "5 d"}
    assert _first(run, "second_verification", "R6").passed
    ceiling = [d for d in run.decisions if d.rule == "R9" and d.table is None]
    assert ceiling and ceiling[0].outcome_en.startswith("Valid until 2027-06-24 10:00")


PROCESSES = (
    "employment-end",
    "forgotten-card",
    "loa2-onsite",
    LOA2,
    "loa3-renewal",
    LOA3,
    "ordinary-card",
)


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("at", ["2026-12-24 10:00", "2026-12-01 10:00", "2025-11-20 16:00"])
def test_every_bundled_process_simulates_with_each_decision_named_and_said_in_both_languages(
    flows: Flows, process: str, at: str
) -> None:
    run = _simulate(flows, process, at, ACCEPTS_LOA2)

    assert run.steps
    for decision in run.decisions:
        assert decision.rule and decision.outcome_sv and decision.outcome_en
        assert decision.element in {s.element for s in run.steps}
    refused = [d for d in run.decisions if not d.passed]
    assert bool(refused) == (run.steps[-1].kind == simulation.REFUSED)


def test_a_scenario_naming_an_unknown_organisation_is_refused(flows: Flows) -> None:
    with pytest.raises(Invalid):
        _simulate(flows, LOA2, "2026-12-24 10:00", {"organisation": "nowhere"})


def test_r18_a_business_rule_task_of_the_draft_records_its_tables_inputs_and_result(
    flows: Flows,
) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra").files
    files[f"{LOA2}.bpmn"] = _with_rule_task(files[f"{LOA2}.bpmn"])
    files["renewal-reminder.dmn"] = files["renewal-reminder.dmn"].replace(
        LEAD_ROW, LEAD_ROW.replace("<text>3</text></outputEntry>", "<text>5</text></outputEntry>")
    )
    drafts.save_draft(flows.runtime, flows.clock, LOA2, "petra", files)

    run = _simulate(flows, LOA2, "2026-12-24 10:00", ACCEPTS_LOA2)

    decided = _first(run, "lead_time", "R18")
    assert decided.table == "renewal-reminder (utkast) / renewal-reminder (draft)"
    assert dict(decided.inputs) == {"loa": "2"}
    assert (decided.outcome_sv, decided.outcome_en) == (
        "Resultat: lead_days = 5",
        "Result: lead_days = 5",
    )
    assert [d.element for d in run.decisions].count("lead_time") == 1
