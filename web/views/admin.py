"""The system administrator's registers: people, rights with R5 dates, card stations."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine.forms import FormInvalid
from engine.services import administration
from web import context
from web.access import ADMINS
from web.i18n import language
from web.security import current_username
from web.security import requires

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

Page = Response | str | tuple[str, int]


@blueprint.get("")
@requires(*ADMINS)
def index() -> str:
    return render_template(
        "admin/index.html", registers=administration.registers(context.runtime())
    )


@blueprint.route("/people/new", methods=["GET", "POST"])
@blueprint.route("/people/<int:person_id>", methods=["GET", "POST"])
@requires(*ADMINS)
def person(person_id: int | None = None) -> Page:
    runtime = context.runtime()
    shown = administration.person_detail(runtime, person_id) if person_id else {"rights": []}
    registers = administration.registers(runtime)

    def save() -> int:
        values = request.form.to_dict()
        return administration.save_person(
            runtime, context.clock(), current_username(), person_id, values
        )

    return _edit(
        "admin/person.html",
        save,
        lambda saved: url_for("admin.person", person_id=saved),
        person=shown,
        registers=registers,
    )


@blueprint.route("/people/<int:person_id>/rights/new", methods=["GET", "POST"])
@blueprint.route("/people/<int:person_id>/rights/<int:right_id>", methods=["GET", "POST"])
@requires(*ADMINS)
def right(person_id: int, right_id: int | None = None) -> Page:
    runtime = context.runtime()
    shown = administration.person_detail(runtime, person_id)
    current: dict[str, object] = (
        next((r for r in shown["rights"] if r["id"] == right_id), {}) if right_id else {}
    )

    def save() -> int:
        return administration.save_right(
            runtime, context.clock(), current_username(), person_id, right_id, request.form
        )

    return _edit(
        "admin/right.html",
        save,
        lambda _saved: url_for("admin.person", person_id=person_id),
        person=shown,
        right=current,
        right_id=right_id,
        registers=administration.registers(runtime),
    )


@blueprint.route("/stations/new", methods=["GET", "POST"])
@blueprint.route("/stations/<int:station_id>", methods=["GET", "POST"])
@requires(*ADMINS)
def station(station_id: int | None = None) -> Page:
    runtime = context.runtime()
    shown = administration.station_detail(runtime, station_id) if station_id else {"hours": {}}

    def save() -> int:
        return administration.save_station(
            runtime, context.clock(), current_username(), station_id, request.form
        )

    return _edit(
        "admin/station.html",
        save,
        lambda _saved: url_for("admin.index"),
        station=shown,
        registers=administration.registers(runtime),
    )


def _edit(
    template: str, save: Callable[[], int], after: Callable[[int], str], **shown: object
) -> Page:
    """GET draws the form; POST saves, or re-draws it with each field's error (422)."""
    if request.method == "GET":
        return render_template(template, errors={}, posted={}, **shown)
    try:
        saved = save()
    except FormInvalid as refused:
        errors = refused.field_errors_en if language() == "en" else refused.field_errors
        page = render_template(template, errors=errors, posted=request.form, **shown)
        return page, 422
    flash(gettext("Saved."), "success")
    return redirect(after(saved))
