"""The process owner's workspace (issue 13): processes and versions, the modeler, drafts.

Thin views over engine.services.drafts, deploy.versions and migration: S1 is checked in
the engine; `requires(process_owner)` only keeps other roles off pages they could not use
(403, as elsewhere in the app). The modeler page loads the bundle built from npm
(web/frontend, served from web/static/build) and talks to the JSON routes below, which
answer a refusal as `{"rule", "message", "problems"}` with the status of web.errors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from typing import ParamSpec

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import to_local
from engine.problems import ModelRejected
from engine.services import drafts
from engine.services import flow_watch
from engine.services import migration
from engine.services import simulation
from engine.services.deploy import versions
from engine.services.deploy.summary import CATEGORIES
from engine.services.deploy.summary import CategoryChanges
from engine.services.deploy.summary import Changes
from web import context
from web.errors import status_of
from web.form_editor import form_editor_strings
from web.i18n import language
from web.i18n import localized
from web.security import current_username
from web.security import requires
from web.views import workspace_watch
from web.workspace_schema import modeler_strings
from web.workspace_schema import property_schema

blueprint = Blueprint("workspace", __name__, url_prefix="/workspace")
workspace_watch.register(blueprint)
OWNERS = ("process_owner",)
P = ParamSpec("P")
Json = dict[str, Any]

# The modeler's own page may let bpmn-js and dmn-js set style attributes on the SVG and
# their popups, and the CodeMirror editor dmn-js opens in a table cell add its own <style>
# element (it takes no nonce from dmn-js); every other page keeps the app's policy without
# them (web/__init__.py). Scripts stay 'self' only.
MODELER_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "style-src-attr 'unsafe-inline'; style-src-elem 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def answers_json(view: Callable[P, Json]) -> Callable[P, Response | tuple[Response, int]]:
    """A refusal of the engine as JSON (with a rejected model's problems), not a page."""

    @wraps(view)
    def answered(*args: P.args, **kwargs: P.kwargs) -> Response | tuple[Response, int]:
        try:
            return jsonify(view(*args, **kwargs))
        except DomainError as error:
            body: Json = {"rule": error.rule, "message": localized(error.message)}
            if isinstance(error, ModelRejected):
                body["problems"] = [_problem(p.to_dict()) for p in error.problems]
            return jsonify(body), status_of(error)

    return answered


@blueprint.get("")
@requires(*OWNERS)
def index() -> str:
    runtime, clock, user = context.runtime(), context.clock(), current_username()
    processes = drafts.overview(runtime, clock, user)
    outcomes = {
        p.id: {o.version: o for o in flow_watch.outcomes_by_version(runtime, clock, p.id, user)}
        for p in processes
    }
    return render_template("workspace/index.html", processes=processes, outcomes=outcomes)


@blueprint.get("/<process_id>/model")
@requires(*OWNERS)
def model(process_id: str) -> Response:
    draft = drafts.open_draft(context.runtime(), context.clock(), process_id, current_username())
    config = {
        "process": process_id,
        "formStrings": form_editor_strings(),
        "draftUrl": url_for("workspace.draft", process_id=process_id),
        "checkUrl": url_for("workspace.check", process_id=process_id),
        "deployUrl": url_for("workspace.deploy", process_id=process_id),
        "simulateUrl": url_for("workspace.simulate", process_id=process_id),
        "waitingUrl": url_for("workspace.waiting", process_id=process_id),
        "scenarios": [
            _scenario(s)
            for s in simulation.kept_scenarios(
                context.runtime(), context.clock(), process_id, current_username()
            )
        ],
        "workspaceUrl": url_for("workspace.index"),
        "properties": property_schema(),
        "strings": {**modeler_strings(), **workspace_watch.watch_strings()},
        **workspace_watch.watch_config(process_id, draft.based_on_version),
    }
    page = render_template(
        "workspace/model.html",
        draft=draft,
        now=to_local(context.clock().now()).strftime("%Y-%m-%dT%H:%M"),
        process_id=process_id,
        config=config,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MODELER_POLICY
    return response


@blueprint.get("/properties.json")
@requires(*OWNERS)
def properties() -> Response:
    """The typed schema of the sithsflow extension properties (engine.process_properties),
    with labels in the session's language: the panel and the deploy check share it."""
    return jsonify({"properties": property_schema()})


@blueprint.route("/<process_id>/draft", methods=["GET", "PUT"])
@requires(*OWNERS)
@answers_json
def draft(process_id: str) -> Json:
    runtime, clock, user = context.runtime(), context.clock(), current_username()
    if request.method == "PUT":
        found = drafts.save_draft(runtime, clock, process_id, user, _files())
    else:
        found = drafts.open_draft(runtime, clock, process_id, user)
    return {
        "process": found.process_id,
        "based_on_version": found.based_on_version,
        "saved_at": found.saved_at.isoformat() if found.saved_at else None,
        "files": found.files,
    }


@blueprint.post("/<process_id>/check")
@requires(*OWNERS)
@answers_json
def check(process_id: str) -> Json:
    found = drafts.check_draft(context.runtime(), context.clock(), process_id, current_username())
    return {
        "problems": [_problem(p.to_dict()) for p in found.problems],
        "changes": _changes(found.changes, found.decisions),
    }


@blueprint.post("/<process_id>/deploy")
@requires(*OWNERS)
@answers_json
def deploy(process_id: str) -> Json:
    done = drafts.deploy_draft(context.runtime(), context.clock(), process_id, current_username())
    return {
        "deployed": [
            {"id": d.id, "version": d.version, "kind": d.kind, "new": d.new} for d in done.deployed
        ],
        "changes": _changes(done.changes, done.decisions),
        "workspace": url_for("workspace.index"),
    }


@blueprint.get("/<process_id>/waiting")
@requires(*OWNERS)
@answers_json
def waiting(process_id: str) -> Json:
    """Where the open cases wait (a count and the median hours per element)."""
    found = flow_watch.waiting_by_element(
        context.runtime(), context.clock(), process_id, current_username()
    )
    return {
        "elements": [
            {"element": w.element, "cases": w.cases, "median_hours": w.median_hours} for w in found
        ]
    }


@blueprint.post("/<process_id>/simulate")
@requires(*OWNERS)
@answers_json
def simulate(process_id: str) -> Json:
    """One scenario of the saved draft on a simulated clock: `{"start": "2026-12-24T10:00"
    (Stockholm), "workers_act": bool, "data": {...}}`; nothing is stored."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    data = body.get("data") or {}
    workers_act = body.get("workers_act", True)
    if not isinstance(data, dict) or not isinstance(workers_act, bool):
        raise Invalid(
            "Scenariots data ska vara ett JSON-objekt. / The scenario data must be a JSON object."
        )
    start_at = _local_instant(str(body.get("start", "")))
    runtime, clock, user = context.runtime(), context.clock(), current_username()
    name = body.get("name")
    if name:
        scenario = simulation.Scenario(str(name), start_at, workers_act, data)
        simulation.keep_scenario(runtime, clock, process_id, user, scenario)
    run = simulation.simulate_draft(
        runtime, clock, process_id, user, start_at=start_at, workers_act=workers_act, data=data
    )
    return {
        "scenarios": [
            _scenario(s) for s in simulation.kept_scenarios(runtime, clock, process_id, user)
        ],
        "ended": run.ended,
        "steps": [
            {
                "kind": step.kind,
                "element": step.element,
                "at": to_local(step.at).strftime("%Y-%m-%d %H:%M"),
                "form": step.form_en if language() == "en" else step.form_sv,
            }
            for step in run.steps
        ],
        "decisions": [workspace_watch.decision_json(d) for d in run.decisions],
    }


def _scenario(scenario: simulation.Scenario) -> Json:
    return {
        "name": scenario.name,
        "start": to_local(scenario.start_at).strftime("%Y-%m-%dT%H:%M"),
        "workers_act": scenario.workers_act,
        "data": scenario.data,
    }


def _local_instant(text: str) -> datetime:
    """A local wall time from the page (`2026-12-24T10:00`), in Stockholm."""
    try:
        wall = datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid(
            "Ange starttiden som ÅÅÅÅ-MM-DDTTT:MM. / Give the start time as YYYY-MM-DDTHH:MM."
        ) from error
    return wall.replace(tzinfo=STOCKHOLM) if wall.tzinfo is None else wall


@blueprint.post("/<process_id>/discard")
@requires(*OWNERS)
def discard(process_id: str) -> Response:
    return _lever(
        lambda: drafts.discard_draft(
            context.runtime(), context.clock(), process_id, current_username()
        ),
        gettext("Your draft of %(process)s is discarded.", process=process_id),
    )


@blueprint.post("/<process_id>/activate")
@requires(*OWNERS)
def activate(process_id: str) -> Response:
    version = _version_field()
    return _lever(
        lambda: versions.activate(
            context.runtime(), context.clock(), process_id, version, current_username()
        ),
        gettext(
            "Version %(version)s of %(process)s is active.", version=version, process=process_id
        ),
    )


@blueprint.post("/<process_id>/suspend")
@requires(*OWNERS)
def suspend(process_id: str) -> Response:
    return _lever(
        lambda: versions.set_suspended(
            context.runtime(), context.clock(), process_id, current_username(), suspended=True
        ),
        gettext("%(process)s is suspended: no new cases start.", process=process_id),
    )


@blueprint.post("/<process_id>/resume")
@requires(*OWNERS)
def resume(process_id: str) -> Response:
    return _lever(
        lambda: versions.set_suspended(
            context.runtime(), context.clock(), process_id, current_username(), suspended=False
        ),
        gettext("%(process)s is resumed.", process=process_id),
    )


@blueprint.post("/<process_id>/migrate")
@requires(*OWNERS)
def migrate(process_id: str) -> str:
    """S5: a dry run first; moving needs the page's confirmation of that dry run."""
    version = _version_field()
    dry_run = request.form.get("move") != "yes"
    report = migration.migrate_cases(
        context.runtime(),
        context.clock(),
        process_id,
        version,
        current_username(),
        dry_run=dry_run,
    )
    return render_template("workspace/migration.html", report=report)


def _lever(change: Callable[[], object], done: str) -> Response:
    change()
    flash(done, "success")
    return redirect(url_for("workspace.index"))


def _version_field() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError as error:
        raise Invalid(
            "Ange versionen som ett heltal. / Give the version as a whole number."
        ) from error


def _files() -> dict[str, str]:
    body = request.get_json(silent=True)
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise Invalid(
            'Utkastet ska skickas som {"files": {filnamn: text}}. / '
            'Send the draft as {"files": {file name: text}}.'
        )
    return files


def _problem(problem: dict[str, str | None]) -> dict[str, str | None]:
    return {**problem, "message": localized(problem["message"] or "")}


def _changes(
    changes: Changes | None, decisions: CategoryChanges
) -> dict[str, dict[str, list[str]]] | None:
    """The version's changes by category, and the decision tables a deploy would store."""
    if changes is None:
        return None
    found = changes.to_dict()
    return {**{name: found[name] for name in CATEGORIES}, "decisions": decisions.to_dict()}
