"""Validation of a bundle before anything is stored: every problem is collected, none stops
the others, and each names its file and element (engine.problems).

The checks, in order: the files read (bundle.py); the BPMN and DMN parse; lanes name
roles; actions and service calls exist; scripts, conditions and timers compile in the
sandbox; every user task and the start event has a valid form in the bundle or in the
active version; the task properties are typed (process_properties) and keep the rules
(S3, rules.py); the structure holds only what the engine runs (structure.py); and at
last a smoke run of the new version (smoke.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import sandbox
from engine.errors import DomainError
from engine.forms import START_FORM_ID
from engine.forms import FormDefinitionError
from engine.forms import form_from_schema
from engine.model import ProcessDefinition
from engine.problems import Problem
from engine.runner import ParsedDecision
from engine.runner import ParsedProcess
from engine.runner import ProcessDefinitionError
from engine.runner import parse_decision
from engine.runner.outline import ElementOutline
from engine.runner.outline import ProcessOutline
from engine.runner.outline import outline_of
from engine.runner.parsing import parse_bundle
from engine.services.deploy.bundle import Bundle
from engine.services.deploy.rule_checks import check_decision_table
from engine.services.deploy.rule_checks import check_properties_of
from engine.services.deploy.rule_checks import check_s3
from engine.services.deploy.smoke import smoke_run
from engine.services.deploy.structure import check_bpmn_structure
from engine.services.deploy.structure import check_dmn_structure
from engine.services.deploy.versions import active_version
from engine.services.mail import SEND_EMAIL
from engine.services.mail import SERVICE_OPERATIONS
from engine.services.mail import check_email_params

SYSTEM_LANE = "system"
FORM_KINDS = ("UserTask", "StartEvent")


@dataclass(frozen=True)
class ValidatedProcess:
    parsed: ParsedProcess
    outline: ProcessOutline
    source: str
    # Every form of the new version: the active version's, replaced by the bundle's.
    forms: dict[str, Any]


@dataclass(frozen=True)
class ValidatedDecision:
    parsed: ParsedDecision
    filename: str
    source: str


@dataclass(frozen=True)
class Validated:
    processes: list[ValidatedProcess]
    decisions: list[ValidatedDecision]
    problems: list[Problem]


def validate_bundle(session: Session, bundle: Bundle, now: datetime) -> Validated:
    """Parse and check the whole bundle; `problems` is empty when it may be deployed."""
    problems = list(bundle.problems)
    decisions = _decisions(bundle, problems)
    parseable: dict[str, str] = {}
    for filename, text in bundle.bpmn.items():
        report = check_bpmn_structure(filename, text)
        problems += report.problems
        if report.parseable:
            parseable[filename] = text
    parsed, parse_problems = parse_bundle(parseable, {d.filename: d.source for d in decisions})
    problems += parse_problems
    processes: list[ValidatedProcess] = []
    for process in parsed:
        outline = outline_of(process.spec_json)
        forms = _forms_of(session, bundle, process.process_id, problems)
        found = check_process(process.filename, outline, forms)
        found += check_service_calls(process.filename, process)
        if not found and not any(p.file == process.filename for p in problems):
            # Only a model that passed every other check is run (its problems would repeat).
            found = smoke_run(process.filename, process.spec_json, outline, forms, now)
        problems += found
        processes.append(ValidatedProcess(process, outline, bundle.bpmn[process.filename], forms))
    parsed_ids = {process.process_id for process in parsed}
    for process_id in sorted({pid for pid, _, _ in bundle.forms.values()} - parsed_ids):
        form_only = _form_only(session, bundle, process_id, problems)
        if form_only is not None:
            processes.append(form_only)
    return Validated(processes, decisions, problems)


def _form_only(
    session: Session, bundle: Bundle, process_id: str, problems: list[Problem]
) -> ValidatedProcess | None:
    """Forms without their BPMN: a new version of the active process with these forms."""
    if f"{process_id}.bpmn" in bundle.checksums:
        return None  # its BPMN is in the bundle but did not parse: that problem is listed
    if session.get(ProcessDefinition, process_id) is None:
        for name, (pid, _, _) in bundle.forms.items():
            if pid == process_id:
                problems.append(
                    Problem(
                        name,
                        None,
                        f"Processen '{process_id}' finns inte; lägg dess BPMN-fil i paketet. / "
                        f"No process '{process_id}'; add its BPMN file to the bundle.",
                    )
                )
        return None
    active = active_version(session, process_id)
    forms = _forms_of(session, bundle, process_id, problems)
    outline = outline_of(active.spec_json)
    filename = f"{process_id}.bpmn"
    problems += check_process(filename, outline, forms)
    parsed = ParsedProcess(process_id, active.name, active.spec_json, filename=filename)
    return ValidatedProcess(parsed, outline, active.source_xml, forms)


def forms_for_version(
    session: Session, bundle: Bundle, process_id: str, problems: list[Problem]
) -> dict[str, Any]:
    """A form-only deploy: the active version's forms, replaced by the bundle's."""
    return _forms_of(session, bundle, process_id, problems)


def check_process(filename: str, outline: ProcessOutline, forms: dict[str, Any]) -> list[Problem]:
    """The checks of one parsed process against what sithsflow knows."""
    problems: list[Problem] = []
    for element in outline.elements:
        problems += _check_element(filename, outline.process_id, element, forms)
    problems += check_properties_of(filename, outline)
    problems += check_s3(filename, outline)
    if not outline.of_kind("StartEvent"):
        problems.append(
            Problem(
                filename,
                outline.process_id,
                "Processen har ingen starthändelse. Lägg till en vanlig starthändelse. / "
                "The process has no start event. Add a plain (none) start event.",
            )
        )
    return problems


def _check_element(
    filename: str, process_id: str, element: ElementOutline, forms: dict[str, Any]
) -> list[Problem]:
    element_id = element.id
    problems: list[Problem] = []

    def problem(sv: str, en: str) -> None:
        problems.append(Problem(filename, element_id, f"{sv} / {en}"))

    if element.kind in FORM_KINDS and element.lane == SYSTEM_LANE:
        problem(
            "Ingen person har rollen system, så ingen kan utföra elementet; lägg det i en lane "
            "som heter som en roll.",
            "No person holds the role system, so no one can work the element; put it in a "
            "lane named after a role.",
        )
    if element.kind in FORM_KINDS and element.lane is None:
        problem(
            "Elementet ligger inte i någon lane (roll); lägg det i en lane som heter som en roll.",
            "The element is in no lane (role); put it in a lane named after a role.",
        )
    for script in element.scripts:
        try:
            sandbox.check_script(script)
        except sandbox.SandboxViolation as error:
            problem(f"Skriptet tillåts inte: {error}.", f"The script is not allowed: {error}.")
    if element.timer is not None:
        try:
            sandbox.check_expression(element.timer)
        except (sandbox.SandboxViolation, SyntaxError) as error:
            problem(
                f"Timeruttrycket '{element.timer}' kan inte tolkas: {error}.",
                f"The timer expression '{element.timer}' does not compile: {error}.",
            )
    for condition in element.conditions:
        try:
            sandbox.check_expression(condition)
        except (sandbox.SandboxViolation, SyntaxError) as error:
            problem(
                f"Villkoret '{condition}' kan inte tolkas: {error}.",
                f"The condition '{condition}' does not compile: {error}.",
            )
    if element.kind in FORM_KINDS:
        form_id = START_FORM_ID if element.kind == "StartEvent" else element.id
        if form_id not in forms:
            problem(
                f"Formulär saknas: lägg till {process_id}.{form_id}.json i paketet.",
                f"Form missing: add {process_id}.{form_id}.json to the bundle.",
            )
    return problems


def check_service_calls(filename: str, process: ParsedProcess) -> list[Problem]:
    problems: list[Problem] = []
    for operation, params in process.service_calls:
        if operation not in SERVICE_OPERATIONS:
            problems.append(
                Problem(
                    filename,
                    operation,
                    f"Okänd tjänst '{operation}'. / Unknown service '{operation}'.",
                )
            )
            continue
        if operation != SEND_EMAIL:
            continue
        try:
            check_email_params(params)
        except DomainError as error:
            problems.append(Problem(filename, operation, error.message))
    return problems


def _decisions(bundle: Bundle, problems: list[Problem]) -> list[ValidatedDecision]:
    decisions: list[ValidatedDecision] = []
    for filename, text in bundle.dmn.items():
        structure = check_dmn_structure(filename, text)
        if structure:
            problems += structure
            continue
        try:
            parsed = parse_decision(text, filename)
            decisions.append(ValidatedDecision(parsed, filename, text))
            problems += check_decision_table(filename, parsed.decision_id, text)
        except ProcessDefinitionError as error:
            problems.append(Problem(filename, None, error.message))
        except Exception as error:  # noqa: BLE001 - a foreign table must never end in a traceback
            problems.append(
                Problem(
                    filename,
                    None,
                    f"Beslutstabellen kunde inte läsas: {error}. / "
                    f"The decision table could not be read: {error}.",
                )
            )
    return decisions


def _forms_of(
    session: Session, bundle: Bundle, process_id: str, problems: list[Problem]
) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    if session.get(ProcessDefinition, process_id) is not None:
        forms.update(json.loads(active_version(session, process_id).forms_json or "{}"))
    for form_id, schema in bundle.forms_of(process_id).items():
        name = bundle.form_file(process_id, form_id)
        try:
            form_from_schema(name, process_id, form_id, schema)
        except FormDefinitionError as error:
            problems.append(
                Problem(
                    name,
                    form_id,
                    f"Formuläret är ogiltigt: {error}. / The form is invalid: {error}.",
                )
            )
            continue
        forms[form_id] = schema
    return forms
