"""S3 at deploy: a model that tries to switch a rule off is refused, naming the element,
and the typed task properties refuse unknown, misspelled and missing values (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.problems import ModelRejected
from engine.problems import Problem
from engine.runner.decisions import decide
from engine.services.deploy import deploy_files
from tests.support.bundles import bundled_source
from tests.support.bundles import write
from tests.support.flows import Flows

FOUR_EYES = '<spiffworkflow:property name="four_eyes" value="start" />'
LOA3 = '<spiffworkflow:property name="loa" value="3" />'
SECOND_IN_LOA3_LANE = "<bpmn:flowNodeRef>second_verification</bpmn:flowNodeRef>"
LOA3_LANE_END = """      </bpmn:lane>
    </bpmn:laneSet>"""


def loa2_lane(source: str) -> str:
    """second_verification moved into a lane of LoA2 admins (cecilia's role)."""
    moved = source.replace(SECOND_IN_LOA3_LANE, "")
    return moved.replace(
        LOA3_LANE_END,
        """      </bpmn:lane>
      <bpmn:lane id="lane_loa2_admin" name="loa2_admin">
        <bpmn:flowNodeRef>second_verification</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>""",
    )


LOA3_ATTACKS = {
    "R5-loa3-issued-in-a-loa2-lane": (loa2_lane, "second_verification", "R5"),
    "R6-no-four-eyes": (lambda s: s.replace(FOUR_EYES, ""), "second_verification", "R6"),
    "R6-four-eye-misspelled": (
        lambda s: s.replace('name="four_eyes"', 'name="four_eye"'),
        "second_verification",
        "four_eyes",
    ),
    "R1-loa-4": (
        lambda s: s.replace(LOA3, LOA3.replace('"3"', '"4"')),
        "second_verification",
        "loa",
    ),
    "R1-no-loa-defaults-silently": (lambda s: s.replace(LOA3, ""), "second_verification", "loa"),
    "R6-first-verification-outside-loa3-lane": (
        lambda s: s.replace('name="loa3_admin"', 'name="loa2_admin"'),
        "start",
        "R6",
    ),
    "R6-no-first-verification": (
        lambda s: s.replace('value="first_verification"', 'value="order_loa2"'),
        "second_verification",
        "first_verification",
    ),
}


def refused_problems(flows: Flows, paths: list[Path]) -> list[Problem]:
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refused:
        deploy_files(flows.runtime, flows.clock, paths, "petra")
    assert flows.rows_but_audit() == before
    return refused.value.problems


@pytest.mark.parametrize("attack", list(LOA3_ATTACKS))
def test_s3_a_loa3_model_that_switches_off_a_rule_is_refused_at_deploy(
    flows: Flows, tmp_path: Path, attack: str
) -> None:
    change, element, said = LOA3_ATTACKS[attack]
    source = bundled_source("loa3-reserve.bpmn")
    changed = change(source)
    assert changed != source
    problems = refused_problems(flows, [write(tmp_path, "loa3-reserve.bpmn", changed)])
    named = [p for p in problems if p.element == element]
    assert named, problems
    assert any(said in p.message for p in named), named
    assert all(" / " in p.message for p in problems)
    # Issuance goes on with the version that was active.
    assert flows.at("2026-11-23 10:00").start_loa3().version == 1


def test_s3_the_service_desk_may_not_issue_loa3(flows: Flows, tmp_path: Path) -> None:
    source = bundled_source("loa2-remote-order.bpmn")
    issue = '<spiffworkflow:property name="action" value="issue_reserve_card" />\n          <spiffworkflow:property name="loa" value="2" />'
    assert issue in source
    changed = source.replace(issue, issue.replace('value="2"', 'value="3"'))
    problems = refused_problems(flows, [write(tmp_path, "loa2-remote-order.bpmn", changed)])
    assert any(p.element == "issue_loa2" and "R5" in p.message for p in problems)


def test_s3_an_unknown_property_is_refused_with_a_suggestion(flows: Flows, tmp_path: Path) -> None:
    source = bundled_source("loa2-remote-order.bpmn").replace(
        'name="continue_as_new"', 'name="continue_as_nwe"'
    )
    problems = refused_problems(flows, [write(tmp_path, "loa2-remote-order.bpmn", source)])
    (problem,) = problems
    assert problem.element == "next_cycle"
    assert "continue_as_new" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            '<outputEntry id="r2_days"><text>14</text>',
            '<outputEntry id="r2_days"><text>30</text>',
            "R11",
        ),
        (
            '<outputEntry id="r3_months"><text>6</text>',
            '<outputEntry id="r3_months"><text>12</text>',
            "R9",
        ),
    ],
    ids=["R11-loa2-30-days", "R9-loa3-12-months"],
)
def test_s3_a_validity_row_above_the_ceiling_is_refused(
    flows: Flows, tmp_path: Path, old: str, new: str, rule: str
) -> None:
    source = (bundled_source("validity-limits.dmn")).replace(old, new)
    assert new in source
    problems = refused_problems(flows, [write(tmp_path, "validity-limits.dmn", source)])
    assert problems and all(p.element == "validity-limits" for p in problems)
    assert all(rule in p.message for p in problems)


@pytest.mark.parametrize(
    ("name", "old", "new", "words"),
    [
        (
            "renewal-reminder.dmn",
            '<inputEntry id="r2_loa"><text>3</text>',
            '<inputEntry id="r2_loa"><text>4</text>',
            "No reminder lead time (lead_days ≥ 0) for LoA3",
        ),
        (
            "validity-limits.dmn",
            '<inputExpression id="input_loa_expression" typeRef="number">',
            '<inputExpression id="input_loa_expression">',
            "no typeRef",
        ),
        (
            "validity-limits.dmn",
            '<inputEntry id="r3_loa"><text>3</text>',
            '<inputEntry id="r3_loa"><text>5</text>',
            "No row covers LoA3",
        ),
    ],
    ids=["reminder-misses-loa3", "untyped-input", "validity-misses-loa3"],
)
def test_a_decision_table_the_engine_cannot_read_is_refused(
    flows: Flows, tmp_path: Path, name: str, old: str, new: str, words: str
) -> None:
    source = bundled_source(name)
    assert old in source
    problems = refused_problems(flows, [write(tmp_path, name, source.replace(old, new))])
    assert all(p.file == name for p in problems)
    assert any(words in p.message for p in problems), problems


def test_a_table_without_hit_policy_is_unique_as_dmn_js_saves_it(
    flows: Flows, tmp_path: Path
) -> None:
    """dmn-js never writes the default hitPolicy (UNIQUE): the workspace's tables deploy."""
    source = bundled_source("renewal-reminder.dmn")
    assert ' hitPolicy="UNIQUE"' in source
    unique = source.replace(' hitPolicy="UNIQUE"', "")
    assert decide(unique, {"loa": 2}) == {"lead_days": 3}
    table = write(tmp_path, "renewal-reminder.dmn", unique)
    deployed = deploy_files(flows.runtime, flows.clock, [table], "petra")
    assert [(d.id, d.new) for d in deployed] == [("renewal-reminder", True)]
