"""Writing the audit trail: every start, completion, refusal, timer and policy decision.

Rows are written with one SQLAlchemy Core INSERT each, in the caller's transaction, not as
ORM objects: nothing reads them back as objects in the same unit of work, and the ORM's
flush (identity map, unit-of-work sort, RETURNING of the id) was the largest single cost
of a case step (docs/benchmarks.md). The row is in the database at once, so a refusal
still rolls it back with everything else, and a read later in the transaction sees it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.database import Database
from engine.errors import DomainError
from engine.model import AuditEvent
from engine.model import Case
from engine.policy.timekeeping import to_local

SYSTEM_ACTOR = "system"

_AUDIT_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
# Built once, so its compiled form is cached; it does not ask for the new id back.
_INSERT_AUDIT_EVENT = insert(_AUDIT_EVENTS)


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
    # The session's connection, not session.execute: that would flush pending ORM changes
    # first, which an audit row (referring at most to an already written case) never needs.
    session.connection().execute(_INSERT_AUDIT_EVENT, row)


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
