"""Refusals raised at SpiffWorkflow's door: bad definitions and scripts that break the sandbox."""

from __future__ import annotations

from engine.errors import Invalid
from engine.errors import NotPermitted

SANDBOX_RULE = "SANDBOX"


class ProcessDefinitionError(Invalid):
    """A BPMN/DMN file does not parse or uses something sithsflow cannot run safely."""


class ScriptRefused(NotPermitted):
    """A script or expression broke the sandbox or failed while the case ran."""
