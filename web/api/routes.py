"""The API's views: read the request, call one service, shape the answer like the CLI's JSON.

No rule is judged here; every refusal is a DomainError from the service, mapped in
errors.py. Response keys match `sithsflow --json` (CONTRACT.md), so a script can move
between the CLI and the API without renaming anything.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request
from flask import url_for

from engine.errors import Invalid
from engine.policy.timekeeping import to_local
from engine.services import cases
from engine.services import queries
from engine.services.cancel import cancel_case
from engine.services.deploy.versions import active_forms
from engine.services.migration import migrate_cases
from engine.services.revoke import revoke_card
from web.api.auth import api_reader
from web.api.auth import install_authentication
from web.api.context import clock
from web.api.context import form_fields
from web.api.context import identity
from web.api.context import is_database_id
from web.api.context import json_object
from web.api.context import page_cursor
from web.api.context import page_limit
from web.api.context import refuse_unknown_keys
from web.api.context import required_text
from web.api.context import runtime
from web.api.errors import install_error_handlers
from web.api.openapi import build_document

api_blueprint = Blueprint("api", __name__)
install_authentication(api_blueprint)
install_error_handlers(api_blueprint)

Json = dict[str, Any]


@api_blueprint.post("/cases")
def start_case() -> tuple[Response, int, dict[str, str]]:
    """Start a case of the newest version of `process` with its start form's `fields`."""
    body = json_object()
    refuse_unknown_keys(body, "process", "fields")
    summary = cases.start_case(
        runtime(), clock(), required_text(body, "process"), identity().username, form_fields(body)
    )
    location = url_for(".show_case", case_id=summary.id)
    # A warning (a live LoA2 card) goes beside the case, never instead of it.
    body = {"case": summary.summary_json(), "warnings": summary.warnings_json()}
    return jsonify(body), 201, {"Location": location}


@api_blueprint.get("/cases")
def list_cases() -> Json:
    """One page of cases by id; pass `next_cursor` back as `cursor` for the next."""
    page = queries.list_cases(
        runtime(),
        request.args.get("state") or None,
        limit=page_limit(),
        cursor=page_cursor(),
        reader=api_reader(),
    )
    return {"cases": [case.as_json() for case in page.items], "next_cursor": page.next_cursor}


@api_blueprint.get("/cases/<int:case_id>")
def show_case(case_id: int) -> Json:
    # S2: outside the token user's scope, the 404 of a case that does not exist.
    return {"case": queries.show_case(runtime(), case_id, reader=api_reader())}


@api_blueprint.get("/tasks")
def list_tasks() -> Json:
    """One page of the tasks the token's user may work now (engine.services.may_work)."""
    page = queries.tasks_for(
        runtime(), clock(), identity().username, limit=page_limit(), cursor=page_cursor()
    )
    return {"tasks": [task.as_json() for task in page.items], "next_cursor": page.next_cursor}


@api_blueprint.post("/tasks/<task_id>/claim")
def claim_task(task_id: str) -> Json:
    cases.claim_task(runtime(), clock(), task_id, identity().username)
    return {"ok": True, "task": {"id": task_id, "claimed_by": identity().username}}


@api_blueprint.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str) -> Json:
    cases.unclaim_task(runtime(), clock(), task_id, identity().username)
    return {"ok": True, "task": {"id": task_id, "claimed_by": None}}


@api_blueprint.post("/tasks/<task_id>/complete")
def complete_task(task_id: str) -> Json:
    """Complete a task with its form's `fields`; answers the case's new state."""
    body = json_object()
    refuse_unknown_keys(body, "fields")
    summary = cases.complete_task(
        runtime(), clock(), task_id, identity().username, form_fields(body)
    )
    return {"case": {"id": summary.id, "process": summary.process, "state": summary.state}}


@api_blueprint.post("/cases/<int:case_id>/cancel")
def cancel(case_id: int) -> Json:
    """Cancel an open case with a `reason` (S4); issued cards stay as they are (R19)."""
    body = json_object()
    refuse_unknown_keys(body, "reason")
    summary = cancel_case(
        runtime(), clock(), case_id, identity().username, required_text(body, "reason")
    )
    return {"case": asdict(summary)}


@api_blueprint.post("/processes/<process_id>/migrate")
def migrate(process_id: str) -> Json:
    """Move running cases `to` a version (S5): `cases` (default all open), `dry_run`."""
    body = json_object()
    refuse_unknown_keys(body, "to", "cases", "dry_run")
    cases_given = body.get("cases", [])
    dry_run = body.get("dry_run", False)
    if not isinstance(cases_given, list) or not all(is_database_id(c) for c in cases_given):
        raise Invalid(
            "'cases' ska vara en lista av ärende-id. / 'cases' must be a list of case ids."
        )
    if not isinstance(dry_run, bool):
        raise Invalid("'dry_run' ska vara true eller false. / 'dry_run' must be true or false.")
    to = body.get("to")
    if not is_database_id(to):
        raise Invalid("'to' ska vara ett versionsnummer. / 'to' must be a version number.")
    report = migrate_cases(
        runtime(), clock(), process_id, to, identity().username, cases_given, dry_run=dry_run
    )
    return report.as_json()


@api_blueprint.get("/cards/<number>")
def show_card(number: str) -> Json:
    return {"card": queries.show_card(runtime(), number, reader=api_reader())}


@api_blueprint.post("/cards/<number>/revoke")
def revoke(number: str) -> Json:
    """Revoke a card for a `reason`, optionally recorded `via` the national support line (R19)."""
    body = json_object()
    refuse_unknown_keys(body, "reason", "via")
    via = body.get("via")
    if via is not None and not isinstance(via, str):
        raise Invalid("'via' ska vara en text. / 'via' must be a string.")
    revoked = revoke_card(
        runtime(), clock(), number, identity().username, required_text(body, "reason"), via
    )
    return {"card": revoked.as_json()}


@api_blueprint.get("/me")
def me() -> Json:
    """Who the token speaks for; authentication already looked it up, so no service call."""
    who = identity()
    return {
        "user": {"username": who.username, "display_name": who.display_name, "roles": who.roles},
        "token": {
            "name": who.token_name,
            "created_at": _local_iso(who.token_created_at),
            "last_used_at": _local_iso(who.token_last_used_at),
            "expires_at": _local_iso(who.token_expires_at),
        },
    }


def _local_iso(at: datetime) -> str:
    # As every other time the API answers with: Stockholm, to the second.
    return to_local(at).isoformat(timespec="seconds")


@api_blueprint.get("/openapi.json")
def openapi_document() -> Json:
    """The OpenAPI document; public, since it describes the API and holds no data."""
    prefix = url_for(".openapi_document").removesuffix("/openapi.json")
    # The forms new cases get: those of each process's active version.
    return build_document(active_forms(runtime()), server_url=prefix)
