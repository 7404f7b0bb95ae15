"""Writing the audit trail: every start, completion, refusal, timer and policy decision.

Rows are written with SQLAlchemy Core in the caller's transaction, not as ORM objects:
nothing uses them as objects in the same unit of work, and the ORM's flush (identity map,
unit-of-work sort, RETURNING of the id) was the largest single cost of a case step
(docs/benchmarks.md). A step's rows wait in the session and go out as one multi-row
INSERT (one round trip on PostgreSQL) before the session's next statement or its commit,
whichever comes first: a read later in the transaction sees them, as an autoflush made it
see ORM rows, and a rollback drops them with everything else.

Each row takes its place in the audit hash chain when its transaction commits
(`engine.services.audit_chain`): rows still waiting then go out with their chain values in
one INSERT; rows a read made go out earlier are chained by one UPDATE. Chaining costs one
statement per committing transaction on PostgreSQL (two on SQLite), not per row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import Table
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from engine.clock import Clock
from engine.database import Database
from engine.errors import DomainError
from engine.model import AuditEvent
from engine.model import Case
from engine.policy.timekeeping import to_local
from engine.services.audit_chain import chain

SYSTEM_ACTOR = "system"

_AUDIT_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
# Built once, so its compiled form is cached. A row written before the commit (for a read
# later in the transaction) is chained at commit by its id; the others are written then.
_INSERT_RETURNING_ID = insert(_AUDIT_EVENTS).returning(
    _AUDIT_EVENTS.c.id, sort_by_parameter_order=True
)
# Where a session keeps the rows recorded since its last statement (Session.info), and the
# rows written in this transaction that still wait for their place in the chain.
_PENDING = "sithsflow.audit.pending_rows"
_UNCHAINED = "sithsflow.audit.unchained_rows"


@dataclass
class AuditContext:
    """The versions and circumstances every audit row of one use case shares."""

    actor: str
    role: str | None = None
    case_id: int | None = None
    holder: str | None = None
    card_number: str | None = None
    process_version: str | None = None
    policy_version: str = ""
    calendar_version: str = ""
    dispensation: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def record(
    session: Session,
    clock: Clock,
    context: AuditContext,
    action: str,
    *,
    task_name: str | None = None,
    rule: str | None = None,
    message: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction."""
    now = clock.now()
    row = dict(
        at_utc=now,
        at_local=to_local(now).isoformat(timespec="seconds"),
        actor=context.actor,
        role=context.role,
        action=action,
        case_id=context.case_id,
        task_name=task_name,
        card_number=context.card_number,
        holder=context.holder,
        rule=rule,
        message=message,
        process_version=context.process_version,
        policy_version=context.policy_version,
        calendar_version=context.calendar_version,
        clock_source=clock.source,
        dispensation=context.dispensation,
        details_json=json.dumps({**context.details, **(details or {})}, default=str),
    )
    if not session.in_transaction():
        session.begin()  # so that the transaction's end, whatever it is, settles the row
    session.info.setdefault(_PENDING, []).append(row)


def _write_pending(session: Session) -> None:
    """Send the rows recorded so far, oldest first, on the session's connection; they are
    chained at commit, by the ids they got.

    The connection, not session.execute: that would flush pending ORM changes first, which
    an audit row (referring at most to an already written case) never needs.
    """
    rows = session.info.pop(_PENDING, None)
    if rows:
        ids = session.connection().execute(_INSERT_RETURNING_ID, rows).scalars().all()
        session.info.setdefault(_UNCHAINED, []).extend(zip(ids, rows, strict=True))


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    _write_pending(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Chain this transaction's rows and write those still waiting.

    The ORM's changes go out first, so that the chain head is the last lock the
    transaction takes (see engine.services.audit_chain)."""
    if not (session.info.get(_PENDING) or session.info.get(_UNCHAINED)):
        return
    session.flush()
    pending = session.info.pop(_PENDING, None) or []
    early = session.info.pop(_UNCHAINED, None) or []
    chain(session.connection(), early, pending)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    # Committed rows went out in before_commit; after a rollback or close they are dropped.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_UNCHAINED, None)


def record_refusal(
    database: Database,
    clock: Clock,
    context: AuditContext,
    action: str,
    error: DomainError,
    *,
    task_name: str | None = None,
) -> None:
    """Audit a refusal in its own transaction, after the use case rolled back."""
    with database.sessions() as session:
        known_case = context.case_id
        if known_case is not None and session.get(Case, known_case) is None:
            context.case_id = None
        record(
            session,
            clock,
            context,
            f"refused:{action}",
            task_name=task_name,
            rule=error.rule,
            message=error.message,
            details={"error": type(error).__name__},
        )
        session.commit()
