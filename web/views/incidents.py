"""Incidents for the service desk and process owners: what failed, on which case, and a
retry button; and the open incidents of one case for its page.

Thin: `engine.services.incidents` lists, `engine.services.incident_actions` retries and
checks who may (the same rule for the CLI).
"""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import LazyString
from flask_babel import gettext
from flask_babel import lazy_pgettext
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.services.incident_actions import STATE_FIRED
from engine.services.incident_actions import STATE_QUEUED
from engine.services.incident_actions import STATE_SKIPPED
from engine.services.incident_actions import STATE_WAITING
from engine.services.incident_actions import incidents_for
from engine.services.incident_actions import retry_incident
from engine.services.incidents import ElementFilter
from engine.services.incidents import IncidentRow
from engine.services.incidents import list_incidents
from web import context
from web.i18n import localized
from web.security import current_username
from web.security import requires

blueprint = Blueprint("incidents", __name__)

# Who sees the list and may retry (engine.services.incident_actions checks it again).
HANDLERS = ("service_desk", "process_owner")

KINDS: dict[str, LazyString] = {
    "timer": lazy_pgettext("incident kind", "Timer"),
    "script": lazy_pgettext("incident kind", "Script"),
    "delivery": lazy_pgettext("incident kind", "E-mail delivery"),
    "database": lazy_pgettext("incident kind", "Database"),
    "step": lazy_pgettext("incident kind", "Process step"),
}


@blueprint.get("/incidents")
@requires(*HANDLERS)
def index() -> str:
    """Open incidents, newest first; `?all=1` shows the resolved ones too; `?process=P&
    version=N&element=E` only those at one element of a version (the workspace links)."""
    show_all = request.args.get("all") == "1"
    at_element = _element_filter()
    rows = incidents_for(
        context.runtime(),
        context.clock(),
        current_username(),
        open_only=not show_all,
        at_element=at_element,
    )
    return render_template(
        "incidents.html", incidents=rows, show_all=show_all, at_element=at_element
    )


def _element_filter() -> ElementFilter | None:
    process, element = request.args.get("process"), request.args.get("element")
    version = request.args.get("version", "")
    if not process or not element or not version.isdigit():
        return None
    return ElementFilter(process, int(version), element)


@blueprint.post("/incidents/<int:incident_id>/retry")
@requires(*HANDLERS)
def retry(incident_id: int) -> Response:
    """Retry (audited), then back to the page the button was on."""
    try:
        outcome = retry_incident(
            context.runtime(), context.clock(), incident_id, current_username()
        )
    except DomainError as refused:
        flash(localized(refused.message), "error")
        return redirect(_back(), 303)
    flash(*_said(outcome.state, incident_id))
    return redirect(_back(), 303)


@blueprint.app_template_global()
def case_incidents(case_id: int) -> list[IncidentRow]:
    """The open incidents of a case, for the small block on its page."""
    return list_incidents(context.runtime(), open_only=True, case_id=case_id)


@blueprint.app_template_filter("incident_kind")
def incident_kind(kind: str) -> str:
    found = KINDS.get(kind)
    return str(found) if found is not None else kind


def _said(state: str, incident_id: int) -> tuple[str, str]:
    """What a retry came to (RetryOutcome.state), as a notice and its category."""
    if state == STATE_FIRED:
        return gettext("Incident %(id)d: the timer fired.", id=incident_id), "success"
    if state == STATE_QUEUED:
        text = gettext(
            "Incident %(id)d: the e-mail is queued and will be sent shortly.", id=incident_id
        )
        return text, "success"
    if state == STATE_WAITING:
        text = gettext(
            "Incident %(id)d: the database held the timer back again; it is retried.",
            id=incident_id,
        )
        return text, "warning"
    if state == STATE_SKIPPED:
        text = gettext(
            "Incident %(id)d: the case has moved on; there was nothing left to fire.",
            id=incident_id,
        )
        return text, "info"
    text = gettext("Incident %(id)d: the retry failed again; see the new incident.", id=incident_id)
    return text, "warning"


def _back() -> str:
    target = request.form.get("next", "")
    # Only a path on this site: never an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("incidents.index")
