"""Work queues for the pages: "my tasks", group queues per role, filters and deadlines.

`queries.tasks_for` answers "what may I work now" for the command line; the web also
shows tasks a colleague has claimed, groups them per role (BPMN lane) and shows how much
of a deadline is left. Four-eyes holds here too: a task that excludes the user (R6) is
never listed for her.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import NotFound
from engine.forms import FormRegistry
from engine.model import AdminRight
from engine.model import CardStation
from engine.model import CaseTask
from engine.model import Person
from engine.model.cases import TASK_READY
from engine.policy.office_hours import LOA2_OFFICE_HOURS_RULE_FROM
from engine.policy.office_hours import is_office_hours
from engine.policy.office_hours import next_time_outside_office_hours
from engine.policy.timekeeping import to_local
from engine.rights import has_role
from engine.rights import role_label
from engine.services.cases import check_role_and_four_eyes
from engine.services.directory import find_user
from engine.services.policy import PolicyReader
from engine.services.runtime import Runtime

# Lanes a person works in the queues; the other roles only read.
WORK_ROLES = ("loa3_admin", "loa2_admin", "remote_admin", "service_desk")


@dataclass(frozen=True)
class Deadline:
    """How much of a task's time is left: "4 d 3 h kvar av 5 dagar"."""

    due_at: datetime
    remaining: timedelta
    total: timedelta

    @property
    def total_days(self) -> int:
        return max(1, round(self.total / timedelta(days=1)))

    @property
    def is_near(self) -> bool:
        """Less than a fifth of the time left: the queue marks it."""
        return self.remaining * 5 < self.total


@dataclass(frozen=True)
class QueueTask:
    id: str
    case: int
    name: str
    title: str
    process: str
    lane: str
    holder: str | None
    holder_name: str | None
    station: str | None
    created_at: datetime
    claimed_by: str | None
    deadline: Deadline | None

    def is_claimed_by(self, username: str) -> bool:
        return self.claimed_by == username


@dataclass(frozen=True)
class QueueFilter:
    """Narrow the queues: one process, one card station, due within some days."""

    process: str | None = None
    station: str | None = None
    due_within_days: int | None = None

    def accepts(self, task: QueueTask, now: datetime) -> bool:
        if self.process and task.process != self.process:
            return False
        if self.station and task.station != self.station:
            return False
        if self.due_within_days is not None:
            limit = now + timedelta(days=self.due_within_days)
            if task.deadline is None or task.deadline.due_at > limit:
                return False
        return True


@dataclass(frozen=True)
class Worklist:
    mine: list[QueueTask]
    queues: dict[str, list[QueueTask]]
    processes: list[str] = field(default_factory=list)
    stations: list[tuple[str, str]] = field(default_factory=list)


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


def worklist(
    runtime: Runtime, clock: Clock, username: str, queue_filter: QueueFilter | None = None
) -> Worklist:
    """My claimed tasks and, per role I hold, the tasks of that lane I may work."""
    queue_filter = queue_filter or QueueFilter()
    now = clock.now()
    with runtime.database.sessions() as session:
        user = find_user(session, username)
        day = to_local(now).date()
        roles = [role for role in WORK_ROLES if has_role(user, role, day)]
        mine: list[QueueTask] = []
        queues: dict[str, list[QueueTask]] = {role: [] for role in roles}
        processes: set[str] = set()
        for task in _ready_tasks(session):
            if not _may_see(user, task, now):
                continue
            row = _queue_task(session, task, now)
            processes.add(row.process)
            if not queue_filter.accepts(row, now):
                continue
            if row.claimed_by == username:
                mine.append(row)
            if task.lane in queues:
                queues[task.lane or ""].append(row)
        stations = [
            (s.code, s.name)
            for s in session.scalars(select(CardStation).order_by(CardStation.code))
        ]
        return Worklist(mine, queues, sorted(processes), stations)


def task_to_work(runtime: Runtime, clock: Clock, task_id: str, username: str) -> TaskToWork:
    """The task behind a form page; refused as the case service would refuse it (R5, R6)."""
    now = clock.now()
    with runtime.database.sessions() as session:
        user = find_user(session, username)
        task = session.get(CaseTask, task_id)
        if task is None:
            raise NotFound(f"Ingen uppgift med id '{task_id}'. / No task with id '{task_id}'.")
        if task.state != TASK_READY:
            raise Conflict(
                f"Uppgiften {task.id} är redan {task.state}. / Task {task.id} is already {task.state}."
            )
        check_role_and_four_eyes(task, task.case, user, to_local(now).date())
        forms = runtime.forms.of_version(task.case.process_version)
        form = forms.get(task.case.process_id, task.name)
        needs_r12 = form is not None and "R12" in form.rules()
        return TaskToWork(
            task=_queue_task(session, task, now),
            lane_label_sv=role_label(task.lane, "sv"),
            lane_label_en=role_label(task.lane, "en"),
            case_data=json.loads(task.case.data_json),
            office_hours=_office_hours(session, now) if needs_r12 else None,
            forms=forms,
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


def _ready_tasks(session: Session) -> list[CaseTask]:
    return list(
        session.scalars(
            select(CaseTask).where(CaseTask.state == TASK_READY).order_by(CaseTask.created_at)
        )
    )


def _may_see(user: Person, task: CaseTask, now: datetime) -> bool:
    if task.excluded_person_id == user.id:
        return False  # R6: four-eyes, the first admin never sees the second verification.
    if task.due_at is not None and task.due_at <= now:
        return False  # the deadline passed; the timer sweep lapses or expires the case.
    return has_role(user, task.lane or "", to_local(now).date(), task.case.organisation)


def _queue_task(session: Session, task: CaseTask, now: datetime) -> QueueTask:
    case = task.case
    deadline = None
    if task.due_at is not None:
        deadline = Deadline(task.due_at, task.due_at - now, task.due_at - task.created_at)
    return QueueTask(
        id=task.id,
        case=case.id,
        name=task.name,
        title=task.title,
        process=case.process_id,
        lane=task.lane or "",
        holder=case.holder.label if case.holder else None,
        holder_name=case.holder.display_name if case.holder else None,
        station=_station_of(session, case.started_by),
        created_at=task.created_at,
        claimed_by=task.claimed_by.username if task.claimed_by else None,
        deadline=deadline,
    )


def _station_of(session: Session, person: Person) -> str | None:
    """The card station where the case began: its first administrator's station (R8)."""
    right = session.scalars(
        select(AdminRight)
        .where(AdminRight.person_id == person.id, AdminRight.station_id.is_not(None))
        .limit(1)
    ).first()
    return right.station.code if right is not None and right.station is not None else None
