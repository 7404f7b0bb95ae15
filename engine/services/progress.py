"""After SpiffWorkflow moved a case: bring tasks, timers, outbox and state up to date.

Shared by starting, completing and firing timers, so the projection tables the queues,
the scheduler and the reports read always match the stored workflow state.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

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


def advance_case(
    session: Session,
    clock: Clock,
    case: Case,
    runner: CaseRunner,
    audit: AuditContext,
) -> CaseRunner:
    """Project the runner onto the rows; continue as new at a renewal cycle's end (R11)."""
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
    _project_tasks(session, clock, case, runner)
    _project_timers(session, case, runner)
    case.data_json = json.dumps(business_data(runner), default=str)
    case.workflow_state = compress_state(runner.dump())
    return runner


def _carry_out_effects(session: Session, clock: Clock, case: Case, runner: CaseRunner) -> None:
    data = business_data(runner)
    for effect in runner.effects:
        if effect.operation == SEND_EMAIL:
            queue_email(session, clock, case, effect.params, data)
    runner.effects.clear()


def _project_tasks(session: Session, clock: Clock, case: Case, runner: CaseRunner) -> None:
    ready = {view.id: view for view in runner.ready_user_tasks()}
    known = {
        task.id: task
        for task in session.scalars(
            select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.state == TASK_READY)
        )
    }
    for task_id, task in known.items():
        if task_id not in ready:
            task.state = TASK_CANCELLED
    for task_id, view in ready.items():
        if task_id in known:
            continue
        excluded = case.started_by_id if view.properties.get("four_eyes") == "start" else None
        session.add(
            CaseTask(
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
        )


def _project_timers(session: Session, case: Case, runner: CaseRunner) -> None:
    waiting = {view.task_id: view for view in runner.waiting_timers()}
    known = {
        timer.task_id: timer
        for timer in session.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.status == TIMER_WAITING)
        )
    }
    for task_id, timer in known.items():
        if task_id not in waiting:
            timer.status = TIMER_CANCELLED
    session.flush()
    for task_id, view in waiting.items():
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
        if view.interrupting and view.attached_task_id:
            task = session.get(CaseTask, view.attached_task_id)
            if task is not None and (task.due_at is None or view.due_at < task.due_at):
                task.due_at = view.due_at


def latest_version(session: Session, process_id: str) -> ProcessVersion | None:
    return session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
