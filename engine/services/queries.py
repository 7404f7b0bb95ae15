"""Read-only use cases: a case, the cases, a user's tasks, a card, the outbox, processes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import AuditEvent
from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import OutboxMessage
from engine.model import Person
from engine.model import ProcessVersion
from engine.model import ReserveCard
from engine.model import Timer
from engine.model.cases import CASE_STATES
from engine.model.cases import TASK_READY
from engine.policy.timekeeping import to_local
from engine.rights import has_role
from engine.rights import roles_of
from engine.services.directory import find_user
from engine.services.runtime import Runtime


def _iso(at: datetime | None) -> str | None:
    return to_local(at).isoformat(timespec="seconds") if at is not None else None


# A person shown by name only: their rights and employments wait until read.
_NAME_ONLY = (lazyload(Person.employments), lazyload(Person.rights))
# A case page in four queries (case, tasks, history, timers), not one per relation. Tasks,
# history and timers are read as the columns the page shows, not as ORM objects: a case
# page is read after every step, and loading objects cost it most of its time
# (docs/benchmarks.md). The statements are built once so SQLAlchemy reuses their cache keys.
_CASE_PAGE = (
    joinedload(Case.process_version),
    joinedload(Case.organisation),
    joinedload(Case.holder).options(*_NAME_ONLY),
    joinedload(Case.started_by).options(*_NAME_ONLY),
)
_CASE = select(Case).where(Case.id == bindparam("case_id")).options(*_CASE_PAGE)
_CLAIMED_BY = aliased(Person, name="claimed_by")
_COMPLETED_BY = aliased(Person, name="completed_by")
_TASKS = (
    select(
        CaseTask.id,
        CaseTask.name,
        CaseTask.title,
        CaseTask.state,
        CaseTask.lane,
        CaseTask.cycle,
        CaseTask.due_at,
        CaseTask.completed_at,
        _CLAIMED_BY.username.label("claimed_by"),
        _COMPLETED_BY.username.label("completed_by"),
    )
    .outerjoin(_CLAIMED_BY, _CLAIMED_BY.id == CaseTask.claimed_by_id)
    .outerjoin(_COMPLETED_BY, _COMPLETED_BY.id == CaseTask.completed_by_id)
    .where(CaseTask.case_id == bindparam("case_id"))
    .order_by(CaseTask.created_at)
)
_HISTORY = (
    select(
        AuditEvent.at_local,
        AuditEvent.at_utc,
        AuditEvent.actor,
        AuditEvent.role,
        AuditEvent.action,
        AuditEvent.task_name,
        AuditEvent.rule,
        AuditEvent.message,
        AuditEvent.process_version,
        AuditEvent.policy_version,
        AuditEvent.calendar_version,
        AuditEvent.clock_source,
        AuditEvent.dispensation,
    )
    .where(AuditEvent.case_id == bindparam("case_id"))
    .order_by(AuditEvent.id)
)
_TIMERS = (
    select(Timer.name, Timer.due_at, Timer.status, Timer.rule, Timer.fired_at)
    .where(Timer.case_id == bindparam("case_id"))
    .order_by(Timer.due_at)
)


def show_case(runtime: Runtime, case_id: int) -> dict[str, Any]:
    """One case with its data, tasks, timers and history from the audit trail."""
    with runtime.database.sessions() as session:
        params = {"case_id": case_id}
        case = session.scalars(_CASE, params).first()
        if case is None:
            raise NotFound(f"Inget ärende med id {case_id}. / No case with id {case_id}.")
        tasks = session.execute(_TASKS, params).all()
        history = session.execute(_HISTORY, params).all()
        timers = session.execute(_TIMERS, params).all()
        return {
            "id": case.id,
            "process": case.process_id,
            "version": case.process_version.version,
            "state": case.state,
            "cycle": case.cycle,
            "holder": case.holder.label if case.holder else None,
            "organisation": case.organisation.code,
            "started_by": case.started_by.username,
            "started_at": _iso(case.started_at),
            "ended_at": _iso(case.ended_at),
            "data": json.loads(case.data_json),
            "tasks": [_task_dict(task) for task in tasks],
            "timers": [
                {
                    "name": t.name,
                    "due_at": _iso(t.due_at),
                    "status": t.status,
                    "rule": t.rule,
                    "fired_at": _iso(t.fired_at),
                }
                for t in timers
            ],
            "history": [_audit_dict(event) for event in history],
        }


def _task_dict(task: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "id": task.id,
        "name": task.name,
        "title": task.title,
        "state": task.state,
        "lane": task.lane,
        "cycle": task.cycle,
        "due_at": _iso(task.due_at),
        "claimed_by": task.claimed_by,
        "completed_by": task.completed_by,
        "completed_at": _iso(task.completed_at),
    }


def _audit_dict(event: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "at": event.at_local,
        "at_utc": event.at_utc.isoformat(),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "task": event.task_name,
        "rule": event.rule,
        "message": event.message,
        "process_version": event.process_version,
        "policy_version": event.policy_version,
        "calendar_version": event.calendar_version,
        "clock_source": event.clock_source,
        "dispensation": event.dispensation,
    }


def list_cases(runtime: Runtime, state: str | None = None) -> list[dict[str, Any]]:
    if state is not None and state not in CASE_STATES:
        raise Invalid(
            f"Okänd status '{state}'; välj bland {', '.join(CASE_STATES)}. / "
            f"Unknown state '{state}'; choose one of {', '.join(CASE_STATES)}."
        )
    with runtime.database.sessions() as session:
        query = select(Case).order_by(Case.id)
        if state is not None:
            query = query.where(Case.state == state)
        return [
            {
                "id": case.id,
                "process": case.process_id,
                "version": case.process_version.version,
                "state": case.state,
                "holder": case.holder.label if case.holder else None,
                "started_at": _iso(case.started_at),
            }
            for case in session.scalars(query)
        ]


def tasks_for(runtime: Runtime, clock: Clock, username: str) -> list[dict[str, Any]]:
    """Tasks the user may work now: the lane's role for the case's organisation, not
    excluded by four-eyes (R6), not claimed by someone else, deadline not passed."""
    with runtime.database.sessions() as session:
        user = find_user(session, username)
        day = to_local(clock.now()).date()
        now = clock.now()
        # The inbox query: ready tasks in the user's lanes (ix_case_tasks_state_lane), not
        # excluded by four-eyes, not claimed by others, deadline not passed.
        ready = session.scalars(
            select(CaseTask)
            .join(Case, Case.id == CaseTask.case_id)
            .where(
                CaseTask.state == TASK_READY,
                # R6: nobody works a case about their own identity.
                or_(Case.holder_id.is_(None), Case.holder_id != user.id),
                CaseTask.lane.in_(roles_of(user, day)),
                or_(CaseTask.excluded_person_id.is_(None), CaseTask.excluded_person_id != user.id),
                or_(CaseTask.claimed_by_id.is_(None), CaseTask.claimed_by_id == user.id),
                or_(CaseTask.due_at.is_(None), CaseTask.due_at > now),
            )
            .order_by(CaseTask.created_at)
        ).all()
        tasks = []
        for task in ready:
            # Rights are per organisation: the case's must be covered (R5).
            if not has_role(user, task.lane or "", day, task.case.organisation):
                continue
            tasks.append(
                {
                    "id": task.id,
                    "case": task.case_id,
                    "name": task.name,
                    "title": task.title,
                    "process": task.case.process_id,
                    "lane": task.lane,
                    "holder": task.case.holder.label if task.case.holder else None,
                    "due_at": _iso(task.due_at),
                    "claimed_by": task.claimed_by.username if task.claimed_by else None,
                }
            )
        return tasks


def show_card(runtime: Runtime, number: str) -> dict[str, Any]:
    with runtime.database.sessions() as session:
        card = session.get(ReserveCard, number.strip())
        if card is None:
            raise NotFound(f"Inget kort med nummer {number}. / No card numbered {number}.")
        certificates = list(card.certificates)
        latest: Certificate | None = certificates[-1] if certificates else None
        return {
            "number": card.number,
            "holder": card.holder.label if card.holder else None,
            "holder_name": card.holder.display_name if card.holder else None,
            "loa": card.loa,
            "state": card.state,
            "issued_at": _iso(card.issued_at),
            "valid_until": _iso(latest.valid_until) if latest else None,
            "valid_for_national_systems": latest.valid_for_national_systems if latest else None,
            "certificates": [
                {
                    "kind": c.kind,
                    "loa": c.loa,
                    "valid_from": _iso(c.valid_from),
                    "valid_until": _iso(c.valid_until),
                    "issued_by": c.issued_by.username,
                    "first_admin": c.first_admin.username if c.first_admin else None,
                    "case": c.case_id,
                    "valid_for_national_systems": c.valid_for_national_systems,
                    "ceiling_rule": c.ceiling_rule,
                }
                for c in certificates
            ],
        }


def list_outbox(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.database.sessions() as session:
        return [
            {
                "to": m.to_address,
                "subject": m.subject,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "case": m.case_id,
            }
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def list_processes(runtime: Runtime) -> list[dict[str, Any]]:
    """The newest version of each deployed process."""
    with runtime.database.sessions() as session:
        return _latest_processes(session)


def _latest_processes(session: Session) -> list[dict[str, Any]]:
    newest = (
        select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("version"))
        .group_by(ProcessVersion.process_id)
        .order_by(ProcessVersion.process_id)
    )
    return [{"id": row.process_id, "version": row.version} for row in session.execute(newest)]
