"""After SpiffWorkflow moved a case: bring tasks, timers, outbox and state up to date.

Shared by starting, completing and firing timers, so the projection tables the queues,
the scheduler and the reports read always match the stored workflow state.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.model import Case
from engine.model import CaseTask
from engine.model import ProcessVersion
from engine.model import Timer
from engine.model.cases import CASE_COMPLETED
from engine.model.cases import TASK_CANCELLED
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_CANCELLED
from engine.model.cases import TIMER_WAITING
from engine.runner import CaseRunner
from engine.runner import TimerView
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.mail import SEND_EMAIL
from engine.services.mail import queue_email

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


# Statements of every step, built once so SQLAlchemy reuses their cache keys.
_READY_TASKS = select(CaseTask).where(
    CaseTask.case_id == bindparam("case_id"), CaseTask.state == TASK_READY
)
_WAITING_TIMERS = select(Timer).where(
    Timer.case_id == bindparam("case_id"), Timer.status == TIMER_WAITING
)
_LATEST_VERSION = (
    select(ProcessVersion)
    .where(ProcessVersion.process_id == bindparam("process_id"))
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)


@dataclass(frozen=True)
class Projection:
    """A case's READY task rows by id and WAITING timer rows by task id, read beforehand
    (the timer sweep reads them for a whole batch of cases in two queries)."""

    tasks: dict[str, CaseTask]
    timers: dict[str, Timer]


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
    `known`: the case's projection rows as the caller already read them in this unit of
    work, instead of reading them here.
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
        record(session, clock, audit, state, message=f"Ärendet är {state} / The case is {state}")
        break
    # The case row is final before the projection rows are read (a read autoflushes), so a
    # step writes it once; both reads come before any projection change, so they flush once.
    if runner is not inserted:
        store_state(case, runner)
    known_tasks: dict[str, CaseTask] = {}
    known_timers: dict[str, Timer] = {}
    if known is not None:
        known_tasks, known_timers = known.tasks, known.timers
    elif not new:
        params = {"case_id": case.id}
        known_tasks = {task.id: task for task in session.scalars(_READY_TASKS, params)}
        known_timers = {timer.task_id: timer for timer in session.scalars(_WAITING_TIMERS, params)}
    waiting = runner.waiting_timers()
    _project_tasks(session, clock, case, runner, known_tasks, waiting)
    _project_timers(session, case, known_timers, waiting)
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
    runner.effects.clear()


def _project_tasks(
    session: Session,
    clock: Clock,
    case: Case,
    runner: CaseRunner,
    known: dict[str, CaseTask],
    waiting: list[TimerView],
) -> None:
    ready = {view.id: view for view in runner.ready_user_tasks()}
    for task_id, task in known.items():
        if task_id not in ready:
            task.state = TASK_CANCELLED
    projected = dict(known)
    for task_id, view in ready.items():
        if task_id in known:
            continue
        excluded = case.started_by_id if view.properties.get("four_eyes") == "start" else None
        projected[task_id] = CaseTask(
            id=task_id,
            case_id=case.id,
            name=view.name,
            title=view.title,
            lane=view.lane,
            state=TASK_READY,
            cycle=case.cycle,
            created_at=clock.now(),
            organisation_id=case.organisation_id,
            excluded_person_id=excluded,
        )
        session.add(projected[task_id])
    # A task's deadline is its earliest interrupting timer; set before the INSERT so a new
    # task is written once.
    for timer in waiting:
        if not (timer.interrupting and timer.attached_task_id):
            continue
        attached = projected.get(timer.attached_task_id) or session.get(
            CaseTask, timer.attached_task_id
        )
        if attached is not None and (attached.due_at is None or timer.due_at < attached.due_at):
            attached.due_at = timer.due_at


def _project_timers(
    session: Session, case: Case, known: dict[str, Timer], waiting: list[TimerView]
) -> None:
    by_task = {view.task_id: view for view in waiting}
    for task_id, timer in known.items():
        if task_id not in by_task:
            timer.status = TIMER_CANCELLED
    for task_id, view in by_task.items():
        if task_id not in known:
            session.add(
                Timer(
                    case_id=case.id,
                    task_id=task_id,
                    name=view.name,
                    rule=view.properties.get("rule"),
                    interrupting=view.interrupting,
                    attached_task_id=view.attached_task_id,
                    due_at=view.due_at,
                    status=TIMER_WAITING,
                )
            )


def latest_version(session: Session, process_id: str) -> ProcessVersion | None:
    return session.scalars(_LATEST_VERSION, {"process_id": process_id}).first()
