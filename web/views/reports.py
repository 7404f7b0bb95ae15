"""The Reports page: managers and auditors download the same PDFs as `sithsflow report`.

The PDF is written by `reports.generate_report` to a private temporary folder, read back
and the folder removed before the download is sent. Refusals are drawn on the form with the
status of web.errors (Invalid 422, NotFound 404, …), as on the start pages.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import request
from flask import send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.policy.timekeeping import to_local
from reports import REPORT_NAMES
from reports import generate_report
from reports.request import AUDIT
from reports.request import DEFAULT_EXPIRING_DAYS
from reports.request import EXPIRING
from web import context
from web.access import REPORT_READERS
from web.access import reports_for
from web.errors import status_of
from web.i18n import language
from web.report_form import CheckedForm
from web.report_form import blank_form
from web.report_form import check_form
from web.report_form import download_name
from web.report_form import report_choices
from web.security import current_reader
from web.security import requires

blueprint = Blueprint("reports", __name__)

Page = Response | str | tuple[str, int]


@blueprint.app_template_global()
def may_open_reports() -> bool:
    """For the navigation: whether the signed-in user holds a role of REPORT_READERS."""
    return bool(current_user.is_authenticated and current_user.has_any_role(*REPORT_READERS))


@blueprint.route("/reports", methods=["GET", "POST"])
@requires(*REPORT_READERS)
def index() -> Page:
    allowed = reports_for(current_user.roles)
    if request.method == "GET":
        return _page(blank_form(allowed, language()), allowed)
    if request.form.get("report") in REPORT_NAMES and request.form["report"] not in allowed:
        abort(403)  # a report the form never offered this role
    checked = check_form(request.form, allowed)
    if checked.errors:
        return _page(checked, allowed), 422
    return _download(checked, allowed)


def _download(checked: CheckedForm, allowed: tuple[str, ...]) -> Page:
    runtime, clock = context.runtime(), context.clock()
    assert checked.options is not None
    filename = download_name(checked.options, to_local(clock.now()).date())
    folder = Path(tempfile.mkdtemp(prefix="sithsflow-report-"))
    try:
        # S2: the rows of the signed-in user's scope only.
        wanted = checked.options.request(folder / filename)
        path = generate_report(runtime, clock, wanted, reader=current_reader())
        # Read back at once: a report's detail rows are capped (reports.request), so the
        # PDF is small, and the folder is gone whether or not the response is ever closed.
        pdf = path.read_bytes()
    except DomainError as refused:
        return _page(checked, allowed, refused), status_of(refused)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    response = send_file(
        io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    checked: CheckedForm, allowed: tuple[str, ...], refused: DomainError | None = None
) -> str:
    return render_template(
        "reports.html",
        form=checked,
        choices=report_choices(allowed, language()),
        show_subject=AUDIT in allowed,
        show_days=EXPIRING in allowed,
        default_days=DEFAULT_EXPIRING_DAYS,
        refused=refused,
    )
