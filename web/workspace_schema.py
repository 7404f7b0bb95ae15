"""What the workspace's browser code is told: the typed property schema and its words.

The properties panel is driven by engine.process_properties.PROPERTIES, the schema the
deploy check uses, so the panel offers exactly the names, places and values a deploy
accepts. Labels come from the catalogues; each property's explanation is the schema's
own Swedish or English sentence.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext

from engine.process_properties import ACTION_ELEMENTS
from engine.process_properties import PROPERTIES
from web.i18n import language

PROPERTY_LABELS = {
    "action": lazy_gettext("Domain action"),
    "loa": lazy_gettext("Level of assurance (LoA)"),
    "four_eyes": lazy_gettext("Four eyes"),
    "case_state": lazy_gettext("Case state at this end"),
    "continue_as_new": lazy_gettext("Continue as a new cycle"),
    "rule": lazy_gettext("Rule the timer enforces"),
    "rules": lazy_gettext("Rules the element serves"),
    "scope": lazy_gettext("Queue scope"),
}


def property_schema() -> list[dict[str, Any]]:
    """One entry per property: name, label, help, the element kinds it may stand on, its
    allowed values (None: free text matching `pattern`) and, for actions, each value's
    element kind."""
    english = language() == "en"
    return [
        {
            "name": spec.name,
            "label": str(PROPERTY_LABELS.get(spec.name, spec.name)),
            "help": spec.en if english else spec.sv,
            "elements": list(spec.elements),
            "values": list(spec.values) if spec.values is not None else None,
            "pattern": spec.pattern.pattern if spec.pattern is not None else None,
            "many": spec.many,
            "value_elements": dict(ACTION_ELEMENTS) if spec.name == "action" else None,
        }
        for spec in PROPERTIES.values()
    ]


def modeler_strings() -> dict[str, str]:
    """Every sentence the modeler's script shows, in the session's language."""
    return {
        "saved": gettext("Draft saved."),
        "saving": gettext("Saving the draft…"),
        "checking": gettext("Checking the draft on the server…"),
        "noProblems": gettext("No problems: the draft can be deployed."),
        "problems": gettext("Problems found"),
        "deploying": gettext("Deploying…"),
        "deployed": gettext("Deployed: version %(version)s is active.", version="{version}"),
        "unchanged": gettext("Nothing changed against the active version."),
        "failed": gettext("The server refused"),
        "noSelection": gettext("Select an element in the diagram to see its properties."),
        "name": gettext("Label"),
        "timer": gettext("Timer expression"),
        "timerHelp": gettext('A quoted ISO 8601 duration, e.g. "P5D" for five days.'),
        "condition": gettext("Condition"),
        "conditionHelp": gettext("A Python expression over the case data, e.g. cycle > 1."),
        "none": gettext("(none)"),
        "element": gettext("Element"),
        "file": gettext("File"),
        "changes": gettext("Changes against the active version"),
        "tasks": gettext("Tasks"),
        "forms": gettext("Forms"),
        "timers": gettext("Timers"),
        "rules": gettext("Rules"),
        "decisions": gettext("Decision tables"),
        "added": gettext("added"),
        "removed": gettext("removed"),
        "changed": gettext("changed"),
        "invalidJson": gettext("The form is not valid JSON."),
        "problemOn": gettext("Problem on this element"),
        "waiting": gettext("Open cases waiting here · median wait"),
        "waitingShown": gettext("Open cases per task: the count and the median wait."),
        "noneWaiting": gettext("No open case waits at a task."),
        "rerun": gettext("Run again"),
        "form": gettext("form"),
        "selectTask": gettext("Select a user task or the start event first."),
        "invalidScenario": gettext("The scenario data is not a JSON object."),
        "simulating": gettext("Simulating…"),
        "simulated": gettext("Simulated: the case reached an end."),
        "simulatedStuck": gettext("Simulated: the case reached no end."),
        "step_start": gettext("started"),
        "step_task": gettext("task completed"),
        "step_timer": gettext("timer fired"),
        "step_end": gettext("end reached"),
        "step_stuck": gettext("waits for a person"),
    }
