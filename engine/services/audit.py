"""Writing the audit trail: every start, completion, refusal, timer and policy decision."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.database import Database
from engine.errors import DomainError
from engine.model import AuditEvent
from engine.model import Case
from engine.policy.timekeeping import to_local

SYSTEM_ACTOR = "system"


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
) -> AuditEvent:
    """Append one audit row in the caller's transaction."""
    now = clock.now()
    event = AuditEvent(
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
    session.add(event)
    return event


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
