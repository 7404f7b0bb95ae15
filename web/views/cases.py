"""Starting cases (LoA3 first verification, LoA2 remote order, LoA2 on site, LoA3 renewal,
ordinary card, employment end, a card user's forgotten card) and the case page."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.forms import START_FORM_ID
from engine.forms import FormInvalid
from engine.services import cases
from engine.services import queries
from engine.services.deploy.versions import version_forms
from engine.services.live_cards import order_warnings
from engine.services.lookup import case_position
from engine.services.model_values import model_values
from engine.services.station_plan import second_visits
from engine.services.worklist import office_hours_status
from web import context
from web.access import CASE_READERS
from web.access import EMPLOYMENT_END_STARTERS
from web.access import FORGOTTEN_CARD_STARTERS
from web.access import LOA2_ORDERERS
from web.access import LOA2_STATION_ADMINS
from web.access import LOA3_RENEWERS
from web.access import LOA3_STARTERS
from web.access import ORDINARY_CARD_ORDERERS
from web.access import READERS
from web.case_data import case_facts
from web.case_data import entered_fields
from web.diagram import case_model
from web.diagram import render_diagram
from web.errors import status_of
from web.form_fields import form_view
from web.form_fields import submitted
from web.i18n import language
from web.i18n import role_name
from web.security import current_reader
from web.security import current_username
from web.security import requires
from web.timer_status import timer_lines

blueprint = Blueprint("cases", __name__)

LOA3_PROCESS = "loa3-reserve"
LOA2_PROCESS = "loa2-remote-order"
LOA2_ONSITE_PROCESS = "loa2-onsite"
LOA3_RENEWAL_PROCESS = "loa3-renewal"
ORDINARY_CARD_PROCESS = "ordinary-card"
EMPLOYMENT_END_PROCESS = "employment-end"
FORGOTTEN_CARD_PROCESS = "forgotten-card"
# Posted with the order once the administrator has read its warnings.
CONFIRMED = "confirmed"


@blueprint.get("/cases")
@requires(*CASE_READERS)
def index() -> str:
    """Newest first, one page at a time (keyset on the case id)."""
    state = request.args.get("state") or None
    page = queries.list_cases(
        context.runtime(),
        state,
        cursor=request.args.get("cursor") or None,
        newest_first=True,
        reader=current_reader(),
    )
    return render_template("cases.html", page=page, state=state)


@blueprint.get("/cases/<int:case_id>")
@requires(*CASE_READERS)
def show(case_id: int) -> str:
    runtime = context.runtime()
    # S2: outside the reader's scope this is the 404 of a case that does not exist; once
    # shown, the diagram of the same case needs no second look at the scope.
    case = queries.show_case(runtime, case_id, reader=current_reader())
    position = case_position(runtime, case_id)
    reached = gettext("reached")
    diagram = Markup(render_diagram(position, role_name, language(), reached))
    model = case_model(position)
    forms = version_forms(runtime, case["process"], case["version"])
    # A card user or an attester reads the case but not the holder's or the card's pages,
    # nor the incidents the service desk handles (S2): no links there, no incident block.
    staff = current_user.has_any_role(*READERS)
    facts = case_facts(case["data"], case["process"], forms, case["holder"], links=staff)
    # Each step's own fields beside its history row (R6: each administrator's document).
    entered = [entered_fields(entry, case["process"], forms) for entry in case["history"]]
    timers = timer_lines(
        case["timers"],
        case["tasks"],
        model.names,
        model.attached_to,
        case["state"],
        context.clock().now(),
    )
    return render_template(
        "case.html",
        case=case,
        facts=facts,
        entered=entered,
        diagram=diagram,
        position=position,
        forms=forms,
        names=model.names,
        timers=timers,
        now=context.clock().now(),
        staff=staff,
        second_visits=(
            second_visits(runtime, context.clock(), case_id)
            if case["process"] == LOA3_PROCESS
            else None
        ),
    )


@blueprint.route("/start/loa3", methods=["GET", "POST"])
@requires(*LOA3_STARTERS)
def start_loa3() -> Response | str | tuple[str, int]:
    """The first ID administrator verifies the applicant's identity (R6; R7 starts)."""
    return _start(LOA3_PROCESS, "start_loa3")


@blueprint.route("/start/loa2", methods=["GET", "POST"])
@requires(*LOA2_ORDERERS)
def start_loa2() -> Response | str | tuple[str, int]:
    """A remote reserve-card administrator orders LoA2; the service desk issues (R15)."""
    return _start(LOA2_PROCESS, "start_loa2")


@blueprint.route("/start/loa2-onsite", methods=["GET", "POST"])
@requires(*LOA2_STATION_ADMINS)
def start_loa2_onsite() -> Response | str | tuple[str, int]:
    """An ID administrator at a card station issues LoA2 at once (R5, R12)."""
    return _start(LOA2_ONSITE_PROCESS, "start_loa2_onsite")


@blueprint.route("/start/loa3-renewal", methods=["GET", "POST"])
@requires(*LOA3_RENEWERS)
def start_loa3_renewal() -> Response | str | tuple[str, int]:
    """A LoA3 ID administrator or the service desk asks for a LoA3 renewal (R9)."""
    return _start(LOA3_RENEWAL_PROCESS, "start_loa3_renewal")


@blueprint.route("/start/ordinary-card", methods=["GET", "POST"])
@requires(*ORDINARY_CARD_ORDERERS)
def start_ordinary_card() -> Response | str | tuple[str, int]:
    """A full ID administrator orders an ordinary card (R5, R16)."""
    return _start(ORDINARY_CARD_PROCESS, "start_ordinary_card")


@blueprint.route("/start/employment-end", methods=["GET", "POST"])
@requires(*EMPLOYMENT_END_STARTERS)
def start_employment_end() -> Response | str | tuple[str, int]:
    """The service desk registers an employment's end; the cards go at the date (R19)."""
    return _start(EMPLOYMENT_END_PROCESS, "start_employment_end")


@blueprint.route("/start/forgotten-card", methods=["GET", "POST"])
@requires(*FORGOTTEN_CARD_STARTERS)
def start_forgotten_card() -> Response | str | tuple[str, int]:
    """A card user who forgot their card names two colleagues as attesters (R20); where the
    organisation does not allow it that day, the engine's refusal is shown (R20, S6)."""
    return _start(FORGOTTEN_CARD_PROCESS, "start_forgotten_card")


def _start(process: str, endpoint: str) -> Response | str | tuple[str, int]:
    runtime, clock = context.runtime(), context.clock()
    # The start form of the version a new case would get (the active one).
    form = version_forms(runtime, process).get(process, START_FORM_ID)
    loa2 = process in (LOA2_PROCESS, LOA2_ONSITE_PROCESS, FORGOTTEN_CARD_PROCESS)
    hours = office_hours_status(runtime, clock) if loa2 else None
    # R7 and the validity limits a new case gets: the version it starts on, the tables in force.
    shown = model_values(runtime, clock, process)
    r7_days = shown.placeholders(language())["r7_days"]
    if request.method == "GET":
        return render_template(
            "start.html",
            form=form_view(form, shown=shown),
            endpoint=endpoint,
            office_hours=hours,
            r7_days=r7_days,
        )
    values = submitted(form, request.form)
    if process == LOA2_PROCESS and not request.form.get(CONFIRMED):
        # A live LoA2 card is a warning, not a refusal: shown on the form, ordered anyway
        # only when the administrator confirms.
        warnings = order_warnings(runtime, clock, values.get("holder", ""))
        if warnings:
            return render_template(
                "start.html",
                form=form_view(form, values, shown=shown),
                endpoint=endpoint,
                office_hours=hours,
                r7_days=r7_days,
                warnings=warnings,
                confirm_values=values,
                confirmed_field=CONFIRMED,
            )
    try:
        summary = cases.start_case(runtime, clock, process, current_username(), values)
    except DomainError as refused:
        invalid = refused if isinstance(refused, FormInvalid) else None
        page = render_template(
            "start.html",
            form=form_view(form, values, invalid, shown),
            endpoint=endpoint,
            office_hours=hours,
            refused=refused,
            r7_days=r7_days,
        )
        return page, status_of(refused)
    flash(gettext("Case %(id)d started.", id=summary.id), "success")
    return redirect(url_for("cases.show", case_id=summary.id))
