"""The one narrow door to SpiffWorkflow: parse, run, serialize, decide.

Nothing else in sithsflow imports SpiffWorkflow. This module papers over its sharp edges:

- `task.run()` runs any task; `complete_user_task` runs only a READY user task.
- Timers read SpiffWorkflow's own wall clock; here they never fire by themselves. The
  timer table is the only timer source, and `fire_timer` fires one explicitly, so a
  simulated clock (and several workers) see one truth.
- Timer values must be aware ISO-8601 instants (naive ones would get a fixed offset).
- Scripts and expressions run in `engine.sandbox`, service tasks become `Effect`s the
  case service carries out in its own transaction.
- The spec is stored once per process version; a case stores only its task state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from engine import sandbox
from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.policy.timekeeping import add_local_days

SANDBOX_RULE = "SANDBOX"


class ProcessDefinitionError(Invalid):
    """A BPMN/DMN file does not parse or uses something sithsflow cannot run safely."""


class ScriptRefused(NotPermitted):
    """A script or expression broke the sandbox or failed while the case ran."""


# --- timers that only fire when the timer table says so ----------------------------


class ClockedTimerEventDefinition(TimeDateEventDefinition):  # type: ignore[misc]
    """A timeDate (or duration) timer judged by sithsflow's clock, fired only explicitly."""

    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            engine: SandboxScriptEngine = my_task.workflow.script_engine
            value = engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=_timer_instant(value, engine.clock).isoformat())
        return bool(my_task._get_internal_data("event_fired", False))


def _timer_instant(value: Any, clock: Clock) -> datetime:
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, str) and value.upper().startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(value)
        if set(parsed) - {"days", "weeks"}:
            raise ScriptRefused(
                f"Timer '{value}': endast hela dagar stöds (PnD). / "
                f"Timer '{value}': only whole days are supported (PnD).",
                rule=SANDBOX_RULE,
            )
        days = int(parsed.get("days", 0)) + 7 * int(parsed.get("weeks", 0))
        return add_local_days(clock.now(), days)
    elif isinstance(value, str):
        instant = datetime.fromisoformat(value)
    else:
        raise ScriptRefused(f"Timer value {value!r} is not a time", rule=SANDBOX_RULE)
    if instant.tzinfo is None:
        raise ScriptRefused(
            f"Timervärdet {value!r} saknar tidszon. / Timer value {value!r} has no time zone.",
            rule=SANDBOX_RULE,
        )
    return instant


def _clock_the_timers(spec: Any) -> None:
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, CycleTimerEventDefinition):
            raise ProcessDefinitionError(
                f"Cykliska timers stöds inte ({task_spec.bpmn_id}). / "
                f"Cycle timers are not supported ({task_spec.bpmn_id})."
            )
        if isinstance(definition, TimerEventDefinition) and not isinstance(
            definition, ClockedTimerEventDefinition
        ):
            task_spec.event_definition = ClockedTimerEventDefinition(
                definition.name, definition.expression, description=definition.description
            )


# --- the script engine: sandbox, clock and effects -----------------------------------


@dataclass(frozen=True)
class Effect:
    """Something a service task asks for, carried out by the case service."""

    operation: str
    params: dict[str, Any]
    task_name: str


class _SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Any = None
    ) -> Any:
        return sandbox.evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        sandbox.execute(script, context, external_context)
        return True


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Runs expressions in the sandbox and turns service tasks into effects."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(environment=_SandboxEnvironment())
        self.clock = clock
        self.effects: list[Effect] = []

    def call_service(self, task: Any, **kwargs: Any) -> str:
        params = {name: p["value"] for name, p in kwargs.get("operation_params", {}).items()}
        self.effects.append(Effect(kwargs["operation_name"], params, task.task_spec.bpmn_id))
        return "null"


# --- serialization without the spec ------------------------------------------------


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Leaves the spec out of a case's state; the runner supplies it from the version."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _make_serializer(spec_free: bool) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[ClockedTimerEventDefinition] = TimerConditionalEventDefinitionConverter
    if spec_free:
        config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_STATE_SERIALIZER = _make_serializer(spec_free=True)
_SPEC_SERIALIZER = _make_serializer(spec_free=False)
SERIALIZER_VERSION = _STATE_SERIALIZER.VERSION


@dataclass(frozen=True)
class ParsedProcess:
    """A validated, executable process ready to be stored as a version."""

    process_id: str
    name: str
    spec_json: str
    filename: str = ""
    lanes: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    service_calls: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class ParsedDecision:
    decision_id: str
    name: str


def parse_processes(
    bpmn_sources: Mapping[str, str], dmn_sources: Mapping[str, str]
) -> list[ParsedProcess]:
    """Parse and validate BPMN (with the DMN they call); one entry per executable process."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for filename, text in dmn_sources.items():
            parser.add_dmn_str(text.encode(), filename=filename)
        for filename, text in bpmn_sources.items():
            parser.add_bpmn_str(text.encode(), filename=filename)
        parsed: list[ParsedProcess] = []
        for process_id in parser.get_process_ids():
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
            for sub in subprocess_specs.values():
                _clock_the_timers(sub)
            _clock_the_timers(spec)
            _check_user_tasks_have_lanes(spec)
            spec_dict = {
                "spec": _SPEC_SERIALIZER.to_dict(spec),
                "subprocess_specs": {
                    k: _SPEC_SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()
                },
            }
            parsed.append(
                ParsedProcess(
                    process_id,
                    spec.description or process_id,
                    json.dumps(spec_dict),
                    filename=parser.process_parsers[process_id].filename or "",
                    **_inventory(spec),
                )
            )
    except (
        ValidationException,
        SpiffWorkflowException,
        SyntaxError,
        ValueError,
        sandbox.SandboxViolation,
    ) as error:
        raise ProcessDefinitionError(
            f"Processen kunde inte läsas: {error} / The process could not be read: {error}"
        ) from error
    return parsed


def _inventory(spec: Any) -> dict[str, Any]:
    """Lanes, actions and service calls a deploy must check against what sithsflow knows."""
    lanes: set[str] = set()
    actions: set[str] = set()
    calls: list[tuple[str, dict[str, Any]]] = []
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "lane", None):
            lanes.add(task_spec.lane)
        action = _properties(task_spec).get("action")
        if action:
            actions.add(action)
        for attribute in ("script", "prescript", "postscript"):
            script = getattr(task_spec, attribute, None)
            if script:
                # Refuse `import os` and the like at deploy, not when a case reaches the task.
                sandbox.check_script(script)
        operation = getattr(task_spec, "operation_name", None)
        if operation:
            params = {
                name: sandbox.evaluate(param["value"], {})
                for name, param in task_spec.operation_params.items()
            }
            calls.append((operation, params))
    return {"lanes": frozenset(lanes), "actions": frozenset(actions), "service_calls": tuple(calls)}


def _check_user_tasks_have_lanes(spec: Any) -> None:
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, UserTask) and not task_spec.lane:
            raise ProcessDefinitionError(
                f"Användaruppgiften '{task_spec.bpmn_id}' ligger inte i någon lane (roll). / "
                f"User task '{task_spec.bpmn_id}' is in no lane (role)."
            )


def parse_decision(dmn_text: str, filename: str = "decision.dmn") -> ParsedDecision:
    """Validate one DMN file; its first decision's id names it."""
    try:
        parser = SpiffBpmnParser()
        parser.add_dmn_str(dmn_text.encode(), filename=filename)
        (decision_id, dmn_parser), *_ = parser.dmn_parsers.items()
        dmn_parser.parse()
        return ParsedDecision(decision_id, dmn_parser.get_name() or decision_id)
    except (ValidationException, SpiffWorkflowException, ValueError, SyntaxError) as error:
        raise ProcessDefinitionError(
            f"Beslutstabellen kunde inte läsas: {error} / The decision table could not be read: "
            f"{error}"
        ) from error


@lru_cache(maxsize=64)
def _decision_engine(dmn_text: str) -> Any:
    parser = SpiffBpmnParser()
    parser.add_dmn_str(dmn_text.encode())
    decision_id = next(iter(parser.dmn_parsers))
    return parser.get_engine(decision_id, None)


class _DecisionContext:
    """What SpiffWorkflow's DMN engine needs of a task: data and a script engine."""

    def __init__(self, data: dict[str, Any], script_engine: PythonScriptEngine) -> None:
        self.data = data
        self.workflow = self
        self.script_engine = script_engine


_DECISION_ENGINE = PythonScriptEngine(environment=_SandboxEnvironment())


def decide(dmn_text: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate a DMN decision table with SpiffWorkflow's DMN engine; {} if no row matched."""
    engine = _decision_engine(dmn_text)
    try:
        result: dict[str, Any] = engine.result(_DecisionContext(dict(inputs), _DECISION_ENGINE))
    except SpiffWorkflowException as error:
        raise ScriptRefused(str(error), rule=SANDBOX_RULE) from error
    return result


# --- running one case ----------------------------------------------------------------


@dataclass(frozen=True)
class UserTaskView:
    id: str
    name: str
    title: str
    lane: str | None
    documentation: str
    properties: dict[str, str]


@dataclass(frozen=True)
class TimerView:
    task_id: str
    name: str
    title: str
    due_at: datetime
    attached_task_id: str | None
    interrupting: bool
    properties: dict[str, str]


@dataclass(frozen=True)
class EndReached:
    name: str
    properties: dict[str, str]


@lru_cache(maxsize=32)
def _load_spec(spec_json: str) -> tuple[Any, dict[str, Any]]:
    dct = json.loads(spec_json)
    spec = _SPEC_SERIALIZER.from_dict(dct["spec"])
    subs = {k: _SPEC_SERIALIZER.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def _properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties", {}))


@dataclass
class CaseRunner:
    """One case's workflow in memory, between load and save."""

    workflow: Any
    engine: SandboxScriptEngine
    effects: list[Effect] = field(default_factory=list)

    @staticmethod
    def start_event_properties(spec_json: str) -> tuple[str | None, dict[str, str]]:
        """The lane and extension properties of the process's start event."""
        spec, _ = _load_spec(spec_json)
        for task_spec in spec.task_specs.values():
            if type(task_spec).__name__ == "StartEvent":
                return task_spec.lane, _properties(task_spec)
        return None, {}

    @classmethod
    def start(cls, spec_json: str, data: Mapping[str, Any], clock: Clock) -> CaseRunner:
        spec, subs = _load_spec(spec_json)
        engine = SandboxScriptEngine(clock)
        workflow = BpmnWorkflow(spec, subs, script_engine=engine)
        workflow.task_tree.data.update(data)
        runner = cls(workflow, engine)
        runner._advance()
        return runner

    @classmethod
    def load(cls, spec_json: str, state_json: str, clock: Clock) -> CaseRunner:
        spec, subs = _load_spec(spec_json)
        dct = json.loads(state_json)
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        dct["spec"] = spec
        dct["subprocess_specs"] = subs
        workflow = _STATE_SERIALIZER.from_dict(dct)
        engine = SandboxScriptEngine(clock)
        workflow.script_engine = engine
        return cls(workflow, engine)

    def dump(self) -> str:
        dct = _STATE_SERIALIZER.to_dict(self.workflow)
        dct[BpmnWorkflowSerializer.VERSION_KEY] = SERIALIZER_VERSION
        return json.dumps(dct, separators=(",", ":"))

    def _advance(self) -> None:
        try:
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as error:
            raise ScriptRefused(
                f"Processen stoppades: {error} / The process stopped: {error}", rule=SANDBOX_RULE
            ) from error
        except sandbox.SandboxViolation as error:
            raise ScriptRefused(str(error), rule=SANDBOX_RULE) from error
        self.effects.extend(self.engine.effects)
        self.engine.effects.clear()

    def ready_user_tasks(self) -> list[UserTaskView]:
        return [
            UserTaskView(
                id=str(task.id),
                name=task.task_spec.bpmn_id,
                title=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                lane=task.task_spec.lane,
                documentation=task.task_spec.documentation or "",
                properties=_properties(task.task_spec),
            )
            for task in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    def waiting_timers(self) -> list[TimerView]:
        timers: list[TimerView] = []
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, ClockedTimerEventDefinition):
                continue
            value = task._get_internal_data("event_value")
            if value is None:
                continue
            attached = next((c for c in task.parent.children if c.task_spec.manual), None)
            timers.append(
                TimerView(
                    task_id=str(task.id),
                    name=task.task_spec.bpmn_id,
                    title=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                    due_at=datetime.fromisoformat(value),
                    attached_task_id=str(attached.id) if attached is not None else None,
                    interrupting=bool(getattr(task.task_spec, "cancel_activity", True)),
                    properties=_properties(task.task_spec),
                )
            )
        return timers

    def complete_user_task(self, task_id: str, data: Mapping[str, Any]) -> None:
        """Run one READY user task with its form data, then every engine step after it."""
        task = self._task(task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(
                f"Uppgiften är inte redo (den är {TaskState.get_name(task.state)}). / "
                f"The task is not ready (it is {TaskState.get_name(task.state)})."
            )
        task.set_data(**data)
        task.run()
        self._advance()

    def fire_timer(self, task_id: str) -> bool:
        """Fire one waiting timer; False if it is no longer waiting (already fired)."""
        task = self._task(task_id)
        if task.state != TaskState.WAITING:
            return False
        task._set_internal_data(event_fired=True)
        self.workflow.refresh_timers()
        self._advance()
        return True

    def _task(self, task_id: str) -> Any:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, SpiffWorkflowException):
            task = None
        if task is None:
            raise Conflict(
                f"Uppgiften {task_id} finns inte i ärendet. / No task {task_id} in the case."
            )
        return task

    def is_completed(self) -> bool:
        return bool(self.workflow.is_completed())

    def ends_reached(self) -> list[EndReached]:
        return [
            EndReached(task.task_spec.bpmn_id, _properties(task.task_spec))
            for task in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if type(task.task_spec).__name__ == "EndEvent"
        ]

    def data(self) -> dict[str, Any]:
        """The data of the last task that ran (what the case knows now)."""
        tasks = self.workflow.get_tasks(state=TaskState.COMPLETED)
        latest = max(tasks, key=lambda t: t.last_state_change, default=self.workflow.task_tree)
        return dict(latest.data)
