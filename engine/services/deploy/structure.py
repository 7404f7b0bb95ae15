"""What a BPMN or DMN file may contain, read from its XML before SpiffWorkflow parses it.

Models drawn in other modelers carry things the engine cannot run: message and signal
events, event-based gateways, Camunda forms, assignees and external tasks, SpiffArena form
references (see engine.process_properties), cron timers, event subprocesses, collaborations with several executable pools.
Each becomes a problem naming the element and saying what to change, never a traceback
and never a case that waits forever. A file that is not well-formed XML, or has no
executable process, is not parsed further.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from engine.problems import Problem
from engine.rights import ROLE_GRANTED_BY

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
MAX_ELEMENTS = 400
SUPPORTED_DURATION = re.compile(r"P[0-9]+[DW]")
LOOKS_LIKE_A_TIME = re.compile(r"P[0-9A-Za-z.]+|[0-9]{4}-[0-9]{2}-[0-9]{2}.*")
SYSTEM_LANE = "system"

# Element → (Swedish, English) of what to change.
UNSUPPORTED = {
    "messageEventDefinition": (
        "meddelandehändelser stöds inte (inget kan skicka meddelandet, ärendet skulle vänta "
        "för evigt); använd en användaruppgift eller en timer",
        "message events are not supported (nothing can send the message; the case would "
        "wait forever); use a user task or a timer",
    ),
    "signalEventDefinition": (
        "signaler stöds inte; använd en användaruppgift eller en timer",
        "signals are not supported; use a user task or a timer",
    ),
    "conditionalEventDefinition": (
        "villkorshändelser stöds inte; använd en exklusiv gateway",
        "conditional events are not supported; use an exclusive gateway",
    ),
    "escalationEventDefinition": (
        "eskaleringar stöds inte; använd en timer med regel",
        "escalations are not supported; use a timer with a rule",
    ),
    "errorEventDefinition": (
        "felhändelser stöds inte; ett skript som fallerar avvisas redan",
        "error events are not supported; a failing script is refused already",
    ),
    "eventBasedGateway": (
        "händelsebaserade gateways stöds inte; använd en användaruppgift med en timer",
        "event-based gateways are not supported; use a user task with a boundary timer",
    ),
    "complexGateway": (
        "komplexa gateways stöds inte; använd exklusiva eller parallella",
        "complex gateways are not supported; use exclusive or parallel ones",
    ),
    "sendTask": (
        "sändaruppgifter stöds inte; använd en serviceuppgift send_email",
        "send tasks are not supported; use a send_email service task",
    ),
    "receiveTask": (
        "mottagaruppgifter stöds inte; använd en användaruppgift",
        "receive tasks are not supported; use a user task",
    ),
    "manualTask": (
        "manuella uppgifter stöds inte; använd en användaruppgift med formulär",
        "manual tasks are not supported; use a user task with a form",
    ),
    "timeCycle": (
        "återkommande (cron-)timers stöds inte; använd en timer med en varaktighet "
        "i hela dagar (P7D)",
        "cycle (cron) timers are not supported; use a timer with a duration in whole days (P7D)",
    ),
}
CAMUNDA_ATTRIBUTES = {
    "formKey": (
        "Camunda-formulär används inte; lägg formuläret som <process>.<uppgift>.json",
        "Camunda forms are not used; add the form as <process>.<task>.json",
    ),
    "assignee": (
        "tilldelning till en person stöds inte; lanen anger rollen",
        "assigning a person is not supported; the lane names the role",
    ),
    "candidateGroups": (
        "kandidatgrupper stöds inte; lanen anger rollen",
        "candidate groups are not supported; the lane names the role",
    ),
    "candidateUsers": (
        "kandidatanvändare stöds inte; lanen anger rollen",
        "candidate users are not supported; the lane names the role",
    ),
    "type": (
        "externa uppgifter stöds inte; använd en serviceuppgift send_email eller en "
        "användaruppgift",
        "external tasks are not supported; use a send_email service task or a user task",
    ),
    "topic": ("externa uppgifter stöds inte", "external tasks are not supported"),
    "class": ("Java-klasser stöds inte", "Java classes are not supported"),
    "expression": ("Camunda-uttryck stöds inte", "Camunda expressions are not supported"),
    "delegateExpression": ("Camunda-uttryck stöds inte", "Camunda expressions are not supported"),
}
# (element id, Swedish, English) → one problem of the file being checked.
ProblemSink = Callable[[str | None, str, str], None]


@dataclass(frozen=True)
class StructureReport:
    problems: list[Problem]
    parseable: bool  # well-formed with an executable process: worth handing to SpiffWorkflow


def check_bpmn_structure(filename: str, text: str) -> StructureReport:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        return StructureReport(
            [
                Problem(
                    filename,
                    None,
                    f"Filen är inte välformad XML (rad {line}, kolumn {column}): {error}. / "
                    f"The file is not well-formed XML (line {line}, column {column}): {error}.",
                )
            ],
            parseable=False,
        )
    problems: list[Problem] = []

    def problem(element: str | None, sv: str, en: str) -> None:
        problems.append(Problem(filename, element, f"{sv}. / {en}."))

    processes = root.findall(f"{BPMN}process")
    executable = [p for p in processes if p.get("isExecutable", "false").lower() == "true"]
    if not executable:
        ids = ", ".join(p.get("id", "?") for p in processes) or "-"
        problem(
            ids,
            'Ingen process är körbar: sätt isExecutable="true" på processen som ska köras',
            'No process is executable: set isExecutable="true" on the process to run',
        )
        return StructureReport(problems, parseable=False)
    if len(executable) > 1:
        problem(
            ", ".join(p.get("id", "?") for p in executable),
            "Flera körbara pooler i samma fil; lägg varje process i en egen fil",
            "Several executable pools in one file; put each process in a file of its own",
        )
    count = sum(1 for _ in root.iter())
    if count > MAX_ELEMENTS * 10:
        problem(
            None,
            f"Modellen har {count} XML-element; högst {MAX_ELEMENTS * 10} tillåts",
            f"The model has {count} XML elements; at most {MAX_ELEMENTS * 10} are allowed",
        )
    for process in executable:
        flow_nodes = [e for e in process.iter() if e.get("id") and e.tag.startswith(BPMN)]
        if len(flow_nodes) > MAX_ELEMENTS:
            problem(
                process.get("id"),
                f"Processen har {len(flow_nodes)} element; högst {MAX_ELEMENTS} tillåts",
                f"The process has {len(flow_nodes)} elements; at most {MAX_ELEMENTS} are allowed",
            )
        _check_process(process, problem)
    return StructureReport(problems, parseable=True)


def _check_process(process: ET.Element, problem: ProblemSink) -> None:
    roles = sorted(ROLE_GRANTED_BY)
    for lane in process.iter(f"{BPMN}lane"):
        name = lane.get("name") or ""
        if name not in ROLE_GRANTED_BY and name != SYSTEM_LANE:
            problem(
                lane.get("id"),
                f"Lanen '{name}' är ingen roll i sithsflow; döp om den till en av "
                f"{', '.join(roles)} (eller {SYSTEM_LANE})",
                f"The lane '{name}' is not a sithsflow role; rename it to one of "
                f"{', '.join(roles)} (or {SYSTEM_LANE})",
            )
    parents = {child: parent for parent in process.iter() for child in parent}

    def owner(node: ET.Element) -> str | None:
        """The id of the flow element `node` sits in (a timer, a script, an extension)."""
        current: ET.Element | None = parents.get(node)
        while current is not None and current is not process:
            if current.get("id") and not current.tag.endswith("EventDefinition"):
                return current.get("id")
            current = parents.get(current)
        return None

    starts = [e for e in process.findall(f"{BPMN}startEvent")]
    if len(starts) > 1:
        problem(
            ", ".join(s.get("id", "?") for s in starts),
            "Processen har flera starthändelser; behåll en vanlig starthändelse",
            "The process has several start events; keep one plain start event",
        )
    for start in starts:
        definitions = [c for c in start if c.tag.endswith("EventDefinition")]
        if definitions:
            kind = definitions[0].tag.removeprefix(BPMN)
            problem(
                start.get("id"),
                f"Starthändelsen har {kind}; bara vanliga starthändelser (startas med "
                f"startformuläret) stöds",
                f"The start event has a {kind}; only plain (none) start events, started "
                f"with the start form, are supported",
            )
    for parent in process.iter():
        element_id = parent.get("id")
        for child in parent:
            name = child.tag.removeprefix(BPMN)
            if name in UNSUPPORTED and not (name.endswith("EventDefinition") and _is_start(parent)):
                sv, en = UNSUPPORTED[name]
                # A gateway or task is named by its own id; a definition by its event's.
                is_definition = name.endswith("EventDefinition") or name == "timeCycle"
                problem(
                    owner(child) if is_definition else child.get("id"),
                    f"{_kind(name)}: {sv}",
                    f"{_kind(name)}: {en}",
                )
        if parent.tag == f"{BPMN}subProcess" and parent.get("triggeredByEvent") == "true":
            problem(
                element_id,
                "Händelsestyrda underprocesser stöds inte; använd en timer på uppgiften",
                "Event subprocesses are not supported; use a timer on the task",
            )
        for attribute in parent.attrib:
            if attribute.startswith(f"{{{CAMUNDA}}}"):
                local = attribute.split("}", 1)[1]
                sv, en = CAMUNDA_ATTRIBUTES.get(
                    local,
                    (
                        f"Camunda-attributet {local} stöds inte",
                        f"the Camunda attribute {local} is not supported",
                    ),
                )
                problem(element_id, f"camunda:{local}: {sv}", f"camunda:{local}: {en}")
        if parent.tag in (f"{BPMN}timeDate", f"{BPMN}timeDuration"):
            _check_timer(owner(parent), parent.text or "", problem)
        if parent.tag == f"{BPMN}script":
            _check_script_names(owner(parent), parent.text or "", problem)


def _is_start(element: ET.Element) -> bool:
    return element.tag == f"{BPMN}startEvent"


def _kind(name: str) -> str:
    return name.removesuffix("EventDefinition")


def _check_timer(element_id: str | None, expression: str, problem: ProblemSink) -> None:
    text = expression.strip()
    if not text:
        problem(element_id, "Timern saknar uttryck", "The timer has no expression")
        return
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if LOOKS_LIKE_A_TIME.fullmatch(text):
            problem(
                element_id,
                f'Timern {text} ska skrivas inom citattecken: "{text}"',
                f'The timer {text} must be written in quotes: "{text}"',
            )
        return  # a data name or an expression: compiled in the sandbox, judged by the smoke run
    if not isinstance(value, str):
        problem(
            element_id, f"Timervärdet {text} är ingen tid", f"The timer value {text} is not a time"
        )
        return
    if value.upper().startswith("P"):
        if not SUPPORTED_DURATION.fullmatch(value.upper()):
            problem(
                element_id,
                f"Timern '{value}' stöds inte: bara hela dagar eller veckor (P5D, P2W)",
                f"The timer '{value}' is not supported: only whole days or weeks (P5D, P2W)",
            )
        return
    problem(
        element_id,
        f"Timern '{value}' är en fast tidpunkt; använd en varaktighet (P5D) eller ett datafält",
        f"The timer '{value}' is a fixed instant; use a duration (P5D) or a data field",
    )


def _check_script_names(element_id: str | None, script: str, problem: ProblemSink) -> None:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return  # the sandbox check reports it
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            problem(
                element_id,
                "print() finns inte i skript; ta bort raden",
                "print() is not available in scripts; remove the line",
            )
            return


def check_dmn_structure(filename: str, text: str) -> list[Problem]:
    """A decision table has typed, named inputs and outputs (its hit policy UNIQUE when not
    given, as DMN has it)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        return [
            Problem(
                filename,
                None,
                f"Filen är inte välformad XML: {error}. / "
                f"The file is not well-formed XML: {error}.",
            )
        ]
    problems: list[Problem] = []
    tables = [e for e in root.iter() if e.tag.endswith("}decisionTable")]
    if not tables:
        problems.append(
            Problem(
                filename, None, "Filen har ingen beslutstabell. / The file has no decision table."
            )
        )
    for table in tables:
        # No hitPolicy is UNIQUE (the DMN schema's default, as SpiffWorkflow reads it): dmn-js
        # never writes the default, so a table saved in the workspace has none.
        for item in table:
            local = item.tag.rsplit("}", 1)[-1]
            if local == "input":
                expression = next((c for c in item if c.tag.endswith("}inputExpression")), None)
                if expression is None or not expression.get("typeRef"):
                    problems.append(
                        Problem(
                            filename,
                            item.get("id"),
                            "Indata saknar typeRef. / The input has no typeRef.",
                        )
                    )
            if local == "output" and not (item.get("typeRef") and item.get("name")):
                problems.append(
                    Problem(
                        filename,
                        item.get("id"),
                        "Utdata saknar name eller typeRef. / The output has no name or typeRef.",
                    )
                )
    return problems
