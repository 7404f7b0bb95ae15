"""Serializing specs (once per process version) and case state (without the spec)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.runner.scripting import ClockedTimerEventDefinition


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


STATE_SERIALIZER = _make_serializer(spec_free=True)
SPEC_SERIALIZER = _make_serializer(spec_free=False)
SERIALIZER_VERSION = STATE_SERIALIZER.VERSION


@lru_cache(maxsize=32)
def load_spec(spec_json: str) -> tuple[Any, dict[str, Any]]:
    dct = json.loads(spec_json)
    spec = SPEC_SERIALIZER.from_dict(dct["spec"])
    subs = {k: SPEC_SERIALIZER.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def properties_of(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties", {}))
