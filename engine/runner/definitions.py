"""What a process version says about its timers, read from the stored spec.

Texts shown to users (a refusal, a form's help, a report) say "within 5 days" only because
the case's own version says so: its timer is `"P5D"`. A version whose timer is `"P7D"`
gives its cases 7 days, and no Python constant repeats either number.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.runner.serialization import load_spec
from engine.runner.serialization import properties_of


@dataclass(frozen=True)
class TimerDefinition:
    """One timer event of a version: its BPMN id, rule, the task it guards and its length."""

    name: str
    title: str
    rule: str | None
    attached_to: str | None  # the BPMN id of the task a boundary timer sits on
    interrupting: bool
    expression: str
    days: int | None  # a literal whole-day duration ("P5D" → 5); None for computed times


def timer_definitions(spec_json: str) -> tuple[TimerDefinition, ...]:
    """Every timer event of the process version whose spec this is."""
    return _definitions(spec_json)


def timer_named(spec_json: str, name: str) -> TimerDefinition | None:
    return next((t for t in _definitions(spec_json) if t.name == name), None)


def deadline_days(spec_json: str, rule: str) -> int | None:
    """The length in local days of the version's interrupting timer for `rule` (e.g. R7)."""
    for timer in _definitions(spec_json):
        if timer.rule == rule and timer.interrupting and timer.days is not None:
            return timer.days
    return None


def has_deadline_timer(spec_json: str, rule: str = "R7") -> bool:
    """Whether the version has an interrupting timer for `rule` (the audit then tells it)."""
    return any(t.rule == rule and t.interrupting for t in _definitions(spec_json))


def literal_days(expression: str) -> int | None:
    """`"P5D"` → 5, `"P1W"` → 7; None for an expression that is not a literal day count."""
    try:
        value = ast.literal_eval(expression.strip())
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, str) or not value.upper().startswith("P"):
        return None
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # SpiffWorkflow raises bare errors for malformed durations
        return None
    if set(parsed) - {"days", "weeks"}:
        return None
    return int(parsed.get("days", 0)) + 7 * int(parsed.get("weeks", 0))


@lru_cache(maxsize=32)
def _definitions(spec_json: str) -> tuple[TimerDefinition, ...]:
    spec, subprocesses = load_spec(spec_json)
    timers: list[TimerDefinition] = []
    for process in (spec, *subprocesses.values()):
        for task_spec in process.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                continue
            expression = str(definition.expression)
            timers.append(
                TimerDefinition(
                    name=task_spec.bpmn_id,
                    title=task_spec.bpmn_name or task_spec.bpmn_id,
                    rule=properties_of(task_spec).get("rule"),
                    attached_to=_attached_to(task_spec),
                    interrupting=bool(getattr(task_spec, "cancel_activity", True)),
                    expression=expression,
                    days=literal_days(expression),
                )
            )
    return tuple(timers)


def _attached_to(task_spec: Any) -> str | None:
    """The task a boundary event sits on: the other branch of its BoundaryEventSplit."""
    for split in task_spec.inputs:
        if type(split).__name__ != "BoundaryEventSplit":
            continue
        for sibling in split.outputs:
            if sibling is not task_spec and getattr(sibling, "manual", False):
                return str(sibling.bpmn_id)
    return None
