"""The workspace's watching parts (issue 13): rule decisions of a simulation, incidents per
element of a version, and a draft too large for the server said in the page's language.

Added to the workspace blueprint by `register` (web.views.workspace), so its routes share
the blueprint's prefix and access; S1 is the engine's (flow_watch.require_owner). The
incident counts link to the incident page filtered to the element and version, which
lists the cases as that page allows its reader.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import jsonify
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import to_local
from engine.services import flow_watch
from engine.services.deploy import versions
from engine.services.rule_decisions import RuleDecision
from web import context
from web.errors import status_of
from web.i18n import language
from web.i18n import localized
from web.security import current_username
from web.security import requires

OWNERS = ("process_owner",)
Json = dict[str, Any]


def register(blueprint: Blueprint) -> None:
    """Add the incident counts route and the 413 answer to the workspace blueprint."""
    blueprint.add_url_rule(
        "/<process_id>/incidents", "incidents", requires(*OWNERS)(incidents), methods=["GET"]
    )
    blueprint.register_error_handler(RequestEntityTooLarge, too_large)


def too_large(_error: RequestEntityTooLarge) -> tuple[Response, int]:
    """A draft (or scenario) over the server's 256 KB limit: nothing was stored, and the page
    keeps every edit; said as the page's other refusals, in the session's language."""
    message = gettext(
        "The draft is larger than the server accepts (256 KB in all) and was not saved. "
        "The draft saved before is unchanged and your changes are still on this page: make a "
        "form, table or diagram smaller and save again."
    )
    return jsonify({"rule": None, "message": message, "too_large": True}), 413


def incidents(process_id: str) -> Response | tuple[Response, int]:
    """Open incidents per element of one version (`?version=N`), each with the link to the
    incident page listing them."""
    try:
        version = int(request.args.get("version", ""))
    except ValueError:
        error = Invalid("Ange versionen som ett heltal. / Give the version as a whole number.")
        return jsonify({"rule": None, "message": localized(error.message)}), status_of(error)
    try:
        found = flow_watch.incidents_by_element(
            context.runtime(), context.clock(), process_id, version, current_username()
        )
    except DomainError as error:
        return jsonify({"rule": error.rule, "message": localized(error.message)}), status_of(error)
    return jsonify(
        {
            "version": version,
            "elements": [
                {
                    "element": e.element,
                    "incidents": e.incidents,
                    "cases": e.cases,
                    "url": url_for(
                        "incidents.index", process=process_id, version=version, element=e.element
                    ),
                }
                for e in found
            ],
        }
    )


def watch_config(process_id: str, based_on_version: int) -> Json:
    """What the modeler's watching script needs: its URL and the versions to choose from."""
    return {
        "incidentsUrl": url_for("workspace.incidents", process_id=process_id),
        "versions": [v.version for v in versions.list_versions(context.runtime(), process_id)],
        "basedOnVersion": based_on_version,
    }


def decision_json(decision: RuleDecision) -> Json:
    """One rule decided by a simulation, its outcome, inputs and table in the session's
    language (a value "svenska / English" shows one half)."""
    return {
        "element": decision.element,
        "at": to_local(decision.at).strftime("%Y-%m-%d %H:%M"),
        "rule": decision.rule,
        "table": localized(decision.table) if decision.table else None,
        "inputs": [[name, localized(value)] for name, value in decision.inputs],
        "outcome": decision.outcome_en if language() == "en" else decision.outcome_sv,
        "passed": decision.passed,
    }


def watch_strings() -> dict[str, str]:
    """The sentences of the watching script, in the session's language."""
    return {
        "step_refused": gettext("refused by a rule"),
        "passed": gettext("passed"),
        "refused": gettext("refused"),
        "decidedHere": gettext("Rules decided here"),
        "noDecisions": gettext("No rule was decided on this path."),
        "incidentsShown": gettext(
            "Open incidents per element of version %(version)s.", version="{version}"
        ),
        "noIncidents": gettext("Version %(version)s has no open incidents.", version="{version}"),
        "incidentsHere": gettext(
            "Open incidents: %(count)s (cases: %(cases)s); list them",
            count="{count}",
            cases="{cases}",
        ),
    }
