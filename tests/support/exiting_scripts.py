"""Processes whose script raises a BaseException (SystemExit, KeyboardInterrupt,
GeneratorExit) when the case's `mode` says so: issue 10's `raise SystemExit`.

The deploy's smoke run takes the form's first choice ("ok"), so the bundle deploys; a case
started with another mode raises at its script, at the start or after a one-day timer.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.bundles import form_schema
from tests.support.bundles import write

BASE_EXCEPTIONS = ("SystemExit", "KeyboardInterrupt", "GeneratorExit")

_SCRIPT = """if mode == "SystemExit":
    raise SystemExit(0)
if mode == "KeyboardInterrupt":
    raise KeyboardInterrupt
if mode == "GeneratorExit":
    raise GeneratorExit
done = 1"""

_TIMER = """<bpmn:intermediateCatchEvent id="wait" name="wait">
      <bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="boom" />"""

_DIRECT = """<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="boom" />"""


def _bpmn(process_id: str, timer: bool) -> str:
    first = "f0" if timer else "f1"
    wait_ref = "<bpmn:flowNodeRef>wait</bpmn:flowNodeRef>" if timer else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="{process_id}-definitions" targetNamespace="https://sithsflow.example/test">
  <bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
    <bpmn:laneSet id="{process_id}-lanes">
      <bpmn:lane id="lane_desk" name="service_desk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>{wait_ref}
        <bpmn:flowNodeRef>boom</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>{first}</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="boom" name="boom">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{_SCRIPT}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    {_TIMER if timer else _DIRECT}
    <bpmn:sequenceFlow id="f2" sourceRef="boom" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def write_bundle(folder: Path, timer: bool) -> tuple[str, list[Path]]:
    """The process id ("exiting" or "exiting-later") and its files in `folder`."""
    process_id = "exiting-later" if timer else "exiting"
    form = form_schema(process_id, "mode")
    choices = ["ok", *BASE_EXCEPTIONS]
    form["properties"]["mode"]["enum"] = choices
    for language in ("sv", "en"):
        form["properties"]["mode"][f"x-enum-labels-{language}"] = {c: c for c in choices}
    files = [
        write(folder, f"{process_id}.bpmn", _bpmn(process_id, timer)),
        write(folder, f"{process_id}.start.json", json.dumps(form)),
    ]
    return process_id, files
