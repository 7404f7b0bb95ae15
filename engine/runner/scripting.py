"""How SpiffWorkflow evaluates on sithsflow's terms.

Scripts and expressions run in `engine.sandbox`; service tasks become `Effect`s the case
service carries out in its own transaction; timers are judged by sithsflow's clock and
fire only when the timer table says so (never on SpiffWorkflow's wall clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import sandbox
from engine.clock import Clock
from engine.policy.timekeeping import add_local_days
from engine.runner.refusals import SANDBOX_RULE
from engine.runner.refusals import ProcessDefinitionError
from engine.runner.refusals import ScriptRefused


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


def clock_the_timers(spec: Any) -> None:
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


@dataclass(frozen=True)
class Effect:
    """Something a service task asks for, carried out by the case service."""

    operation: str
    params: dict[str, Any]
    task_name: str


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
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
        super().__init__(environment=SandboxEnvironment())
        self.clock = clock
        self.effects: list[Effect] = []

    def call_service(self, task: Any, **kwargs: Any) -> str:
        params = {name: p["value"] for name, p in kwargs.get("operation_params", {}).items()}
        self.effects.append(Effect(kwargs["operation_name"], params, task.task_spec.bpmn_id))
        return "null"
