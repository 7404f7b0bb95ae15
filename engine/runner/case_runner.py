"""One case's workflow in memory between load and save: run READY user tasks, fire timers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import sandbox
from engine.clock import Clock
from engine.errors import Conflict
from engine.runner.refusals import SANDBOX_RULE
from engine.runner.refusals import ScriptRefused
from engine.runner.scripting import ClockedTimerEventDefinition
from engine.runner.scripting import Effect
from engine.runner.scripting import SandboxScriptEngine
from engine.runner.serialization import SERIALIZER_VERSION
from engine.runner.serialization import STATE_SERIALIZER
from engine.runner.serialization import load_spec
from engine.runner.serialization import properties_of


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


@dataclass(frozen=True)
class RuleTaskDone:
    """A business rule task that ran: its DMN table's inputs (by input expression, as the
    task's data gave them) and its outputs (by output name; empty when no row applied)."""

    task_id: str
    name: str
    decision: str
    inputs: tuple[tuple[str, Any], ...]
    outputs: tuple[tuple[str, Any], ...]


@dataclass
class CaseRunner:
    """One case's workflow in memory, between load and save."""

    workflow: Any
    engine: SandboxScriptEngine
    effects: list[Effect] = field(default_factory=list)

    @staticmethod
    def start_event_properties(spec_json: str) -> tuple[str | None, dict[str, str]]:
        """The lane and extension properties of the process's start event."""
        spec, _ = load_spec(spec_json)
        for task_spec in spec.task_specs.values():
            if type(task_spec).__name__ == "StartEvent":
                return task_spec.lane, properties_of(task_spec)
        return None, {}

    @classmethod
    def start(cls, spec_json: str, data: Mapping[str, Any], clock: Clock) -> CaseRunner:
        spec, subs = load_spec(spec_json)
        engine = SandboxScriptEngine(clock)
        workflow = BpmnWorkflow(spec, subs, script_engine=engine)
        workflow.task_tree.data.update(data)
        runner = cls(workflow, engine)
        runner._advance()
        return runner

    @classmethod
    def load(cls, spec_json: str, state_json: str, clock: Clock) -> CaseRunner:
        spec, subs = load_spec(spec_json)
        dct = json.loads(state_json)
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        dct["spec"] = spec
        dct["subprocess_specs"] = subs
        workflow = STATE_SERIALIZER.from_dict(dct)
        engine = SandboxScriptEngine(clock)
        workflow.script_engine = engine
        return cls(workflow, engine)

    def dump(self) -> str:
        dct = STATE_SERIALIZER.to_dict(self.workflow)
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
                properties=properties_of(task.task_spec),
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
                    properties=properties_of(task.task_spec),
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

    def move_timer(self, name: str, due_at: datetime, data: Mapping[str, Any]) -> str | None:
        """Give the waiting timer `name` a new due instant and the case the `data` behind it
        (R19: the directory moved an end date). The task id moved, or None if no such timer
        waits (it fired already)."""
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            if task.task_spec.bpmn_id != name:
                continue
            task._set_internal_data(event_value=due_at.isoformat())
            task.data.update(data)
            # The case shows what its last step knows (`data`): the new date is shown too.
            latest = self.workflow.get_tasks(state=TaskState.COMPLETED)
            if latest:
                max(latest, key=lambda t: t.last_state_change).data.update(data)
            return str(task.id)
        return None

    def cancel(self) -> None:
        """S4: end every task of the workflow, running none of them (no script, no effect)."""
        self.workflow.cancel()

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
            EndReached(task.task_spec.bpmn_id, properties_of(task.task_spec))
            for task in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if type(task.task_spec).__name__ == "EndEvent"
        ]

    def business_rules_done(self) -> list[RuleTaskDone]:
        """Every business rule task that has run, in the order it ran (the simulation lists
        each one's decision)."""
        done = sorted(
            (
                task
                for task in self.workflow.get_tasks(state=TaskState.COMPLETED)
                if getattr(task.task_spec, "dmnEngine", None) is not None
            ),
            key=lambda t: t.last_state_change,
        )
        found = []
        for task in done:
            table = task.task_spec.dmnEngine.decision_table
            extensions = getattr(task.task_spec, "extensions", {}) or {}
            found.append(
                RuleTaskDone(
                    task_id=str(task.id),
                    name=task.task_spec.bpmn_id,
                    decision=str(extensions.get("calledDecisionId") or table.id),
                    inputs=tuple(
                        (str(i.expression), task.data.get(str(i.expression), "—"))
                        for i in table.inputs
                    ),
                    outputs=tuple(
                        (str(o.name), task.data[o.name])
                        for o in table.outputs
                        if o.name in task.data
                    ),
                )
            )
        return found

    def data(self) -> dict[str, Any]:
        """The data of the last task that ran (what the case knows now)."""
        tasks = self.workflow.get_tasks(state=TaskState.COMPLETED)
        latest = max(tasks, key=lambda t: t.last_state_change, default=self.workflow.task_tree)
        return dict(latest.data)
