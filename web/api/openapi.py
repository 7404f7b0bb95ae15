"""/api/openapi.json: an OpenAPI 3.1 document of every endpoint, with the active versions' forms.

The paths are written out here, next to nothing else, so that a reader sees the whole API
on one screen; tests/api/test_openapi.py compares them with the app's URL map, so a route
added without documentation fails the build.
"""

from __future__ import annotations

from typing import Any

from engine.forms import FormRegistry
from engine.model.cases import CASE_STATES
from engine.services.paging import DEFAULT_PAGE_SIZE
from engine.services.paging import MAX_PAGE_SIZE
from engine.services.queries import DEFAULT_CASE_PAGE_SIZE
from web.api.register_openapi import register_paths
from web.api.register_openapi import register_schemas
from web.api.schemas import ROW_NUMBER
from web.api.schemas import Schema
from web.api.schemas import component_schemas
from web.api.schemas import ref

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
SECURITY_SCHEME = "bearerToken"

_REFUSALS = {
    "401": "No token, or an unknown, expired or revoked one.",
    "429": "Too many refused tokens from this address; wait `Retry-After` seconds.",
    "403": "A rule or a right forbids it (R5, R6, R12 …); `rule` names it.",
    "404": "No such case, task, card, process or user, or none the caller may read (S2).",
    "409": "The task or case is no longer in the state the caller saw.",
    "422": "Malformed input: the body, a field, a date.",
}
# Any request may be refused for its size before a view reads it (web/request_guards.py
# and MAX_CONTENT_LENGTH), with the same JSON as every other error.
_LIMITS = {
    "413": "The body is larger than the API accepts (256 KB).",
    "431": "A header, or all headers together, are longer than the API accepts.",
}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    answers = {code: _json(ref("Error"), _REFUSALS[code]) for code in ("401", "429", *codes)}
    answers |= {code: _json(ref("Error"), text) for code, text in _LIMITS.items()}
    if "422" in codes:
        answers["422"] = _json(
            ref("FormError"), _REFUSALS["422"] + " A refused form lists each field in `fields`."
        )
    return answers


def _keyed(key: str, schema: Schema) -> Schema:
    return {"type": "object", "properties": {key: schema}, "required": [key]}


def _list_of(key: str, item: str) -> Schema:
    return _keyed(key, {"type": "array", "items": ref(item)})


def _page_of(key: str, item: str) -> Schema:
    """A keyset page: the items and the cursor of the next page (null on the last)."""
    return {
        "type": "object",
        "properties": {
            key: {"type": "array", "items": ref(item)},
            "next_cursor": {"type": ["string", "null"]},
        },
        "required": [key, "next_cursor"],
    }


def _page_params(default: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            "description": f"Page size (default {default}).",
        },
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "The `next_cursor` of the page before; omit for the first page.",
        },
    ]


def _path_param(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


# A path segment is never empty: `/tasks//claim` is another address (404).
PATH_TEXT: Schema = {"type": "string", "minLength": 1}
TASK_ID = _path_param("task_id", PATH_TEXT, "A task's id, from `GET /tasks`.")


def _operation(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    *,
    errors: tuple[str, ...] = (),
    body: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": {**ok, **_errors(*errors)},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(ref(body), body)}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _paths() -> dict[str, Any]:
    case_id = _path_param("case_id", {"type": "integer"}, "A case's id.")
    return {
        "/cases": {
            "post": _operation(
                "startCase",
                "Start a case of a process with its start form's fields.",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "case": ref("CaseSummary"),
                                "warnings": {"type": "array", "items": ref("Warning")},
                            },
                            "required": ["case", "warnings"],
                        },
                        "The case started, with what its start warned about.",
                    )
                },
                errors=("403", "404", "409", "422"),
                body="StartCaseRequest",
            ),
            "get": _operation(
                "listCases",
                "List cases by id, optionally in one state, one page at a time.",
                {"200": _json(_page_of("cases", "CaseListItem"), "One page of cases.")},
                errors=("422",),
                parameters=[
                    {
                        "name": "state",
                        "in": "query",
                        "required": False,
                        # Empty is what a search form sends for "any state".
                        "schema": {"type": "string", "enum": ["", *CASE_STATES]},
                        "description": "Only cases in this state; empty or left out: any state.",
                    },
                    *_page_params(DEFAULT_CASE_PAGE_SIZE),
                ],
            ),
        },
        "/cases/{case_id}": {
            "get": _operation(
                "showCase",
                "One case with its data, tasks, timers and history.",
                {"200": _json(_keyed("case", ref("Case")), "The case.")},
                errors=("404",),
                parameters=[case_id],
            )
        },
        "/tasks": {
            "get": _operation(
                "listTasks",
                "The tasks the token's user may work now, oldest first, one page at a time.",
                {"200": _json(_page_of("tasks", "Task"), "One page of the user's tasks.")},
                errors=("422",),
                parameters=_page_params(DEFAULT_PAGE_SIZE),
            )
        },
        "/tasks/{task_id}/claim": {
            "post": _operation(
                "claimTask",
                "Take a task, so that colleagues see it is being worked.",
                {"200": _json(ref("Claim"), "Claimed.")},
                errors=("403", "404", "409"),
                parameters=[TASK_ID],
            )
        },
        "/tasks/{task_id}/unclaim": {
            "post": _operation(
                "unclaimTask",
                "Give one's own claim back to the queue, under the rules of a claim.",
                {"200": _json(ref("Claim"), "Back in the queue.")},
                errors=("403", "404", "409"),
                parameters=[TASK_ID],
            )
        },
        "/tasks/{task_id}/complete": {
            "post": _operation(
                "completeTask",
                "Complete a task with its form's fields.",
                {"200": _json(_keyed("case", ref("CaseState")), "The case after the task.")},
                errors=("403", "404", "409", "422"),
                body="CompleteTaskRequest",
                parameters=[TASK_ID],
            )
        },
        "/cases/{case_id}/cancel": {
            "post": _operation(
                "cancelCase",
                "Cancel an open case with a reason (S4); issued cards stay as they are.",
                {"200": _json(_keyed("case", ref("CaseSummary")), "The cancelled case.")},
                errors=("403", "404", "409", "422"),
                body="CancelCaseRequest",
                parameters=[case_id],
            )
        },
        "/processes/{process_id}/migrate": {
            "post": _operation(
                "migrateCases",
                "Move running cases to another version of their process (S5); a process "
                "owner only (S1). With `dry_run`, only say which cases can move and why not.",
                {"200": _json(ref("Migration"), "Movable, blocked (with why) and moved cases.")},
                errors=("403", "404", "422"),
                body="MigrateRequest",
                parameters=[_path_param("process_id", PATH_TEXT, "A process id.")],
            )
        },
        "/cards/{number}": {
            "get": _operation(
                "showCard",
                "One reserve card and its certificates.",
                {"200": _json(_keyed("card", ref("Card")), "The card.")},
                errors=("404",),
                parameters=[_path_param("number", PATH_TEXT, "e.g. RK000001.")],
            )
        },
        "/cards/{number}/revoke": {
            "post": _operation(
                "revokeCard",
                "Revoke a card and its certificates (R19): the service desk only; door access "
                "is flagged to end and open cases on the card end. A revoked card is never "
                "issued again (R2).",
                {"200": _json(_keyed("card", ref("RevokedCard")), "The revoked card.")},
                errors=("403", "404", "409", "422"),
                body="RevokeCardRequest",
                parameters=[_path_param("number", PATH_TEXT, "e.g. RK000001.")],
            )
        },
        "/me": {
            "get": _operation(
                "me",
                "Who the token speaks for, and their roles today.",
                {"200": _json(ref("Me"), "The token's user.")},
            )
        },
        **_process_paths(),
        **_register_paths(),
        "/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": _json({"type": "object"}, "The OpenAPI document."),
                    **{code: _json(ref("Error"), text) for code, text in _LIMITS.items()},
                },
            }
        },
    }


def _process_paths() -> dict[str, Any]:
    """/processes: the process owner's levers (S1), as `sithsflow process …`."""
    process_id = _path_param("process_id", PATH_TEXT, "e.g. loa3-reserve.")
    model_refused = _json(
        ref("ModelError"), "The bundle would not run or would break a rule: every problem."
    )
    return {
        "/processes": {
            "get": _operation(
                "listProcesses",
                "Every process with the version new cases get.",
                {"200": _json(_list_of("processes", "ProcessListItem"), "The processes.")},
            )
        },
        "/processes/deploy": {
            "post": {
                **_operation(
                    "deployBundle",
                    "Validate and deploy a bundle (BPMN, DMN, forms) as new versions (S1); "
                    "a new version becomes active. Also multipart/form-data with `files`.",
                    {"200": _json(ref("DeployResult"), "Deployed, or checked (dry run).")},
                    errors=("403",),
                    body="DeployRequest",
                ),
                "responses": {
                    "200": _json(ref("DeployResult"), "Deployed, or checked (dry run)."),
                    **_errors("403"),
                    "422": model_refused,
                },
            }
        },
        "/processes/{process_id}/versions": {
            "get": _operation(
                "listProcessVersions",
                "Every deployed version, which is active, and its open cases.",
                {"200": _json(ref("ProcessVersions"), "The versions.")},
                errors=("404",),
                parameters=[process_id],
            )
        },
        "/processes/{process_id}/activate": {
            "post": _operation(
                "activateProcessVersion",
                "Make a version the one new cases get; an older one is a rollback (S1).",
                {"200": _json(_keyed("process", ref("ProcessState")), "Activated.")},
                errors=("403", "404", "422"),
                body="ActivateRequest",
                parameters=[process_id],
            )
        },
        "/processes/{process_id}/suspend": {
            "post": _operation(
                "suspendProcess",
                "No new cases until resumed; open cases go on (S1).",
                {"200": _json(_keyed("process", ref("ProcessState")), "Suspended.")},
                errors=("403", "404"),
                parameters=[process_id],
            )
        },
        "/processes/{process_id}/resume": {
            "post": _operation(
                "resumeProcess",
                "New cases may start again (S1).",
                {"200": _json(_keyed("process", ref("ProcessState")), "Resumed.")},
                errors=("403", "404"),
                parameters=[process_id],
            )
        },
        "/processes/{process_id}/diff": {
            "get": _operation(
                "diffProcessVersions",
                "Tasks, forms, timers and rules that differ from version `from` to `to`.",
                {"200": _json(_keyed("diff", ref("ProcessDiff")), "The differences.")},
                errors=("404", "422"),
                parameters=[
                    process_id,
                    *(
                        {
                            "name": name,
                            "in": "query",
                            "required": True,
                            "schema": ROW_NUMBER,
                            "description": description,
                        }
                        for name, description in (
                            ("from", "The version compared from."),
                            ("to", "The version compared to."),
                        )
                    ),
                ],
            )
        },
    }


def _register_paths() -> dict[str, Any]:
    """/stock, /employments, /closing-days, /organisations/…/settings, /rosters."""
    return register_paths(_operation, _json, _page_of, _keyed, _page_params, _path_param)


def build_document(forms: FormRegistry, *, server_url: str) -> dict[str, Any]:
    """The document for an API served at `server_url` (e.g. `/api`)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "sithsflow API",
            "version": API_VERSION,
            "description": "SITHS reserve-card issuance: the same use cases, rules and "
            "refusals as the `sithsflow` command line. Authenticate with a token from "
            "`sithsflow token issue --as USER --name NAME`.",
        },
        "servers": [{"url": server_url or "/"}],
        "security": [{SECURITY_SCHEME: []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer <token>.",
                }
            },
            "schemas": {**component_schemas(forms), **register_schemas()},
        },
    }
