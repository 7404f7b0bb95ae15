"""The smoke run at deploy: a version whose step fails, whose timer cannot be computed or
that cannot reach an end is refused before any case meets it; issuance goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.problems import ModelRejected
from engine.services.deploy import deploy_files
from tests.integration.test_deploy import TINY
from tests.integration.test_deploy import tiny
from tests.support.flows import Flows

NOTE = "<bpmn:script>noted = True</bpmn:script>"
TIMER = '<bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
DONE_FLOW = '<bpmn:sequenceFlow id="f3" sourceRef="note" targetRef="done" />'
NO_WAY_OUT = (
    '<bpmn:sequenceFlow id="f3" sourceRef="note" targetRef="choose" />'
    '<bpmn:exclusiveGateway id="choose"><bpmn:incoming>f3</bpmn:incoming>'
    "<bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>"
    '<bpmn:sequenceFlow id="f5" sourceRef="choose" targetRef="done">'
    "<bpmn:conditionExpression>noted == False</bpmn:conditionExpression></bpmn:sequenceFlow>"
)

BROKEN = {
    "a script that fails": (NOTE, "<bpmn:script>noted = 1 / 0</bpmn:script>", "work", "division"),
    "a script that reads data no step writes": (
        NOTE,
        "<bpmn:script>noted = applicant_age + 1</bpmn:script>",
        "work",
        "applicant_age",
    ),
    "a timer on data no step writes": (
        TIMER,
        "<bpmn:timeDate>decided_at</bpmn:timeDate>",
        "start",
        "decided_at",
    ),
    "a gateway no case can leave": (
        DONE_FLOW,
        NO_WAY_OUT,
        "work",
        "",
    ),
}


@pytest.mark.parametrize("flaw", list(BROKEN))
def test_s1_a_version_that_fails_when_run_is_refused_by_the_smoke_run(
    flows: Flows, tmp_path: Path, flaw: str
) -> None:
    old, new, element, words = BROKEN[flaw]
    assert old in TINY
    text = TINY.replace(old, new)
    if flaw == "a gateway no case can leave":
        text = text.replace(
            "<bpmn:flowNodeRef>done</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>choose</bpmn:flowNodeRef>",
        )
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refused:
        deploy_files(flows.runtime, flows.clock, tiny(tmp_path, text), "petra")
    assert flows.rows_but_audit() == before
    problems = refused.value.problems
    assert any(p.element == element and words in p.message for p in problems), problems
    assert all(p.file == "tiny.bpmn" and " / " in p.message for p in problems)


def test_s1_the_tiny_process_passes_its_smoke_run_along_both_paths(
    flows: Flows, tmp_path: Path
) -> None:
    deployed = deploy_files(flows.runtime, flows.clock, tiny(tmp_path), "petra")
    assert [(d.id, d.new) for d in deployed] == [("tiny", True)]
