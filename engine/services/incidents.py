"""Incidents: what the machinery could not do on its own, on the case it belongs to.

A timer whose step failed (its script, a refusal, a fault in the step, the database), or an e-mail the server
would not take, becomes an incident: the kind, the element (timer or message), the error,
when, and how many automatic retries are left. One incident stays open per timer or
message; a repeat of the same failure counts up `occurrences` instead of adding rows. It is
resolved by a later success or by a person's retry (`engine.services.incident_actions`).

Writes happen in the caller's transaction, beside the failure's audit row, so both commit
or neither does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.model import Case
from engine.model import Incident
from engine.model import ProcessVersion
from engine.services.runtime import Runtime

KIND_TIMER = "timer"
KIND_SCRIPT = "script"
KIND_DELIVERY = "delivery"
KIND_DATABASE = "database"
KIND_STEP = "step"
KINDS = (KIND_TIMER, KIND_SCRIPT, KIND_DELIVERY, KIND_DATABASE, KIND_STEP)

RESOLVED_BY_RETRY = "retried"
RESOLVED_BY_SUCCESS = "succeeded"
ERROR_LIMIT = 2000


@dataclass(frozen=True)
class IncidentRow:
    """One incident as the CLI and the pages show it.

    `retries_left`: automatic retries still to come; 0 means a person must retry, None
    that the next sweep tries again (a database fault, transient by nature).
    """

    id: int
    case: int | None
    kind: str
    element: str
    error: str
    rule: str | None
    at: datetime
    occurrences: int
    retries_left: int | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    timer: int | None
    message: int | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "case": self.case,
            "kind": self.kind,
            "element": self.element,
            "error": self.error,
            "rule": self.rule,
            "at": self.at.isoformat(),
            "occurrences": self.occurrences,
            "retries_left": self.retries_left,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_by": self.resolved_by,
            "resolution": self.resolution,
            "timer": self.timer,
            "message": self.message,
        }


def raise_incident(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    case_id: int | None,
    element: str,
    error: str,
    rule: str | None = None,
    timer_id: int | None = None,
    outbox_id: int | None = None,
    retries_left: int | None = 0,
) -> None:
    """Open an incident, or count a repeat on the one already open for that timer/message."""
    text = error[:ERROR_LIMIT]
    existing = _open_for(session, timer_id, outbox_id)
    if existing is not None:
        existing.kind, existing.error, existing.rule = kind, text, rule
        existing.occurred_at = clock.now()
        existing.occurrences += 1
        existing.retries_left = retries_left
        return
    session.add(
        Incident(
            case_id=case_id,
            kind=kind,
            element=element[:300],
            timer_id=timer_id,
            outbox_id=outbox_id,
            rule=rule,
            error=text,
            occurred_at=clock.now(),
            occurrences=1,
            retries_left=retries_left,
        )
    )


def resolve_incidents(
    session: Session,
    clock: Clock,
    *,
    by: str,
    resolution: str,
    timer_ids: list[int] | None = None,
    outbox_id: int | None = None,
    incident_id: int | None = None,
) -> int:
    """Close the open incidents of these timers, this message or this id; how many."""
    query = update(Incident).where(Incident.resolved_at.is_(None))
    if timer_ids is not None:
        if not timer_ids:
            return 0
        query = query.where(Incident.timer_id.in_(timer_ids))
    elif outbox_id is not None:
        query = query.where(Incident.outbox_id == outbox_id)
    elif incident_id is not None:
        query = query.where(Incident.id == incident_id)
    else:
        raise ValueError("resolve_incidents needs timers, a message or an incident")
    result = session.execute(
        query.values(
            resolved_at=clock.now(), resolved_by=by, resolution=resolution
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ElementFilter:
    """The incidents at one element of one process version (the workspace's counts link
    to them)."""

    process_id: str
    version: int
    element: str


def list_incidents(
    runtime: Runtime, *, open_only: bool = False, case_id: int | None = None
) -> list[IncidentRow]:
    """Newest first; the open ones only with `open_only`, one case's with `case_id`."""
    with runtime.database.sessions() as session:
        return incidents_in(session, open_only=open_only, case_id=case_id)


def incidents_in(
    session: Session,
    *,
    open_only: bool = False,
    case_id: int | None = None,
    at_element: ElementFilter | None = None,
) -> list[IncidentRow]:
    query = select(Incident).order_by(Incident.occurred_at.desc(), Incident.id.desc())
    if at_element is not None:
        query = (
            query.join(Case, Case.id == Incident.case_id)
            .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
            .where(
                ProcessVersion.process_id == at_element.process_id,
                ProcessVersion.version == at_element.version,
                Incident.element == at_element.element,
            )
        )
    if open_only:
        query = query.where(Incident.resolved_at.is_(None))
    if case_id is not None:
        query = query.where(Incident.case_id == case_id)
    return [_row(incident) for incident in session.scalars(query)]


def _open_for(session: Session, timer_id: int | None, outbox_id: int | None) -> Incident | None:
    if timer_id is None and outbox_id is None:
        return None
    query = select(Incident).where(Incident.resolved_at.is_(None))
    if timer_id is not None:
        query = query.where(Incident.timer_id == timer_id)
    else:
        query = query.where(Incident.outbox_id == outbox_id)
    return session.scalars(query.limit(1)).first()


def _row(incident: Incident) -> IncidentRow:
    return IncidentRow(
        id=incident.id,
        case=incident.case_id,
        kind=incident.kind,
        element=incident.element,
        error=incident.error,
        rule=incident.rule,
        at=incident.occurred_at,
        occurrences=incident.occurrences,
        retries_left=incident.retries_left,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        resolution=incident.resolution,
        timer=incident.timer_id,
        message=incident.outbox_id,
    )
