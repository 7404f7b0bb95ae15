"""Parsing and validating BPMN and DMN before a deploy stores them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import sandbox
from engine.problems import Problem
from engine.runner.refusals import ProcessDefinitionError
from engine.runner.scripting import clock_the_timers
from engine.runner.serialization import SPEC_SERIALIZER
from engine.runner.serialization import properties_of


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
                clock_the_timers(sub)
            clock_the_timers(spec)
            spec_dict = {
                "spec": SPEC_SERIALIZER.to_dict(spec),
                "subprocess_specs": {
                    k: SPEC_SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()
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


def parse_bundle(
    bpmn_sources: Mapping[str, str], dmn_sources: Mapping[str, str]
) -> tuple[list[ParsedProcess], list[Problem]]:
    """Parse each BPMN file on its own (with every DMN file), collecting a problem per file.

    One broken file does not hide the problems of the others; nothing raises a traceback.
    """
    parsed: list[ParsedProcess] = []
    problems: list[Problem] = []
    for filename, text in bpmn_sources.items():
        try:
            found = parse_processes({filename: text}, dmn_sources)
        except ProcessDefinitionError as error:
            problems.append(_problem_of(filename, error))
            continue
        except Exception as error:  # noqa: BLE001 - a foreign model must never end in a traceback
            problems.append(
                Problem(
                    filename,
                    None,
                    f"Modellen kunde inte läsas ({type(error).__name__}: {error}). / "
                    f"The model could not be read ({type(error).__name__}: {error}).",
                )
            )
            continue
        parsed.extend(found)
    return parsed, problems


def _problem_of(filename: str, error: ProcessDefinitionError) -> Problem:
    cause = error.__cause__
    element = None
    if isinstance(cause, ValidationException):
        element = cause.id or cause.name or None
        line = f" (rad/line {cause.line_number})" if cause.line_number else ""
        return Problem(
            filename,
            element,
            f"Processen kunde inte läsas{line}: {cause} / The process could not be read{line}: "
            f"{cause}",
        )
    return Problem(filename, element, error.message)


def _inventory(spec: Any) -> dict[str, Any]:
    """Lanes, actions and service calls a deploy must check against what sithsflow knows."""
    lanes: set[str] = set()
    actions: set[str] = set()
    calls: list[tuple[str, dict[str, Any]]] = []
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "lane", None):
            lanes.add(task_spec.lane)
        action = properties_of(task_spec).get("action")
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
