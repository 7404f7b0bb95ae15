"""/api/processes: the process owner's levers, as `sithsflow process …` has them.

Deploy takes the bundle as a multipart upload (`files`, repeatable) or as JSON
`{"files": {"name.bpmn": "<xml…>"}, "dry_run": false}`. S1 and every model check are the
engine's; a refused bundle answers 422 with `problems` beside `rule` and `message`.
"""

from __future__ import annotations

from typing import Any

from flask import request

from engine.errors import Invalid
from engine.policy.timekeeping import to_local
from engine.services.deploy import deploy_contents
from engine.services.deploy import versions
from web.api.context import clock
from web.api.context import identity
from web.api.context import is_database_id
from web.api.context import json_object
from web.api.context import refuse_unknown_keys
from web.api.context import runtime
from web.api.routes import api_blueprint

Json = dict[str, Any]


def _state(state: versions.ProcessState) -> Json:
    return {
        "process": {
            "id": state.id,
            "active_version": state.active_version,
            "suspended": state.suspended,
        }
    }


@api_blueprint.get("/processes")
def list_processes() -> Json:
    return {
        "processes": [
            {"id": p.id, "version": p.active_version, "suspended": p.suspended}
            for p in versions.list_processes(runtime())
        ]
    }


@api_blueprint.get("/processes/<process_id>/versions")
def list_versions(process_id: str) -> Json:
    return {
        "process": process_id,
        "versions": [
            {
                "version": v.version,
                "deployed_at": to_local(v.deployed_at).isoformat(timespec="seconds"),
                "deployed_by": v.deployed_by,
                "active": v.active,
                "open_cases": v.open_cases,
            }
            for v in versions.list_versions(runtime(), process_id)
        ],
    }


@api_blueprint.post("/processes/deploy")
def deploy() -> Json:
    """S1: a bundle as uploaded files or as JSON; `dry_run` checks and stores nothing."""
    files, dry_run = _bundle()
    deployed = deploy_contents(runtime(), clock(), files, identity().username, dry_run=dry_run)
    listed = [
        {"id": d.id, "version": d.version, "kind": d.kind, "new": d.new, "active": d.active}
        for d in deployed
    ]
    return {
        "processes": [d for d in listed if d["kind"] == "process"],
        "deployed": listed,
        "dry_run": dry_run,
    }


def _bundle() -> tuple[dict[str, bytes], bool]:
    if request.files:
        uploads = {
            (upload.filename or ""): upload.read() for upload in request.files.getlist("files")
        }
        return uploads, request.form.get("dry_run", "false").lower() == "true"
    body = json_object()
    refuse_unknown_keys(body, "files", "dry_run")
    files = body.get("files")
    dry_run = body.get("dry_run", False)
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise Invalid(
            "'files' ska vara ett objekt med filnamn och filernas text. / "
            "'files' must be an object of file names and the files' text."
        )
    if not isinstance(dry_run, bool):
        raise Invalid("'dry_run' ska vara true eller false. / 'dry_run' must be true or false.")
    return {str(name): text.encode("utf-8") for name, text in files.items()}, dry_run


@api_blueprint.post("/processes/<process_id>/activate")
def activate(process_id: str) -> Json:
    """S1: make `version` the one new cases get (an older one: a rollback)."""
    body = json_object()
    refuse_unknown_keys(body, "version")
    version = body.get("version")
    if not is_database_id(version):
        raise Invalid(
            "'version' ska vara ett versionsnummer. / 'version' must be a version number."
        )
    state = versions.activate(runtime(), clock(), process_id, version, identity().username)
    return _state(state)


@api_blueprint.post("/processes/<process_id>/suspend")
def suspend(process_id: str) -> Json:
    state = versions.set_suspended(
        runtime(), clock(), process_id, identity().username, suspended=True
    )
    return _state(state)


@api_blueprint.post("/processes/<process_id>/resume")
def resume(process_id: str) -> Json:
    state = versions.set_suspended(
        runtime(), clock(), process_id, identity().username, suspended=False
    )
    return _state(state)


@api_blueprint.get("/processes/<process_id>/diff")
def diff(process_id: str) -> Json:
    """`?from=A&to=B`: tasks, forms, timers and rules that differ."""
    versions_given = [request.args.get("from", ""), request.args.get("to", "")]
    if not all(_is_number(text) and is_database_id(int(text)) for text in versions_given):
        raise Invalid(
            "Ange ?from=A&to=B med versionsnummer. / Give ?from=A&to=B as version numbers."
        )
    from_version, to_version = (int(text) for text in versions_given)
    found = versions.diff(runtime(), process_id, from_version, to_version)
    return {
        "diff": {
            "process": found.process,
            "from": found.from_version,
            "to": found.to_version,
            **found.changes.to_dict(),
        }
    }


def _is_number(text: str) -> bool:
    # isdigit() alone also takes digits int() refuses, such as '²'.
    return text.isascii() and text.isdigit()
