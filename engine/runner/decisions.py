"""Evaluating DMN decision tables with SpiffWorkflow's DMN engine, outside any case."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.runner.refusals import SANDBOX_RULE
from engine.runner.refusals import ScriptRefused
from engine.runner.scripting import SandboxEnvironment


@lru_cache(maxsize=64)
def _decision_engine(dmn_text: str) -> Any:
    parser = SpiffBpmnParser()
    parser.add_dmn_str(dmn_text.encode())
    decision_id = next(iter(parser.dmn_parsers))
    return parser.get_engine(decision_id, None)


class _DecisionContext:
    """What SpiffWorkflow's DMN engine needs of a task: data and a script engine; and, for
    its error about a failing cell, a task spec and workflow to name (the table itself:
    it runs outside any case). Without them that error was an AttributeError, a fault."""

    def __init__(self, data: dict[str, Any], script_engine: PythonScriptEngine) -> None:
        self.data = data
        self.workflow = self
        self.top_workflow = self
        self.script_engine = script_engine
        self.task_spec = SimpleNamespace(bpmn_id="decision", bpmn_name="decision table")
        self.spec = SimpleNamespace(file="decision table")


_DECISION_ENGINE = PythonScriptEngine(environment=SandboxEnvironment())


def decide(dmn_text: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate a DMN decision table with SpiffWorkflow's DMN engine; {} if no row matched.

    A table's answer depends only on its text and the inputs, so answers are kept per
    (table text, inputs): a case step asks the same two questions as the step before it.
    """
    try:
        key = tuple(sorted(inputs.items()))
        hash(key)
    except TypeError:
        return _evaluate(dmn_text, dict(inputs))
    return dict(_cached_answer(dmn_text, key))


@lru_cache(maxsize=4096)
def _cached_answer(dmn_text: str, inputs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return _evaluate(dmn_text, dict(inputs))


def _evaluate(dmn_text: str, inputs: dict[str, Any]) -> dict[str, Any]:
    engine = _decision_engine(dmn_text)
    try:
        result: dict[str, Any] = engine.result(_DecisionContext(inputs, _DECISION_ENGINE))
    except SpiffWorkflowException as error:
        raise ScriptRefused(str(error), rule=SANDBOX_RULE) from error
    return result
