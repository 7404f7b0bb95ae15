"""The OpenAPI component schemas: the shapes the API answers with, and the forms it takes.

Response shapes mirror engine/services/queries.py and the CLI's JSON. Form schemas are the
forms/ JSON Schemas themselves: OpenAPI 3.1 speaks JSON Schema 2020-12, so each form is
embedded as written, less `$schema` and `$id` (an `$id` would move the base URI of every
`$ref` inside the document).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.forms import START_FORM_ID
from engine.forms import Form
from engine.inputs import LARGEST_ID
from engine.model.cases import CASE_STATES
from engine.model.revocations import REVOCATION_REASONS

Schema = dict[str, Any]

TEXT: Schema = {"type": "string"}
OPTIONAL_TEXT: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": ["string", "null"], "format": "date-time"}
INTEGER: Schema = {"type": "integer"}
# An id or version a request names: the range a row can have (engine.inputs.LARGEST_ID);
# the API refuses a number outside it with 422 before it reaches the database.
ROW_NUMBER: Schema = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def form_schema_name(form: Form) -> str:
    """`loa3-reserve.start` → `form.loa3-reserve.start` (names allow `.` and `-`)."""
    return f"form.{form.process_id}.{form.form_id}"


def _obj(properties: dict[str, Schema], *, required: Iterable[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties if required is None else required),
    }


def _form_component(form: Form) -> Schema:
    return {k: v for k, v in form.schema.items() if k not in ("$schema", "$id")}


def _start_request(forms: list[Form]) -> Schema:
    """One alternative per process that has a start form; `process` tells them apart."""
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {"process": {"const": form.process_id}, "fields": ref(name)},
                "required": ["process", "fields"],
                "additionalProperties": False,
            }
            for form, name in ((f, form_schema_name(f)) for f in forms)
        ]
    }


def _complete_request(forms: list[Form]) -> Schema:
    # anyOf, not oneOf: a form with no required fields (request_renewal) matches {} too.
    # The task itself decides which form applies; the server validates against that one.
    return {
        "type": "object",
        "properties": {"fields": {"anyOf": [ref(form_schema_name(f)) for f in forms]}},
        "additionalProperties": False,
    }


def component_schemas(forms: Iterable[Form]) -> dict[str, Schema]:
    """Every schema the paths refer to, with one per form in forms/."""
    all_forms = sorted(forms, key=lambda f: (f.process_id, f.form_id))
    start_forms = [f for f in all_forms if f.form_id == START_FORM_ID]
    task_forms = [f for f in all_forms if f.form_id != START_FORM_ID]
    state: Schema = {"type": "string", "enum": list(CASE_STATES)}
    schemas: dict[str, Schema] = {
        "Error": {
            **_obj({"rule": OPTIONAL_TEXT, "message": TEXT}),
            "description": "A refusal: the rule ID where one applies, and a sentence "
            "in Swedish, then ' / ', then English.",
        },
        "FormError": {
            "allOf": [
                ref("Error"),
                _obj(
                    {
                        "fields": {"type": "object", "additionalProperties": TEXT},
                        "fields_en": {"type": "object", "additionalProperties": TEXT},
                    },
                    required=(),
                ),
            ],
            "description": "A refusal of invalid input; when a form was refused, `fields` "
            "(Swedish) and `fields_en` (English) give each failing field's sentence.",
        },
        "Warning": {
            **_obj({"rule": OPTIONAL_TEXT, "message": TEXT}),
            "description": "Not a refusal: something to know, e.g. the card user already has "
            "a live LoA2 card. Swedish, then ' / ', then English.",
        },
        "StartCaseRequest": _start_request(start_forms),
        "CompleteTaskRequest": _complete_request(task_forms),
        "CaseSummary": _obj({"id": INTEGER, "process": TEXT, "version": INTEGER, "state": state}),
        "CaseState": _obj({"id": INTEGER, "process": TEXT, "state": state}),
        "CaseListItem": _obj(
            {
                "id": INTEGER,
                "process": TEXT,
                "version": INTEGER,
                "state": state,
                "holder": OPTIONAL_TEXT,
                "started_at": TIME,
            }
        ),
        "CaseTask": _obj(
            {
                "id": TEXT,
                "name": TEXT,
                "title": OPTIONAL_TEXT,
                "state": TEXT,
                "lane": OPTIONAL_TEXT,
                "cycle": INTEGER,
                "due_at": TIME,
                "claimed_by": OPTIONAL_TEXT,
                "completed_by": OPTIONAL_TEXT,
                "completed_at": TIME,
                # R20: the one person who works the task (an attester), else null.
                "assignee": OPTIONAL_TEXT,
            }
        ),
        "Timer": _obj(
            {
                "name": TEXT,
                "due_at": TIME,
                "status": TEXT,
                "rule": OPTIONAL_TEXT,
                "fired_at": TIME,
            }
        ),
        "HistoryEntry": _obj(
            {
                "at": TEXT,
                "actor": TEXT,
                "action": TEXT,
                "task": OPTIONAL_TEXT,
                "fields": {"type": "object", "additionalProperties": TEXT},
            },
            required=["at", "actor", "action"],
        )
        | {
            "description": "One audit event; the audit trail's other columns come along. "
            "A completed step (`start`, `complete`) has the `fields` entered in it."
        },
        "Case": _obj(
            {
                "id": INTEGER,
                "process": TEXT,
                "version": INTEGER,
                "state": state,
                "cycle": INTEGER,
                "holder": OPTIONAL_TEXT,
                "organisation": TEXT,
                "started_by": TEXT,
                "started_at": TIME,
                "ended_at": TIME,
                "data": {"type": "object"},
                "tasks": {"type": "array", "items": ref("CaseTask")},
                "timers": {"type": "array", "items": ref("Timer")},
                "history": {"type": "array", "items": ref("HistoryEntry")},
            }
        ),
        "Task": _obj(
            {
                "id": TEXT,
                "case": INTEGER,
                "name": TEXT,
                "title": OPTIONAL_TEXT,
                "process": TEXT,
                "lane": OPTIONAL_TEXT,
                "holder": OPTIONAL_TEXT,
                "due_at": TIME,
                "claimed_by": OPTIONAL_TEXT,
            }
        ),
        # A reason of spaces only is no reason: the server strips it and refuses (422).
        "CancelCaseRequest": _obj({"reason": {"type": "string", "pattern": "\\S"}})
        | {"additionalProperties": False},
        "RevokeCardRequest": _obj(
            {
                "reason": {
                    "type": "string",
                    "enum": list(REVOCATION_REASONS),
                    "description": "Why the card is revoked (R19).",
                },
                "via": {
                    "type": "string",
                    "enum": ["national-support-line"],
                    "description": "Recorded afterwards as done by the national support line.",
                },
            },
            required=["reason"],
        )
        | {"additionalProperties": False},
        "RevokedCard": _obj(
            {
                "number": TEXT,
                "state": {"type": "string", "enum": ["revoked"]},
                "reason": TEXT,
                "via": TEXT,
                "revoked_at": TIME,
                "add_ons_to_end": {"type": "array", "items": TEXT},
                "ended_cases": {"type": "array", "items": INTEGER},
            }
        ),
        "MigrateRequest": _obj(
            {
                "to": ROW_NUMBER | {"description": "The target version."},
                "cases": {
                    "type": "array",
                    "items": ROW_NUMBER,
                    "description": "Only these cases; default every open case on another version.",
                },
                "dry_run": {"type": "boolean", "description": "Move nothing; say what would."},
            },
            required=["to"],
        )
        | {"additionalProperties": False},
        "Migration": _obj(
            {
                "process": TEXT,
                "to_version": INTEGER,
                "dry_run": {"type": "boolean"},
                "movable": {"type": "array", "items": INTEGER},
                "blocked": {
                    "type": "array",
                    "items": _obj(
                        {
                            "case": INTEGER,
                            "reason": TEXT,
                            "reasons": {"type": "array", "items": TEXT},
                        }
                    ),
                },
                "moved": {"type": "array", "items": INTEGER},
            }
        ),
        "Claim": _obj(
            {"ok": {"const": True}, "task": _obj({"id": TEXT, "claimed_by": OPTIONAL_TEXT})}
        ),
        "Certificate": _obj(
            {
                "kind": TEXT,
                "loa": INTEGER,
                "valid_from": TIME,
                "valid_until": TIME,
                "issued_by": TEXT,
                "first_admin": OPTIONAL_TEXT,
                "case": {"type": ["integer", "null"]},
                "valid_for_national_systems": {"type": ["boolean", "null"]},
                "ceiling_rule": OPTIONAL_TEXT,
                "verifications": {
                    "type": "array",
                    "items": _obj({"admin": TEXT, "id_document": TEXT, "at": TEXT}),
                    "description": "R6: each administrator of an issuance with the ID "
                    "document they checked, in order.",
                },
            }
        ),
        "Card": _obj(
            {
                "number": TEXT,
                "holder": OPTIONAL_TEXT,
                "holder_name": OPTIONAL_TEXT,
                "loa": {"type": ["integer", "null"]},
                "state": TEXT,
                "issued_at": TIME,
                "valid_until": TIME,
                "valid_for_national_systems": {"type": ["boolean", "null"]},
                "certificates": {"type": "array", "items": ref("Certificate")},
            }
        ),
        "Me": _obj(
            {
                "user": _obj(
                    {
                        "username": TEXT,
                        "display_name": TEXT,
                        "roles": {"type": "array", "items": TEXT},
                    }
                ),
                "token": _obj(
                    {"name": TEXT, "created_at": TIME, "last_used_at": TIME, "expires_at": TIME}
                ),
            }
        ),
    }
    schemas.update(_process_schemas())
    schemas.update({form_schema_name(f): _form_component(f) for f in all_forms})
    return schemas


def _process_schemas() -> dict[str, Schema]:
    """The shapes of /processes (engine/services/deploy), as `sithsflow process …` prints."""
    changes = _obj(
        {
            "added": {"type": "array", "items": TEXT},
            "removed": {"type": "array", "items": TEXT},
            "changed": {"type": "array", "items": TEXT},
        }
    )
    deployed = _obj(
        {
            "id": TEXT,
            "version": INTEGER,
            "kind": {"type": "string", "enum": ["process", "decision"]},
            "new": {"type": "boolean"},
            "active": {"type": "boolean"},
        }
    )
    return {
        "ProcessListItem": _obj({"id": TEXT, "version": INTEGER, "suspended": {"type": "boolean"}}),
        "ProcessVersions": _obj(
            {
                "process": TEXT,
                "versions": {
                    "type": "array",
                    "items": _obj(
                        {
                            "version": INTEGER,
                            "deployed_at": TIME,
                            "deployed_by": TEXT,
                            "active": {"type": "boolean"},
                            "open_cases": INTEGER,
                        }
                    ),
                },
            }
        ),
        "ProcessState": _obj(
            {"id": TEXT, "active_version": INTEGER, "suspended": {"type": "boolean"}}
        ),
        "ActivateRequest": {
            **_obj({"version": ROW_NUMBER}),
            "additionalProperties": False,
        },
        "DeployRequest": {
            **_obj(
                {
                    "files": {"type": "object", "additionalProperties": TEXT},
                    "dry_run": {"type": "boolean"},
                },
                required=["files"],
            ),
            "additionalProperties": False,
            "description": "File name → file text: `PROCESS.bpmn`, `TABLE.dmn`, "
            "`PROCESS.TASK.json` and `PROCESS.start.json`.",
        },
        "DeployResult": _obj(
            {
                "processes": {"type": "array", "items": deployed},
                "deployed": {"type": "array", "items": deployed},
                "dry_run": {"type": "boolean"},
            }
        ),
        "ProcessDiff": _obj(
            {
                "process": TEXT,
                "from": INTEGER,
                "to": INTEGER,
                "tasks": changes,
                "forms": changes,
                "timers": changes,
                "rules": changes,
            }
        ),
        "ModelError": {
            "allOf": [
                ref("Error"),
                _obj(
                    {
                        "problems": {
                            "type": "array",
                            "items": _obj(
                                {"file": TEXT, "element": OPTIONAL_TEXT, "message": TEXT}
                            ),
                        }
                    },
                    required=(),
                ),
            ],
            "description": "A refused bundle: every problem with its file and element. A "
            "request refused before any file was read (no files, a malformed body) has no "
            "`problems`.",
        },
    }
