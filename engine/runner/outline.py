"""What a parsed process contains, element by element, in plain data the deploy checks read.

The deploy validation, the S3 checks and the version diff must not touch SpiffWorkflow
(only engine/runner does), so this module turns a spec into frozen records: each element's
kind, lane, extension properties, timer expression, gateway conditions and scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.runner.serialization import load_spec
from engine.runner.serialization import properties_of

# SpiffWorkflow's helper specs that are not BPMN elements a process owner drew.
_HELPER_KINDS = frozenset(
    {"BpmnStartTask", "_EndJoin", "SimpleBpmnTask", "BoundaryEventSplit", "BoundaryEventJoin"}
)


@dataclass(frozen=True)
class ElementOutline:
    """One BPMN element as the deploy checks see it."""

    id: str
    kind: str  # SpiffWorkflow's spec class: UserTask, StartEvent, ExclusiveGateway …
    name: str
    lane: str | None
    properties: tuple[tuple[str, str], ...]
    timer: str | None = None  # the timer expression of a timer event
    attached_to: str | None = None  # a boundary event's task
    interrupting: bool = True
    conditions: tuple[str, ...] = ()  # a gateway's outgoing conditions
    scripts: tuple[str, ...] = ()
    operation: str | None = None  # a service task's operation
    manual: bool = False

    @property
    def props(self) -> dict[str, str]:
        return dict(self.properties)


@dataclass(frozen=True)
class ProcessOutline:
    process_id: str
    name: str
    elements: tuple[ElementOutline, ...]

    def element(self, element_id: str) -> ElementOutline | None:
        return next((e for e in self.elements if e.id == element_id), None)

    def of_kind(self, *kinds: str) -> list[ElementOutline]:
        return [e for e in self.elements if e.kind in kinds]


def outline_of(spec_json: str) -> ProcessOutline:
    """The outline of a stored version's spec (and of its subprocesses' elements)."""
    spec, subprocesses = load_spec(spec_json)
    elements = [_element(t) for t in spec.task_specs.values() if _is_element(t)]
    for sub in subprocesses.values():
        elements += [_element(t) for t in sub.task_specs.values() if _is_element(t)]
    return ProcessOutline(spec.name, spec.description or spec.name, tuple(elements))


def _is_element(task_spec: Any) -> bool:
    return type(task_spec).__name__ not in _HELPER_KINDS and bool(task_spec.bpmn_id)


def _element(task_spec: Any) -> ElementOutline:
    definition = getattr(task_spec, "event_definition", None)
    timer = getattr(definition, "expression", None) if definition is not None else None
    conditions = tuple(
        str(condition.args[0])
        for condition, _target in getattr(task_spec, "cond_task_specs", None) or ()
        if condition is not None
    )
    scripts = tuple(
        str(script)
        for script in (
            getattr(task_spec, attribute, None)
            for attribute in ("script", "prescript", "postscript")
        )
        if script
    )
    attached = _attached_to(task_spec)
    return ElementOutline(
        id=task_spec.bpmn_id,
        kind=type(task_spec).__name__,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=getattr(task_spec, "lane", None),
        properties=tuple(sorted(properties_of(task_spec).items())),
        timer=str(timer) if timer is not None else None,
        attached_to=attached,
        interrupting=bool(getattr(task_spec, "cancel_activity", True)),
        conditions=conditions,
        scripts=scripts,
        operation=getattr(task_spec, "operation_name", None),
        manual=bool(getattr(task_spec, "manual", False)),
    )


def _attached_to(task_spec: Any) -> str | None:
    """A boundary event's task: SpiffWorkflow puts a split named `<task>.BoundaryEventSplit`
    before both."""
    if type(task_spec).__name__ != "BoundaryEvent":
        return None
    for parent in task_spec.inputs:
        name = getattr(parent, "name", parent)
        if isinstance(name, str) and name.endswith(".BoundaryEventSplit"):
            return name.removesuffix(".BoundaryEventSplit")
    return None
