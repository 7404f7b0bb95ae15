"""Read-only use cases: a case, the cases, a user's tasks, a card, the outbox, processes.

The lists are keyset pages (engine.services.paging) answered by one statement each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.identifiers import normal_card_number
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
from engine.policy.timekeeping import to_local
from engine.services.directory import find_user
from engine.services.inbox import QueueTask
from engine.services.inbox import task_page
from engine.services.may_work import work_scope
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.read_scope import CARD_CLAUSE
from engine.services.read_scope import CASE_CLAUSE
from engine.services.read_scope import Reader
from engine.services.read_scope import case_clause
from engine.services.read_scope import not_found
from engine.services.read_scope import parameters
from engine.services.read_scope import readable
from engine.services.read_scope import scope_of
from engine.services.runtime import Runtime
from engine.services.verifications import STEP_ACTIONS
from engine.services.verifications import verifications_by_case


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
# S2: the same statement with the reader's scope in its WHERE clause.
_CASE_IN_SCOPE = _CASE.where(CASE_CLAUSE)
_CLAIMED_BY = aliased(Person, name="claimed_by")
_COMPLETED_BY = aliased(Person, name="completed_by")
_ASSIGNEE = aliased(Person, name="assignee")
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
        _ASSIGNEE.username.label("assignee"),
    )
    .outerjoin(_CLAIMED_BY, _CLAIMED_BY.id == CaseTask.claimed_by_id)
    .outerjoin(_COMPLETED_BY, _COMPLETED_BY.id == CaseTask.completed_by_id)
    .outerjoin(_ASSIGNEE, _ASSIGNEE.id == CaseTask.assignee_id)
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
        AuditEvent.details_json,
    )
    .where(AuditEvent.case_id == bindparam("case_id"))
    .order_by(AuditEvent.id)
)
_TIMERS = (
    select(Timer.name, Timer.due_at, Timer.status, Timer.rule, Timer.fired_at)
    .where(Timer.case_id == bindparam("case_id"))
    .order_by(Timer.due_at)
)


def show_case(runtime: Runtime, case_id: int, *, reader: Reader | None = None) -> dict[str, Any]:
    """One case with its data, tasks, timers and history from the audit trail; with a
    `reader`, only inside their S2 scope (else NotFound, S2)."""
    with runtime.database.sessions() as session:
        params: dict[str, Any] = {"case_id": case_id}
        scope = scope_of(session, reader)
        if scope is None:
            case = session.scalars(_CASE, params).first()
        else:
            case = session.scalars(_CASE_IN_SCOPE, {**params, **scope.parameters()}).first()
        if case is None:
            if scope is not None:
                raise not_found(f"Inget ärende med id {case_id}", f"No case with id {case_id}")
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
        # R20: the one person who works the task (an attester), else None.
        "assignee": task.assignee,
    }


def _audit_dict(event: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    entry = {
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
    if event.action in STEP_ACTIONS:
        # Each step's own fields (CONTRACT.md): the case data keeps only the last value of a
        # field two steps share, such as both LoA3 administrators' `id_document` (R6).
        entry["fields"] = json.loads(event.details_json or "{}").get("fields", {})
    return entry


@dataclass(frozen=True)
class CaseListItem:
    """A case as the case list shows it: no data, no workflow state."""

    id: int
    process: str
    version: int
    state: str
    holder: str | None
    started_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The case as `case list --json` and `GET /api/cases` show it (CONTRACT.md keys)."""
        return {
            "id": self.id,
            "process": self.process,
            "version": self.version,
            "state": self.state,
            "holder": self.holder,
            "started_at": _iso(self.started_at),
        }


DEFAULT_CASE_PAGE_SIZE = 100
_HOLDER = aliased(Person, name="holder")
# Only the columns the list shows, never the workflow blob nor the data.
_CASE_ROWS = (
    select(
        Case.id,
        Case.process_id,
        ProcessVersion.version,
        Case.state,
        Case.started_at,
        _HOLDER.id.label("holder_id"),
        _HOLDER.username.label("holder_username"),
        _HOLDER.identity_number.label("holder_number"),
    )
    .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
    .outerjoin(_HOLDER, _HOLDER.id == Case.holder_id)
)


def list_cases(
    runtime: Runtime,
    state: str | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    newest_first: bool = False,
    reader: Reader | None = None,
) -> Page[CaseListItem]:
    """One page of cases in keyset order of id (index `ix_cases_state_id` with a state);
    with a `reader`, the cases of their S2 scope only (the scope is in the WHERE clause)."""
    if state is not None and state not in CASE_STATES:
        raise Invalid(
            f"Okänd status '{state}'; välj bland {', '.join(CASE_STATES)}. / "
            f"Unknown state '{state}'; choose one of {', '.join(CASE_STATES)}."
        )
    size = page_size(limit, DEFAULT_CASE_PAGE_SIZE)
    query = _CASE_ROWS
    if state is not None:
        query = query.where(Case.state == state)
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        query = query.where(Case.id < after if newest_first else Case.id > after)
    query = query.order_by(Case.id.desc() if newest_first else Case.id).limit(size + 1)
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        # A card user's few cases by index, not a walk of every case (read_scope).
        query = readable(query, case_clause(scope), scope)
        items = [
            CaseListItem(
                id=row.id,
                process=row.process_id,
                version=row.version,
                state=row.state,
                holder=_label(row.holder_id, row.holder_username, row.holder_number),
                started_at=row.started_at,
            )
            for row in session.execute(query, parameters(scope))
        ]
    return split_page(items, size, lambda item: (item.id,))


def _label(person_id: int | None, username: str | None, number: str | None) -> str | None:
    """`Person.label` from its columns."""
    if person_id is None:
        return None
    return username or number or f"person-{person_id}"


def tasks_for(
    runtime: Runtime,
    clock: Clock,
    username: str,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[QueueTask]:
    """One page of the tasks the user may work now (engine.services.may_work): the lane's
    role for the task's organisation (R5), not excluded by four-eyes nor the holder (R6),
    not claimed by someone else, deadline not passed; oldest first."""
    size = page_size(limit)
    with runtime.database.sessions() as session:
        user = find_user(session, username, employments=False)
        scope = work_scope(session, user, clock.now())
        return task_page(session, scope, size=size, cursor=cursor)


_CARD = select(ReserveCard).where(ReserveCard.number == bindparam("number"))
_CARD_IN_SCOPE = _CARD.where(CARD_CLAUSE)


def show_card(runtime: Runtime, number: str, *, reader: Reader | None = None) -> dict[str, Any]:
    """One card and its certificates; with a `reader`, only inside their S2 scope."""
    with runtime.database.sessions() as session:
        number = normal_card_number(number)
        scope = scope_of(session, reader)
        params = {"number": number, **parameters(scope)}
        card = session.scalars(_CARD if scope is None else _CARD_IN_SCOPE, params).first()
        if card is None:
            if scope is not None:
                raise not_found(f"Inget kort med nummer {number}", f"No card numbered {number}")
            raise NotFound(f"Inget kort med nummer {number}. / No card numbered {number}.")
        certificates = list(card.certificates)
        latest: Certificate | None = certificates[-1] if certificates else None
        # R6: each administrator of an issuance with the document they checked.
        checked = verifications_by_case(
            session, {c.case_id for c in certificates if c.case_id and c.kind == "issue"}
        )
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
                    "verifications": [
                        v.as_json()
                        for v in (
                            checked.get(c.case_id, []) if c.kind == "issue" and c.case_id else []
                        )
                    ],
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
