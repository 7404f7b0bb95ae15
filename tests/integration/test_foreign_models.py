"""Models from other modelers (Camunda, SpiffArena, bpmn.io) and broken files are refused at
deploy with every problem named, in Swedish and English, and never with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.problems import ModelRejected
from engine.problems import Problem
from engine.services.deploy import deploy_files
from tests.integration.test_deploy import TINY
from tests.integration.test_deploy import tiny
from tests.support.bundles import write
from tests.support.flows import Flows

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"

# file -> (element, words the problem uses) that must be among the problems
EXPECTED = {
    "camunda-order.bpmn": [
        ("StartEvent_1", "only plain (none) start events"),
        ("Task_review", "camunda:formKey"),
        ("Task_review", "camunda:assignee"),
        ("Task_notify", "external tasks are not supported"),
        ("Timer_nightly", "cycle (cron) timers are not supported"),
        ("Lane_clerk", "'clerk' is not a sithsflow role"),
    ],
    "spiffarena-intake.bpmn": [
        ("Task_form", "formJsonSchemaFilename"),
        ("Task_form", "spiffarena-intake.Task_form.json"),
        ("Script_log", "print()"),
        ("Wait_second", "'PT1S' is not supported"),
        ("Task_manual", "manual tasks are not supported"),
        ("Lane_initiator", "'Process Initiator' is not a sithsflow role"),
    ],
    "collaboration-pingpong.bpmn": [
        ("ping, pong", "Several executable pools"),
        ("Throw_ping", "message events are not supported"),
        ("Catch_ping", "message events are not supported"),
        ("Gateway_wait", "event-based gateways are not supported"),
    ],
    "not-executable.bpmn": [("draft", 'set isExecutable="true"')],
}


def refused(flows: Flows, paths: list[Path]) -> list[Problem]:
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refusal:
        deploy_files(flows.runtime, flows.clock, paths, "petra")
    assert flows.rows_but_audit() == before
    problems = refusal.value.problems
    assert all(" / " in p.message for p in problems), problems
    return problems


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_foreign_model_is_refused_with_a_problem_per_element(flows: Flows, name: str) -> None:
    problems = refused(flows, [FOREIGN / name])
    assert {p.file for p in problems} == {name}
    for element, words in EXPECTED[name]:
        assert any(p.element == element and words in p.message for p in problems), (
            element,
            words,
            problems,
        )


def test_all_foreign_models_at_once_list_every_file_s_problems(flows: Flows) -> None:
    problems = refused(flows, sorted(FOREIGN.glob("*.bpmn")))
    assert {p.file for p in problems} == set(EXPECTED)


def test_a_file_that_is_not_utf8_is_refused_naming_it(flows: Flows, tmp_path: Path) -> None:
    path = tmp_path / "latin1.bpmn"
    path.write_bytes(TINY.replace("Arbeta", "Ärende").encode("latin-1"))
    (problem,) = refused(flows, [path])
    assert problem.file == "latin1.bpmn"
    assert "not UTF-8" in problem.message


def test_a_file_over_2_mb_is_refused_before_parsing(flows: Flows, tmp_path: Path) -> None:
    padding = "<!-- " + "x" * (2 * 1024 * 1024) + " -->"
    path = write(
        tmp_path, "tiny.bpmn", TINY.replace("<bpmn:process ", padding + "<bpmn:process ", 1)
    )
    problems = refused(flows, [path])
    assert [p.file for p in problems] == ["tiny.bpmn"]
    assert "at most 2 MB" in problems[0].message


@pytest.mark.parametrize(
    ("timer", "words"),
    [
        ('"P7X"', "'P7X' is not supported"),
        ("P5D", "must be written in quotes"),
        ('"2026-12-01T10:00:00+01:00"', "fixed instant"),
        ("deadline_at +", "does not compile"),
    ],
)
def test_an_unsupported_timer_is_refused_naming_its_event(
    flows: Flows, tmp_path: Path, timer: str, words: str
) -> None:
    text = TINY.replace(
        '<bpmn:timeDuration>"P1D"</bpmn:timeDuration>',
        f"<bpmn:timeDuration>{timer}</bpmn:timeDuration>",
    )
    problems = refused(flows, tiny(tmp_path, text))
    assert any(p.element == "nudge" and words in p.message for p in problems), problems


def test_a_broken_gateway_condition_is_refused_naming_the_gateway(
    flows: Flows, tmp_path: Path
) -> None:
    gateway = TINY.replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="note" />',
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="choose" />'
        '<bpmn:exclusiveGateway id="choose" default="f2b"><bpmn:incoming>f2</bpmn:incoming>'
        "<bpmn:outgoing>f2a</bpmn:outgoing><bpmn:outgoing>f2b</bpmn:outgoing></bpmn:exclusiveGateway>"
        '<bpmn:sequenceFlow id="f2a" sourceRef="choose" targetRef="note">'
        "<bpmn:conditionExpression>noted ==</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f2b" sourceRef="choose" targetRef="note" />',
    ).replace(
        "<bpmn:flowNodeRef>note</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>note</bpmn:flowNodeRef><bpmn:flowNodeRef>choose</bpmn:flowNodeRef>",
    )
    problems = refused(flows, tiny(tmp_path, gateway))
    assert any(p.element == "choose" and "does not compile" in p.message for p in problems), (
        problems
    )


def test_a_task_in_the_system_lane_is_refused_since_no_one_could_work_it(
    flows: Flows, tmp_path: Path
) -> None:
    text = TINY.replace('name="service_desk"', 'name="system"')
    problems = refused(flows, tiny(tmp_path, text))
    assert {p.element for p in problems} == {"start", "work"}
    assert all("no one can work" in p.message for p in problems)
