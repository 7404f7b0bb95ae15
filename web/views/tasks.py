"""Queues and task forms: see the work, claim it, fill in the form, complete it."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.errors import TaskNotReady
from engine.forms import FormInvalid
from engine.services import cases
from engine.services.model_values import model_values
from engine.services.waiting_work import waiting_for_opening
from engine.services.worklist import ASSIGNED
from engine.services.worklist import MINE
from engine.services.worklist import QueueFilter
from engine.services.worklist import task_to_work
from engine.services.worklist import worklist
from web import context
from web.access import READERS
from web.access import TASK_WORKERS
from web.access import WORKERS
from web.case_data import case_facts
from web.errors import status_of
from web.form_fields import form_view
from web.form_fields import submitted
from web.i18n import task_title
from web.security import current_username
from web.security import requires

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")


@blueprint.errorhandler(TaskNotReady)
def already_done(error: TaskNotReady) -> tuple[str, int]:
    """The back button after completing a task, or a tab left open while a colleague
    completed it: say that the task is done, by whom and when, and link to the case."""
    return render_template("task_done.html", done=error), 409


DUE_CHOICES = (1, 3, 7)
CURSOR_PREFIX = "cursor."


@blueprint.get("")
@requires(*TASK_WORKERS)
def queues() -> str:
    """ "Mina uppgifter", the steps assigned to the user by name (R20) and one group queue
    per role, narrowed by the filters."""
    due = request.args.get("due", "")
    chosen = QueueFilter(
        process=request.args.get("process") or None,
        station=request.args.get("station") or None,
        # A number no select offers (or past the calendar's end) filters nothing (issue 10).
        due_within_days=int(due) if due.isascii() and due.isdigit() and len(due) <= 4 else None,
    )
    # Each queue pages on its own: `cursor.<queue>` carries that queue's next_cursor.
    cursors = {
        key.removeprefix(CURSOR_PREFIX): value
        for key, value in request.args.items()
        if key.startswith(CURSOR_PREFIX) and value
    }
    work = worklist(context.runtime(), context.clock(), current_username(), chosen, cursors=cursors)
    # R9: renewals waiting for the service desk to open, before they become tasks.
    waiting = waiting_for_opening(context.runtime(), context.clock(), current_username())
    return render_template(
        "tasks.html",
        work=work,
        waiting=waiting,
        chosen=chosen,
        due_choices=DUE_CHOICES,
        mine_key=MINE,
        assigned_key=ASSIGNED,
        cursor_prefix=CURSOR_PREFIX,
    )


@blueprint.post("/<task_id>/claim")
@requires(*WORKERS)
def claim(task_id: str) -> Response:
    cases.claim_task(context.runtime(), context.clock(), task_id, current_username())
    flash(gettext("The task is yours; colleagues see that you are working on it."), "success")
    return redirect(url_for("tasks.work", task_id=task_id))


@blueprint.post("/<task_id>/unclaim")
@requires(*WORKERS)
def unclaim(task_id: str) -> Response:
    cases.unclaim_task(context.runtime(), context.clock(), task_id, current_username())
    flash(gettext("The task is back in its group queue."), "success")
    return redirect(url_for("tasks.queues"))


@blueprint.route("/<task_id>", methods=["GET", "POST"])
@requires(*TASK_WORKERS)
def work(task_id: str) -> Response | str | tuple[str, int]:
    """The task's form; a refusal re-draws it with the reason and the fields' errors."""
    runtime, clock = context.runtime(), context.clock()
    opened = task_to_work(runtime, clock, task_id, current_username())
    form = opened.forms.get(opened.task.process, opened.task.name)
    task = opened.task
    # Links to the holder's and the card's pages only for those who open those pages.
    links = current_user.has_any_role(*READERS)
    facts = case_facts(opened.case_data, task.process, opened.forms, task.holder, links=links)
    # The help texts' deadline and limits: the case's own version and the tables in force.
    shown = model_values(runtime, clock, task.process, task.case)
    if request.method == "GET":
        return render_template(
            "task.html", opened=opened, facts=facts, form=form_view(form, shown=shown)
        )
    values = submitted(form, request.form)
    try:
        summary = cases.complete_task(runtime, clock, task_id, current_username(), values)
    except FormInvalid as refused:
        page = render_template(
            "task.html",
            opened=opened,
            facts=facts,
            form=form_view(form, values, refused, shown),
            refused=refused,
        )
        return page, 422
    except TaskNotReady:
        raise  # someone completed it meanwhile: the friendly page (already_done)
    except DomainError as refused:
        page = render_template(
            "task.html",
            opened=opened,
            facts=facts,
            form=form_view(form, values, shown=shown),
            refused=refused,
        )
        return page, status_of(refused)
    title = task_title(opened.task.process, opened.task.name, opened.task.title, opened.forms)
    flash(gettext("Done: %(task)s.", task=title), "success")
    return redirect(url_for("cases.show", case_id=summary.id))
