"""The one page query behind every task list: the web queues, `task list` and the API.

A page is one statement whatever the region's size: ready tasks filtered by the SQL form
of "may work" (engine.services.may_work) and the queue filter, joined to their case, its
holder, the claimer and the card station where the case began, in keyset order
(created_at, id), LIMIT page size + 1. Nothing is read per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Executable
from sqlalchemy import Row
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy import union_all
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from engine.errors import NotFound
from engine.model import AdminRight
from engine.model import CardStation
from engine.model import Case
from engine.model import CaseTask
from engine.model import Person
from engine.model.base import UTCDateTime
from engine.policy.timekeeping import to_local
from engine.services.may_work import PERSON_PARAMETER
from engine.services.may_work import ClaimRule
from engine.services.may_work import WorkScope
from engine.services.may_work import may_work_template
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import split_page
from engine.services.paging import time_from_key
from engine.services.paging import time_key


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

    def as_json(self) -> dict[str, Any]:
        """The task as `task list --json` and `GET /api/tasks` show it (CONTRACT.md keys)."""
        due_at = self.deadline.due_at if self.deadline else None
        return {
            "id": self.id,
            "case": self.case,
            "name": self.name,
            "title": self.title,
            "process": self.process,
            "lane": self.lane,
            "holder": self.holder,
            "due_at": to_local(due_at).isoformat(timespec="seconds") if due_at else None,
            "claimed_by": self.claimed_by,
        }


@dataclass(frozen=True)
class QueueFilter:
    """Narrow the queues: one process, one card station, due within some days (in SQL)."""

    process: str | None = None
    station: str | None = None
    due_within_days: int | None = None

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """Which filters are set: part of a page statement's shape (see `_statement`)."""
        return (bool(self.process), bool(self.station), self.due_within_days is not None)

    def parameters(self, now: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {"filter_process": self.process, "filter_station": self.station}
        if self.due_within_days is not None:
            values["filter_due_by"] = now + timedelta(days=self.due_within_days)
        return values


def _filter_clause(process: bool, station: bool, due: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if process:
        conditions.append(Case.process_id == bindparam("filter_process"))
    if station:
        conditions.append(Case.started_by_id.in_(_admins_at(bindparam("filter_station"))))
    if due:
        due_by = bindparam("filter_due_by", type_=UTCDateTime())
        conditions.append(and_(CaseTask.due_at.is_not(None), CaseTask.due_at <= due_by))
    return conditions


# The card station where the case began: its first administrator's station (R8).
_STATION = (
    select(CardStation.code)
    .join(AdminRight, AdminRight.station_id == CardStation.id)
    .where(AdminRight.person_id == Case.started_by_id)
    .order_by(AdminRight.id)
    .limit(1)
    .correlate(Case)
    .scalar_subquery()
)
_FIRST_STATION_RIGHT = aliased(AdminRight, name="first_station_right")


def _admins_at(station: ColumnElement[str]) -> Select[int]:
    """The administrators whose station (as `_STATION` picks it) is `station`: a small
    set the database computes once, instead of `_STATION` for every candidate task."""
    first = (
        select(func.min(_FIRST_STATION_RIGHT.id))
        .where(
            _FIRST_STATION_RIGHT.person_id == AdminRight.person_id,
            _FIRST_STATION_RIGHT.station_id.is_not(None),
        )
        .scalar_subquery()
    )
    return (
        select(AdminRight.person_id)
        .join(CardStation, CardStation.id == AdminRight.station_id)
        .where(CardStation.code == station, AdminRight.id == first)
    )


_HOLDER = aliased(Person, name="holder")
_CLAIMER = aliased(Person, name="claimer")
_ROWS = (
    select(
        CaseTask.id,
        CaseTask.case_id,
        CaseTask.name,
        CaseTask.title,
        CaseTask.lane,
        CaseTask.created_at,
        CaseTask.due_at,
        Case.process_id,
        _HOLDER.id.label("holder_id"),
        _HOLDER.username.label("holder_username"),
        _HOLDER.identity_number.label("holder_number"),
        _HOLDER.display_name.label("holder_name"),
        _CLAIMER.username.label("claimed_by"),
        _STATION.label("station"),
    )
    .select_from(CaseTask)
    .join(Case, Case.id == CaseTask.case_id)
    .outerjoin(_HOLDER, _HOLDER.id == Case.holder_id)
    .outerjoin(_CLAIMER, _CLAIMER.id == CaseTask.claimed_by_id)
)
_ONE = _ROWS.where(CaseTask.id == bindparam("task_id"))


@dataclass(frozen=True)
class QueueSpec:
    """Which tasks one queue lists: what `task_page` takes, for `queue_pages`."""

    key: str
    claim: ClaimRule = ClaimRule.FREE_OR_MINE
    lanes: list[str] | None = None
    claimed_by_me: bool = False
    cursor: str | None = None


def task_page(
    session: Session,
    scope: WorkScope,
    *,
    size: int,
    claim: ClaimRule = ClaimRule.FREE_OR_MINE,
    lanes: list[str] | None = None,
    claimed_by_me: bool = False,
    queue_filter: QueueFilter | None = None,
    cursor: str | None = None,
) -> Page[QueueTask]:
    """One page of the tasks `scope`'s user may work (or, with ClaimRule.ANY, see).

    One branch per role, merged by `queue_pages`: each branch walks its lane's partial
    index in page order and stops after a page, where one query over several lanes would
    read and sort every ready task of them all.
    """
    roles = scope.roles_among(lanes)
    specs = [QueueSpec("", claim, [role], claimed_by_me, cursor) for role in roles]
    if lanes is None or not specs:  # R20: the tasks assigned by name, in a branch of their own
        specs.append(QueueSpec("", claim, [], claimed_by_me, cursor))
    return queue_pages(session, scope, specs, size=size, queue_filter=queue_filter)[""]


def queue_pages(
    session: Session,
    scope: WorkScope,
    specs: list[QueueSpec],
    *,
    size: int,
    queue_filter: QueueFilter | None = None,
) -> dict[str, Page[QueueTask]]:
    """A page of each queue in one statement (UNION ALL of each queue's page query), so a
    worklist costs the same round trips however many queues the user has.

    The statement is built once per shape (roles, claim rules, filters and cursors set)
    and cached; each call only binds its values.
    """
    queue_filter = queue_filter or QueueFilter()
    values: dict[str, Any] = {"page_limit": size + 1, **queue_filter.parameters(scope.now)}
    branches = []
    for n, spec in enumerate(specs):
        roles = scope.roles_among(spec.lanes)
        values.update(scope.parameters(roles))
        if spec.cursor:
            created, task_id = decode_cursor(spec.cursor, (str, str))
            values[f"after_created_{n}"] = time_from_key(created, spec.cursor)
            values[f"after_id_{n}"] = task_id
        branches.append(_Branch(roles, spec.claim, spec.claimed_by_me, bool(spec.cursor)))
    statement = _statement(tuple(branches), queue_filter.shape)
    rows: dict[str, list[QueueTask]] = {spec.key: [] for spec in specs}
    for row in session.execute(statement, values):
        rows[specs[row.queue].key].append(_queue_task(row, scope.now))
    return {
        key: split_page(sorted(tasks, key=_task_key), size, _task_key)
        for key, tasks in rows.items()
    }


@dataclass(frozen=True)
class _Branch:
    """The shape of one queue's page query: what changes its SQL, not its values."""

    roles: tuple[str, ...]
    claim: ClaimRule
    claimed_by_me: bool
    after_cursor: bool


@lru_cache(maxsize=512)
def _statement(branches: tuple[_Branch, ...], filters: tuple[bool, bool, bool]) -> Executable:
    queries = []
    for n, branch in enumerate(branches):
        query = _ROWS.add_columns(literal(n).label("queue")).where(
            # A branch of lanes leaves out the tasks assigned by name; the branch without
            # roles holds exactly those (R20), so each task is paged once, by its index.
            may_work_template(branch.roles, branch.claim, assigned=not branch.roles),
            *_filter_clause(*filters),
        )
        if branch.claimed_by_me:
            query = query.where(CaseTask.claimed_by_id == bindparam(PERSON_PARAMETER))
        if branch.after_cursor:
            after = (
                bindparam(f"after_created_{n}", type_=UTCDateTime()),
                bindparam(f"after_id_{n}", type_=CaseTask.id.type),
            )
            query = query.where(tuple_(CaseTask.created_at, CaseTask.id) > tuple_(*after))
        queries.append(
            query.order_by(CaseTask.created_at, CaseTask.id).limit(bindparam("page_limit"))
        )
    if len(queries) == 1:
        return queries[0]
    return union_all(*(select(query.subquery()) for query in queries))


def _task_key(task: QueueTask) -> tuple[str, str]:
    return (time_key(task.created_at), task.id)


def one_task(session: Session, task_id: str, now: datetime) -> QueueTask:
    """A task as the queues show it, for its form page (one statement)."""
    row = session.execute(_ONE, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"Ingen uppgift med id '{task_id}'. / No task with id '{task_id}'.")
    return _queue_task(row, now)


def _queue_task(row: Row[*tuple[Any, ...]], now: datetime) -> QueueTask:
    deadline = None
    if row.due_at is not None:
        deadline = Deadline(row.due_at, row.due_at - now, row.due_at - row.created_at)
    holder = None
    if row.holder_id is not None:
        holder = row.holder_username or row.holder_number or f"person-{row.holder_id}"
    return QueueTask(
        id=row.id,
        case=row.case_id,
        name=row.name,
        title=row.title,
        process=row.process_id,
        lane=row.lane or "",
        holder=holder,
        holder_name=row.holder_name,
        station=row.station,
        created_at=row.created_at,
        claimed_by=row.claimed_by,
        deadline=deadline,
    )
