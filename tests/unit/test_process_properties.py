"""The typed property schema: unknown, misplaced, badly valued and missing properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.process_properties import ACTION_ELEMENTS
from engine.process_properties import PROPERTIES
from engine.process_properties import check_properties
from engine.services.actions import ACTIONS
from engine.services.lifecycle_actions import LIFECYCLE_ACTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "process-properties.md"


def messages(kind: str, **properties: str) -> list[str]:
    return [p.message for p in check_properties(kind, properties)]


def test_every_action_the_engine_runs_has_its_element_in_the_schema() -> None:
    assert set(ACTION_ELEMENTS) == set(ACTIONS) | set(LIFECYCLE_ACTIONS)


def test_every_property_is_documented_for_process_owners() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in PROPERTIES:
        assert f"| `{name}` |" in text


def test_the_bundled_issuing_task_passes() -> None:
    assert messages("UserTask", action="issue_reserve_card", loa="3", four_eyes="start") == []


@pytest.mark.parametrize(
    ("kind", "properties", "said"),
    [
        ("UserTask", {"four_eye": "start"}, "Did you mean 'four_eyes'"),
        ("UserTask", {"action": "issue_reserve_card"}, "needs the property loa"),
        ("UserTask", {"action": "issue_reserve_card", "loa": "4"}, "allowed: 2, 3"),
        ("UserTask", {"loa": "2"}, "applies only to"),
        ("StartEvent", {"action": "issue_reserve_card", "loa": "2"}, "belongs on a UserTask"),
        ("EndEvent", {"case_state": "archived"}, "allowed: completed"),
        ("EndEvent", {"continue_as_new": "true", "case_state": "lapsed"}, "cannot both"),
        ("UserTask", {"rules": "R5 R99"}, "R1…R23"),
        ("BoundaryEvent", {"rule": "R7"}, None),
        ("UserTask", {"rule": "R7"}, "does not belong"),
    ],
)
def test_a_property_problem_is_described_in_both_languages(
    kind: str, properties: dict[str, str], said: str | None
) -> None:
    found = messages(kind, **properties)
    if said is None:
        assert found == []
        return
    assert found and any(said in m for m in found), found
    assert all(" / " in m for m in found)
