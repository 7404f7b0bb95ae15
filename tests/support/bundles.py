"""Writing deploy bundles in tests: BPMN text plus the forms every task needs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from engine.services.deploy import PROCESSES_DIR


def form_schema(title: str, *fields: str) -> dict[str, Any]:
    """The smallest form sithsflow accepts, with optional free-text fields."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "x-title-en": title,
        "x-rules": [],
        "type": "object",
        "properties": {
            name: {
                "type": "string",
                "title": name,
                "x-title-en": name,
                "x-help-sv": name,
                "x-help-en": name,
            }
            for name in fields
        },
        "required": [],
        "additionalProperties": False,
    }


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_form(folder: Path, process_id: str, form_id: str, *fields: str) -> Path:
    schema = form_schema(f"{process_id} {form_id}", *fields)
    return write(folder, f"{process_id}.{form_id}.json", json.dumps(schema))


def bundled_source(name: str) -> str:
    """A file of processes/ as text."""
    return (PROCESSES_DIR / name).read_text(encoding="utf-8")


_DEADLINE_TIMER = re.compile(
    r'(<bpmn:timerEventDefinition id="deadline_timer">).*?(</bpmn:timerEventDefinition>)',
    re.DOTALL,
)


def with_r7_deadline(source: str, duration: str) -> str:
    """loa3-reserve with its R7 deadline timer set to `duration` (e.g. "P7D"), whichever
    way the bundled file writes it today."""
    changed, count = _DEADLINE_TIMER.subn(
        rf'\g<1><bpmn:timeDuration>"{duration}"</bpmn:timeDuration>\g<2>', source
    )
    assert count == 1, "no deadline_timer in the source"
    return changed
