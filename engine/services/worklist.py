"""Work queues for the pages: "my tasks", group queues per role, filters and deadlines.

Every queue is one page from the database (engine.services.inbox), filtered by the SQL
form of "may work" (engine.services.may_work); `queries.tasks_for` answers "what may I
work now" for the command line and the API with the same query. A group queue also shows
tasks a colleague has claimed; four-eyes holds everywhere: a task that excludes the user
(R6), or is about her own identity, is never listed for her.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.forms import FormRegistry
from engine.model import CardStation
from engine.model import CaseTask
from engine.model import ProcessVersion
from engine.policy.office_hours import LOA2_OFFICE_HOURS_RULE_FROM
from engine.policy.office_hours import is_office_hours
from engine.policy.office_hours import next_time_outside_office_hours
from engine.policy.timekeeping import to_local
from engine.rights import role_label
from engine.services.directory import find_user
from engine.services.inbox import QueueFilter
from engine.services.inbox import QueueSpec
from engine.services.inbox import QueueTask
from engine.services.inbox import one_task
from engine.services.inbox import queue_pages
from engine.services.may_work import ClaimRule
from engine.services.may_work import work_scope
from engine.services.paging import Page
from engine.services.paging import page_size
from engine.services.policy import PolicyReader
from engine.services.read_scope import check_may_work_in_scope
from engine.services.read_scope import task_not_found
from engine.services.runtime import Runtime

__all__ = [
    "ASSIGNED",
    "MINE",
    "WORK_ROLES",
    "OfficeHoursStatus",
    "QueueFilter",
    "QueueTask",
    "TaskToWork",
    "Worklist",
    "office_hours_status",
    "task_to_work",
    "worklist",
]

# The key of "my tasks" among a worklist's cursors (the group queues use their role).
MINE = "mine"
# The key of the steps assigned to the user by name (R20: an attester's `attest`).
ASSIGNED = "assigned"
# The filter's choices: every deployed process (not only those with a task in sight, which
# would cost a scan of every ready task), and every card station.
_CHOICES = union_all(
    select(
        literal("process").label("kind"),
        ProcessVersion.process_id.label("code"),
        ProcessVersion.process_id.label("name"),
    ).distinct(),
    select(literal("station"), CardStation.code, CardStation.name),
)

# Lanes a person works in the queues; the other roles only read.
WORK_ROLES = ("loa3_admin", "loa2_admin", "remote_admin", "service_desk")


@dataclass(frozen=True)
class Worklist:
    """One page of "my tasks" and of each group queue, with the filters' choices, and the
    steps assigned to the user by name (R20), which belong to no group queue."""

    mine: Page[QueueTask]
    queues: dict[str, Page[QueueTask]]
    processes: list[str] = field(default_factory=list)
    stations: list[tuple[str, str]] = field(default_factory=list)
    assigned: Page[QueueTask] = field(default_factory=lambda: Page((), None))


@dataclass(frozen=True)
class OfficeHoursStatus:
    """R12 for a LoA2 form: is it office hours now, and when may LoA2 next be issued."""

    rule_in_force: bool
    in_office_hours: bool
    next_allowed: datetime


@dataclass(frozen=True)
class TaskToWork:
    """A task opened for its form, with the case data the worker needs beside it."""

    task: QueueTask
    lane_label_sv: str
    lane_label_en: str
    case_data: dict[str, Any]
    office_hours: OfficeHoursStatus | None
    # The forms of the case's own process version (issue 9: forms are versioned).
    forms: FormRegistry
    # R20: the task is assigned to the user by name (an attester's step), not to a lane.
    assigned: bool = False


def worklist(
    runtime: Runtime,
    clock: Clock,
    username: str,
    queue_filter: QueueFilter | None = None,
    *,
    cursors: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> Worklist:
    """ "My tasks" and a group queue per work role, each one page from the database.

    `cursors` maps MINE or a role to the `next_cursor` of the page shown before; the
    statements per call depend on the user's roles, never on the number of cases.
    """
    size = page_size(limit)
    cursors = cursors or {}
    with runtime.database.sessions() as session:
        user = find_user(session, username, employments=False)
        scope = work_scope(session, user, clock.now())
        roles = [role for role in WORK_ROLES if role in scope.roles]
        specs = [
            QueueSpec(MINE, claimed_by_me=True, cursor=cursors.get(MINE)),
            # R20: no lane's role, so the may-work clause keeps only the tasks assigned to
            # the user by name (an attester's step), whatever rights they hold.
            QueueSpec(ASSIGNED, lanes=[], cursor=cursors.get(ASSIGNED)),
            # A group queue shows a colleague's claimed task as "taken by X".
            *(QueueSpec(r, ClaimRule.ANY, [r], cursor=cursors.get(r)) for r in roles),
        ]
        pages = queue_pages(session, scope, specs, size=size, queue_filter=queue_filter)
        processes: list[str] = []
        stations: list[tuple[str, str]] = []
        for row in session.execute(_CHOICES):
            if row.kind == "process":
                processes.append(row.code)
            else:
                stations.append((row.code, row.name))
        queues = {role: pages[role] for role in roles}
        return Worklist(pages[MINE], queues, sorted(processes), sorted(stations), pages[ASSIGNED])


def task_to_work(runtime: Runtime, clock: Clock, task_id: str, username: str) -> TaskToWork:
    """The task behind a form page, refused as completing it would be (may_work)."""
    now = clock.now()
    with runtime.database.sessions() as session:
        user = find_user(session, username, employments=False)
        task = session.get(CaseTask, task_id)
        if task is None:
            raise task_not_found(task_id)
        # S2: a task outside the user's scope is not found, not refused.
        check_may_work_in_scope(session, task, user, now)
        forms = runtime.forms.of_version(task.case.process_version)
        form = forms.get(task.case.process_id, task.name)
        needs_r12 = form is not None and "R12" in form.rules()
        return TaskToWork(
            task=one_task(session, task_id, now),
            lane_label_sv=role_label(task.lane, "sv"),
            lane_label_en=role_label(task.lane, "en"),
            case_data=json.loads(task.case.data_json),
            office_hours=_office_hours(session, now) if needs_r12 else None,
            forms=forms,
            assigned=task.assignee_id is not None,
        )


def office_hours_status(runtime: Runtime, clock: Clock) -> OfficeHoursStatus:
    """R12 now, for a form that issues or renews LoA2."""
    with runtime.database.sessions() as session:
        return _office_hours(session, clock.now())


def _office_hours(session: Session, now: datetime) -> OfficeHoursStatus:
    calendar = PolicyReader(session).calendar
    in_force = to_local(now).date() >= LOA2_OFFICE_HOURS_RULE_FROM
    inside = is_office_hours(now, calendar)
    return OfficeHoursStatus(
        rule_in_force=in_force,
        in_office_hours=inside and in_force,
        next_allowed=next_time_outside_office_hours(now, calendar) if in_force else now,
    )
