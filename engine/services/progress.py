"""After SpiffWorkflow moved a case: bring tasks, timers, outbox and state up to date.

Shared by starting, completing and firing timers, so the projection tables the queues,
the scheduler and the reports read always match the stored workflow state.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.invariants import excluded_person_id
from engine.model import Case
from engine.model import CaseTask
from engine.model import Timer
from engine.model.cases import CASE_COMPLETED
from engine.model.cases import TASK_CANCELLED
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_CANCELLED
from engine.model.cases import TIMER_WAITING
from engine.model.revocations import REVOKE_EMPLOYMENT_CARDS
from engine.model.revocations import REVOKE_UNACTIVATED_CARD
from engine.runner import CaseRunner
from engine.runner import TimerView
from engine.services.assignees import assignee_id
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.mail import SEND_EMAIL
from engine.services.mail import queue_email
from engine.state_words import case_state_words

# Data SpiffWorkflow keeps for itself; not carried into a new cycle nor shown on the case.
_INTERNAL_PREFIX = "spiff__"


def compress_state(state_json: str) -> bytes:
    return zlib.compress(state_json.encode(), 6)


def decompress_state(blob: bytes) -> str:
    return zlib.decompress(blob).decode()


def load_runner(case: Case, clock: Clock) -> CaseRunner:
    return CaseRunner.load(
        case.process_version.spec_json, decompress_state(case.workflow_state), clock
    )


def business_data(runner: CaseRunner) -> dict[str, Any]:
    return {k: v for k, v in runner.data().items() if not k.startswith(_INTERNAL_PREFIX)}


# Statements of every step, built once so SQLAlchemy reuses their compiled forms. The
# projection rows are read and written with Core on the session's connection: a step only
# needs a few columns of them and never uses them as objects, and the ORM's loading and
# unit-of-work bookkeeping for them cost more than SpiffWorkflow's own step
# (docs/benchmarks.md).
_CASE_TASKS: Table = CaseTask.__table__  # type: ignore[assignment]
_TIMERS: Table = Timer.__table__  # type: ignore[assignment]
_READY_TASKS = select(_CASE_TASKS.c.case_id, _CASE_TASKS.c.id, _CASE_TASKS.c.due_at).where(
    _CASE_TASKS.c.case_id.in_(bindparam("case_ids", expanding=True)),
    _CASE_TASKS.c.state == TASK_READY,
)
_WAITING_TIMERS = select(_TIMERS.c.case_id, _TIMERS.c.id, _TIMERS.c.task_id).where(
    _TIMERS.c.case_id.in_(bindparam("case_ids", expanding=True)),
    _TIMERS.c.status == TIMER_WAITING,
)
_INSERT_TASK = insert(_CASE_TASKS)
_INSERT_TIMER = insert(_TIMERS)
_CANCEL_TASK = (
    update(_CASE_TASKS).where(_CASE_TASKS.c.id == bindparam("task_id")).values(state=TASK_CANCELLED)
)
_CANCEL_TIMER = (
    update(_TIMERS).where(_TIMERS.c.id == bindparam("timer_id")).values(status=TIMER_CANCELLED)
)
# A deadline only ever moves earlier (the earliest interrupting timer wins).
_SET_DUE = (
    update(_CASE_TASKS)
    .where(
        _CASE_TASKS.c.id == bindparam("task_id"),
        or_(_CASE_TASKS.c.due_at.is_(None), _CASE_TASKS.c.due_at > bindparam("due_at")),
    )
    .values(due_at=bindparam("due_at"))
)


@dataclass(frozen=True)
class Projection:
    """A case's projection rows as read before a step: READY task id -> its deadline, and
    WAITING timer's task id -> the timer row's id."""

    tasks: dict[str, datetime | None]
    timers: dict[str, int]


def read_projections(session: Session, case_ids: Sequence[int]) -> dict[int, Projection]:
    """The projection rows of the cases in two statements, as the database has them now.

    Read with Core, so nothing is flushed first: a caller that changed task or timer rows
    through the ORM flushes before (advance_case does when it reads them itself).
    """
    found = {case_id: Projection({}, {}) for case_id in case_ids}
    connection, params = session.connection(), {"case_ids": list(case_ids)}
    for row in connection.execute(_READY_TASKS, params):
        found[row.case_id].tasks[row.id] = row.due_at
    for row in connection.execute(_WAITING_TIMERS, params):
        found[row.case_id].timers[row.task_id] = row.id
    return found


def advance_case(
    session: Session,
    clock: Clock,
    case: Case,
    runner: CaseRunner,
    audit: AuditContext,
    *,
    new: bool = False,
    known: Projection | None = None,
) -> CaseRunner:
    """Project the runner onto the rows; continue as new at a renewal cycle's end (R11).

    `new`: the case was inserted in this unit of work with the runner's state, so it has no
    task or timer rows yet and its state needs storing again only if the runner changes.
    `known`: the case's projection rows as the caller read them (`read_projections`, e.g.
    for a batch of cases), instead of reading them here.
    """
    inserted = runner if new else None
    _carry_out_effects(session, clock, case, runner)
    while runner.is_completed():
        ends = runner.ends_reached()
        if any(end.properties.get("continue_as_new") == "true" for end in ends):
            data = business_data(runner)
            case.cycle += 1
            data["cycle"] = case.cycle
            record(session, clock, audit, "cycle_started", details={"cycle": case.cycle})
            runner = CaseRunner.start(case.process_version.spec_json, data, clock)
            _carry_out_effects(session, clock, case, runner)
            continue
        state = next(
            (e.properties["case_state"] for e in ends if "case_state" in e.properties),
            CASE_COMPLETED,
        )
        case.state = state
        case.ended_at = clock.now()
        sv, en = case_state_words(state)
        record(session, clock, audit, state, message=f"Ärendet är {sv}. / The case is {en}.")
        break
    if runner is not inserted:
        store_state(case, runner)
    if new:
        known = Projection({}, {})
    elif known is None:
        # The case row (and whatever else the step changed through the ORM, such as the
        # completed task) is written here, once, before the projection is read: its version
        # column refuses a concurrent step (optimistic locking) before any row changes.
        session.flush()
        known = read_projections(session, [case.id])[case.id]
    waiting = runner.waiting_timers()
    _project_tasks(session, clock, case, runner, known.tasks, waiting)
    _project_timers(session, case, known.timers, waiting)
    return runner


def store_state(case: Case, runner: CaseRunner) -> None:
    """The runner's state and business data onto the case row (an equal value writes nothing)."""
    case.data_json = json.dumps(business_data(runner), default=str)
    case.workflow_state = compress_state(runner.dump())


def _carry_out_effects(session: Session, clock: Clock, case: Case, runner: CaseRunner) -> None:
    if not runner.effects:
        return
    data = business_data(runner)
    for effect in runner.effects:
        if effect.operation == SEND_EMAIL:
            queue_email(session, clock, case, effect.params, data)
        elif effect.operation == REVOKE_EMPLOYMENT_CARDS:
            # Imported here: revocation ends cases through this module (R19).
            from engine.services.employment_end import revoke_employment_cards

            revoke_employment_cards(session, clock, case, data)
        elif effect.operation == REVOKE_UNACTIVATED_CARD:
            from engine.services.ordinary_card import revoke_unactivated_card

            revoke_unactivated_card(session, clock, case, data)
    runner.effects.clear()


def _project_tasks(
    session: Session,
    clock: Clock,
    case: Case,
    runner: CaseRunner,
    known: dict[str, datetime | None],
    waiting: list[TimerView],
) -> None:
    """READY user tasks become rows; rows of tasks no longer READY are cancelled."""
    connection = session.connection()
    ready = {view.id: view for view in runner.ready_user_tasks()}
    cancelled = [{"task_id": task_id} for task_id in known if task_id not in ready]
    if cancelled:
        connection.execute(_CANCEL_TASK, cancelled)
    new_rows: dict[str, dict[str, Any]] = {}
    for task_id, view in ready.items():
        if task_id in known:
            continue
        # R6: whom four-eyes keeps out; for LoA3 issuance whatever the properties say (S3).
        excluded = excluded_person_id(session, case, view.properties)
        new_rows[task_id] = {
            "id": task_id,
            "case_id": case.id,
            "name": view.name,
            "title": view.title,
            "lane": view.lane,
            "state": TASK_READY,
            "cycle": case.cycle,
            "created_at": clock.now(),
            "due_at": None,
            "organisation_id": case.organisation_id,
            "excluded_person_id": excluded,
            "claimed_by_id": None,
            "assignee_id": assignee_id(session, view.properties, runner.data),
            "completed_at": None,
            "completed_by_id": None,
        }
    # A task's deadline is its earliest interrupting timer; set before the INSERT so a new
    # task is written once.
    earlier: dict[str, datetime] = {}
    for timer in waiting:
        if not (timer.interrupting and timer.attached_task_id):
            continue
        attached = timer.attached_task_id
        if attached in new_rows:
            row = new_rows[attached]
            if row["due_at"] is None or timer.due_at < row["due_at"]:
                row["due_at"] = timer.due_at
            continue
        due = earlier.get(attached, known.get(attached))
        if due is None or timer.due_at < due:
            earlier[attached] = timer.due_at
    if new_rows:
        connection.execute(_INSERT_TASK, list(new_rows.values()))
    if earlier:
        connection.execute(
            _SET_DUE, [{"task_id": task_id, "due_at": due} for task_id, due in earlier.items()]
        )


def _project_timers(
    session: Session, case: Case, known: dict[str, int], waiting: list[TimerView]
) -> None:
    """Waiting timers become rows (the sweep's only source); gone ones are cancelled."""
    connection = session.connection()
    by_task = {view.task_id: view for view in waiting}
    cancelled = [
        {"timer_id": timer_id} for task_id, timer_id in known.items() if task_id not in by_task
    ]
    if cancelled:
        connection.execute(_CANCEL_TIMER, cancelled)
    new_rows = [
        {
            "case_id": case.id,
            "task_id": task_id,
            "name": view.name,
            "rule": view.properties.get("rule"),
            "interrupting": view.interrupting,
            "attached_task_id": view.attached_task_id,
            "due_at": view.due_at,
            "status": TIMER_WAITING,
            "fired_at": None,
        }
        for task_id, view in by_task.items()
        if task_id not in known
    ]
    if new_rows:
        connection.execute(_INSERT_TIMER, new_rows)


def end_tasks_and_timers(session: Session, case: Case) -> None:
    """A case that ends before its flow does (S4 cancel, R19 revocation): its open tasks
    and waiting timers end with it, so no queue offers them and no sweep fires them."""
    session.execute(
        update(CaseTask)
        .where(CaseTask.case_id == case.id, CaseTask.state == TASK_READY)
        .values(state=TASK_CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Timer)
        .where(Timer.case_id == case.id, Timer.status == TIMER_WAITING)
        .values(status=TIMER_CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
