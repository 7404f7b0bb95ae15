"""Operator registers on the web: card stock (service desk), employments and their import
(service desk), local closing days and organisation settings (process owner), admin rosters
(manager); the system administrator keeps them all. The engine checks every change again
(engine.services.registers); a refusal is shown on the page and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local
from engine.services import administration
from engine.services.registers import closing_days
from engine.services.registers import employment_import
from engine.services.registers import employments
from engine.services.registers import organisation_settings
from engine.services.registers import rosters
from engine.services.registers import stock
from engine.services.registers.common import CLOSING_DAY_OWNERS
from engine.services.registers.common import EMPLOYMENT_OWNERS
from engine.services.registers.common import ROSTER_OWNERS
from engine.services.registers.common import SETTING_OWNERS
from engine.services.registers.common import STOCK_OWNERS
from engine.services.registers.common import parse_day
from web import context
from web.errors import status_of
from web.i18n import localized
from web.register_forms import instant_field
from web.register_forms import optional_day
from web.security import current_username
from web.security import requires

blueprint = Blueprint("registers", __name__, url_prefix="/registers")

Page = Response | str | tuple[str, int]
REGISTER_ROLES = tuple(
    dict.fromkeys(
        STOCK_OWNERS + EMPLOYMENT_OWNERS + CLOSING_DAY_OWNERS + SETTING_OWNERS + ROSTER_OWNERS
    )
)
ROSTER_DAYS_SHOWN = 28
MAX_IMPORT_BYTES = 200 * 1024


@blueprint.get("")
@requires(*REGISTER_ROLES)
def index() -> str:
    return render_template("registers/index.html")


@blueprint.route("/stock", methods=["GET", "POST"])
@requires(*STOCK_OWNERS)
def stock_page() -> Page:
    runtime, clock, actor = context.runtime(), context.clock(), current_username()
    form = request.form

    def act() -> object:
        if form.get("action") == "scrap":
            card = stock.scrap(
                runtime, clock, actor, form.get("number", ""), form.get("reason", "")
            )
            return gettext("Card %(number)s scrapped.", number=card.number)
        receipt = stock.receive(
            runtime,
            clock,
            actor,
            form.get("first", ""),
            form.get("last", ""),
            form.get("organisation", ""),
            parse_day(form.get("produced_on", ""), "Tillverkningsdatum", "Production date"),
        )
        return gettext("%(count)d cards received.", count=receipt.count)

    def draw() -> str:
        page = stock.list_stock(
            runtime,
            clock,
            actor,
            state=request.args.get("state") or None,
            cursor=request.args.get("cursor") or None,
        )
        return render_template(
            "registers/stock.html", page=page, posted=form, choices=administration_choices()
        )

    return _handle(act, draw, "registers.stock_page")


@blueprint.route("/employments", methods=["GET", "POST"])
@requires(*EMPLOYMENT_OWNERS)
def employments_page() -> Page:
    runtime, clock, actor = context.runtime(), context.clock(), current_username()
    form = request.form
    preview: list[employment_import.ImportChange] = []
    end_preview: list[employment_import.EndCaseStep] = []

    def act() -> object:
        action = form.get("action")
        if action == "end":
            row = employments.end_employment(
                runtime,
                clock,
                actor,
                _number(form.get("employment", "")),
                parse_day(form.get("ends_on", ""), "Sista dag", "Last day"),
            )
            return gettext("Employment %(id)d ends %(day)s.", id=row.id, day=str(row.end_date))
        if action == "import":
            upload = request.files.get("file")
            raw = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
            if not raw or len(raw) > MAX_IMPORT_BYTES:
                raise Invalid(
                    "Välj en CSV-fil på högst 200 kB. / Choose a CSV file of at most 200 kB."
                )
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise Invalid("Filen är inte UTF-8. / The file is not UTF-8.") from None
            dry = form.get("dry_run") == "1"
            result = employment_import.import_employments(runtime, clock, actor, text, dry_run=dry)
            preview.extend(result.changes)
            end_preview.extend(result.end_cases)
            if dry:
                return gettext("Dry run: %(n)d changes, nothing changed.", n=len(result.changes))
            done = gettext("%(n)d changes imported.", n=len(result.changes))
            if result.end_cases:  # R19: the end dates' employment-end cases
                done += " " + gettext(
                    "%(n)d employment-end cases started, moved or cancelled (R19).",
                    n=len(result.end_cases),
                )
            return done
        row = employments.add_employment(
            runtime,
            clock,
            actor,
            form.get("holder", ""),
            form.get("organisation", ""),
            parse_day(form.get("start", ""), "Första dag", "First day"),
            optional_day(form.get("end", "")),
        )
        return gettext("Employment %(id)d added.", id=row.id)

    def draw() -> str:
        page = employments.list_employments(
            runtime, clock, actor, cursor=request.args.get("cursor") or None
        )
        return render_template(
            "registers/employments.html",
            page=page,
            posted=form,
            preview=preview,
            end_preview=end_preview,
            choices=administration_choices(),
        )

    # A dry run shows its list on the same page instead of redirecting.
    return _handle(act, draw, "registers.employments_page", stay=form.get("dry_run") == "1")


@blueprint.route("/closing-days", methods=["GET", "POST"])
@requires(*CLOSING_DAY_OWNERS)
def closing_days_page() -> Page:
    runtime, clock, actor = context.runtime(), context.clock(), current_username()
    form = request.form

    def act() -> object:
        if form.get("action") == "remove":
            row = closing_days.remove_closing_day(
                runtime, clock, actor, _number(form.get("id", ""))
            )
            return gettext("Closing day %(day)s removed.", day=str(row.day))
        scope = form.get("scope", "")
        kind, _, code = scope.partition(":")
        row = closing_days.add_closing_day(
            runtime,
            clock,
            actor,
            parse_day(form.get("day", ""), "Dag", "Day"),
            form.get("reason", ""),
            station=code if kind == "station" else None,
            organisation=code if kind == "organisation" else None,
        )
        return gettext("Closing day %(day)s added.", day=str(row.day))

    def draw() -> str:
        today = to_local(clock.now()).date()
        rows = closing_days.list_closing_days(runtime, today, today + timedelta(days=366))
        choices = administration_choices()
        return render_template(
            "registers/closing_days.html", rows=rows, posted=form, choices=choices
        )

    return _handle(act, draw, "registers.closing_days_page")


@blueprint.route("/organisations", methods=["GET", "POST"])
@requires(*SETTING_OWNERS)
def organisations_page() -> Page:
    runtime, clock, actor = context.runtime(), context.clock(), current_username()
    form = request.form
    choices = administration_choices()
    code = request.values.get("code") or (choices["organisations"][0][0] if choices else "")

    def act() -> object:
        for name in organisation_settings.SETTINGS:
            if f"value_{name}" in form:
                organisation_settings.set_setting(
                    runtime,
                    clock,
                    actor,
                    code,
                    name,
                    form.get(f"value_{name}") == "1",
                    optional_day(form.get("effective_from", "")),
                )
                return gettext("Setting saved.")
        raise Invalid("Välj en inställning. / Choose a setting.")

    def draw() -> str:
        shown = organisation_settings.show_settings(runtime, clock, code)
        return render_template(
            "registers/organisations.html", shown=shown, choices=choices, posted=form
        )

    return _handle(act, draw, "registers.organisations_page", code=code)


@blueprint.route("/rosters", methods=["GET", "POST"])
@requires(*ROSTER_OWNERS)
def rosters_page() -> Page:
    runtime, clock, actor = context.runtime(), context.clock(), current_username()
    form = request.form

    def act() -> object:
        if form.get("action") == "remove":
            shift = rosters.remove_shift(runtime, clock, actor, _number(form.get("id", "")))
            return gettext("Shift %(id)d removed.", id=shift.id)
        shift = rosters.add_shift(
            runtime,
            clock,
            actor,
            form.get("admin", ""),
            form.get("station", ""),
            instant_field(form.get("starts_at", "")),
            instant_field(form.get("ends_at", "")),
        )
        return gettext("Shift %(id)d added.", id=shift.id)

    def draw() -> str:
        start = local_midnight(to_local(clock.now()).date())
        shifts = rosters.list_shifts(runtime, start, start + timedelta(days=ROSTER_DAYS_SHOWN))
        return render_template(
            "registers/rosters.html", shifts=shifts, posted=form, choices=administration_choices()
        )

    return _handle(act, draw, "registers.rosters_page")


def administration_choices() -> dict[str, list[tuple[str, str]]]:
    """Organisations and stations for the forms' select lists."""
    registers = administration.registers(context.runtime())
    return {
        "organisations": registers["organisations"],
        "stations": [(s["code"], s["name"]) for s in registers["stations"]],
    }


def _handle(
    act: Callable[[], object],
    draw: Callable[[], str],
    endpoint: str,
    *,
    stay: bool = False,
    code: str | None = None,
) -> Page:
    """GET draws; POST acts, then redirects (or draws again when told to stay); a refusal
    draws the page again with the reason and the refusal's status."""
    if request.method == "GET":
        return draw()
    try:
        said = act()
    except DomainError as refused:
        flash(localized(refused.message), "error")
        return draw(), status_of(refused)
    flash(str(said), "success")
    if stay:
        return draw()
    return redirect(url_for(endpoint, code=code) if code else url_for(endpoint))


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Invalid(f"Ogiltigt id '{text}'. / Invalid id '{text}'.") from None
