"""The Reports page: managers and auditors ask for the same PDFs as `sithsflow report`.

A report runs as a background job (engine.reporting.jobs, reports.jobs): the form is
checked, the job queued, and the browser sent to the job's page, which shows a progress
bar (polled from a small JSON endpoint by web/static/reports.js, or refreshed by a link
without JavaScript) and a download link when the PDF is ready. Only the person who asked,
holding the same rights as when the page offers the report, may download it. Refusals of
the form are drawn on it with the status of web.errors (Invalid 422, NotFound 404, …).
"""

from __future__ import annotations

from dataclasses import asdict
from io import BytesIO
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.policy.timekeeping import to_local
from engine.reporting.jobs import DONE
from engine.reporting.jobs import FAILED
from engine.reporting.jobs import QUEUED
from engine.reporting.jobs import RUNNING
from engine.reporting.jobs import JobStatus
from engine.reporting.jobs import create_job
from engine.reporting.jobs import job_pdf
from engine.reporting.jobs import job_status
from engine.reporting.jobs import recent_jobs
from reports import REPORT_NAMES
from reports.jobs import JobRunner
from reports.jobs import check_subject
from reports.request import AUDIT
from reports.request import DEFAULT_EXPIRING_DAYS
from reports.request import EXPIRING
from web import context
from web.access import REPORT_READERS
from web.access import reports_for
from web.errors import status_of
from web.i18n import language
from web.i18n import localized
from web.report_form import REPORT_FIELDS
from web.report_form import CheckedForm
from web.report_form import blank_form
from web.report_form import check_form
from web.report_form import download_name
from web.report_form import report_choices
from web.report_form import report_title
from web.security import current_reader
from web.security import current_username
from web.security import requires

blueprint = Blueprint("reports", __name__)

JOB_STATES = {
    QUEUED: lazy_gettext("Waiting to start"),
    RUNNING: lazy_gettext("Being written"),
    DONE: lazy_gettext("Ready"),
    FAILED: lazy_gettext("Failed"),
}

Page = Response | str | tuple[str, int]
RUNNER_KEY = "sithsflow.report_jobs"


@blueprint.app_template_global()
def may_open_reports() -> bool:
    """For the navigation: whether the signed-in user holds a role of REPORT_READERS."""
    return bool(current_user.is_authenticated and current_user.has_any_role(*REPORT_READERS))


def runner(app: Flask) -> JobRunner:
    """This process's report runner, made on first use."""
    found = app.extensions.get(RUNNER_KEY)
    if found is None:
        found = app.extensions.setdefault(RUNNER_KEY, JobRunner())
    assert isinstance(found, JobRunner)
    return found


def _allowed() -> tuple[str, ...]:
    return reports_for(current_user.roles)


@blueprint.route("/reports", methods=["GET", "POST"])
@requires(*REPORT_READERS)
def index() -> Page:
    allowed = _allowed()
    if request.method == "GET":
        return _page(blank_form(allowed, language()), allowed)
    if request.form.get("report") in REPORT_NAMES and request.form["report"] not in allowed:
        abort(403)  # a report the form never offered this role
    checked = check_form(request.form, allowed)
    if checked.errors:
        return _page(checked, allowed), 422
    return _start(checked, allowed)


def _start(checked: CheckedForm, allowed: tuple[str, ...]) -> Page:
    runtime, clock = context.runtime(), context.clock()
    options = checked.options
    assert options is not None
    today = to_local(clock.now()).date()
    filename = download_name(options, today)
    try:
        # Checked now, not in the job: a typo in a case number is drawn on the form.
        check_subject(runtime, options.request(Path(filename)), today, current_reader())
    except DomainError as refused:
        return _page(checked, allowed, refused), status_of(refused)
    parameters = {key: value for key, value in asdict(options).items() if key != "name"}
    job_id = create_job(
        runtime.database,
        clock,
        username=current_username(),
        report=options.name,
        parameters=parameters,
        filename=filename,
    )
    runner(current_app).submit(runtime, clock, job_id)
    return redirect(url_for("reports.job", job_id=job_id), code=303)


def _status(job_id: int) -> JobStatus:
    return job_status(
        context.runtime().database,
        context.clock(),
        job_id,
        username=current_username(),
        allowed=_allowed(),
    )


@blueprint.route("/reports/jobs/<int:job_id>")
@requires(*REPORT_READERS)
def job(job_id: int) -> Page:
    status = _status(job_id)
    return render_template(
        "report_job.html",
        job=status,
        title=report_title(status.report, language()),
        error=localized(status.error) if status.error else None,
        state_text=job_state(status.state),
    )


@blueprint.route("/reports/jobs/<int:job_id>/status")
@requires(*REPORT_READERS)
def job_json(job_id: int) -> Response:
    """What the progress bar polls: small, and never the PDF."""
    status = _status(job_id)
    response = jsonify(
        id=status.id,
        state=status.state,
        percent=status.percent,
        rows=status.rows,
        error=localized(status.error) if status.error else None,
        download_url=url_for("reports.download", job_id=job_id) if status.state == DONE else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/reports/jobs/<int:job_id>/pdf")
@requires(*REPORT_READERS)
def download(job_id: int) -> Response:
    filename, pdf = job_pdf(
        context.runtime().database,
        context.clock(),
        job_id,
        username=current_username(),
        allowed=_allowed(),
    )
    response = send_file(
        BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    checked: CheckedForm, allowed: tuple[str, ...], refused: DomainError | None = None
) -> str:
    runtime, clock = context.runtime(), context.clock()
    jobs = recent_jobs(runtime.database, clock, username=current_username(), allowed=allowed)
    return render_template(
        "reports.html",
        form=checked,
        choices=report_choices(allowed, language()),
        show_subject=AUDIT in allowed,
        show_days=EXPIRING in allowed,
        default_days=DEFAULT_EXPIRING_DAYS,
        # Which of the offered reports take the subject and the days (reports.js shows
        # those fields for them only).
        shown_for={
            field: " ".join(name for name in allowed if field in REPORT_FIELDS[name])
            for field in ("case_id", "days")
        },
        refused=refused,
        jobs=jobs,
        title_of=lambda name: report_title(name, language()),
        job_state=job_state,
    )


def job_state(state: str) -> str:
    return str(JOB_STATES.get(state, state))
