"""What a person does about incidents: retry a failed timer, resend a dead letter.

Only the service desk (for cases of organisations its right covers) and process owners may
(the same people who may cancel a case, S4). Each retry is audited on the case with the
person and their role; a refusal changes nothing and is audited too.

- A **timer** incident: the timer waits again and is fired at once, in its own
  transaction, by the same code as the sweep; if its step fails again, a new incident
  says so.
- A **delivery** incident (a dead letter): the message is queued again with a fresh
  count of attempts; the worker's next delivery pass sends it.
- A **database** incident: the sweep retries on its own; a person's retry fires it now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import Case
from engine.model import Incident
from engine.model import OutboxMessage
from engine.model import Timer
from engine.model.cases import TIMER_WAITING
from engine.policy.timekeeping import to_local
from engine.rights import PROCESS_OWNER
from engine.rights import SERVICE_DESK
from engine.rights import has_role
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.directory import find_user
from engine.services.incidents import KIND_DELIVERY
from engine.services.incidents import RESOLVED_BY_RETRY
from engine.services.incidents import ElementFilter
from engine.services.incidents import IncidentRow
from engine.services.incidents import incidents_in
from engine.services.incidents import resolve_incidents
from engine.services.runtime import Runtime
from engine.services.timer_steps import DEFAULT_TIMEOUTS
from engine.services.timer_steps import TIMER_FAILED
from engine.services.timer_steps import replay

STATE_QUEUED = "queued"
STATE_RETRYING = "retrying"
STATE_SENT = "sent"
STATE_DEAD = "dead"
# What a timer retry came to.
STATE_FIRED = "fired"
STATE_FAILED = "failed"
STATE_WAITING = "waiting"
STATE_SKIPPED = "skipped"


@dataclass(frozen=True)
class RetryOutcome:
    """After a retry: what was retried and where it stands now.

    `state`: for a timer `fired`, `failed` (again: a new incident), `waiting` (the
    database held it back; the sweep retries) or `skipped` (its case has moved on); for a
    message `queued` (the next delivery pass sends it).
    """

    incident: int | None
    case: int | None
    kind: str
    state: str

    def to_dict(self) -> dict[str, object]:
        return {
            "incident": self.incident,
            "case": self.case,
            "kind": self.kind,
            "state": self.state,
        }


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox message with its delivery state, for `sithsflow outbox list`."""

    id: int
    to: str
    subject: str
    case: int | None
    created_at: datetime
    sent_at: datetime | None
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    dead_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at is not None else None

        return {
            "id": self.id,
            "to": self.to,
            "subject": self.subject,
            "case": self.case,
            "created_at": self.created_at.isoformat(),
            "sent_at": iso(self.sent_at),
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": iso(self.next_attempt_at),
            "last_error": self.last_error,
            "dead_at": iso(self.dead_at),
        }


def outbox_entries(runtime: Runtime, *, state: str | None = None) -> list[OutboxEntry]:
    """Every message, oldest first, with its delivery state; or only those in `state`."""
    with runtime.database.sessions() as session:
        entries = [
            _entry(m) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    return [e for e in entries if state is None or e.state == state]


def retry_incident(runtime: Runtime, clock: Clock, incident_id: int, username: str) -> RetryOutcome:
    """Retry what incident `incident_id` is about, as `username` (audited)."""
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            incident = session.get(Incident, incident_id) if _is_row_id(incident_id) else None
            if incident is None:
                raise NotFound(
                    f"Ingen incident med id {incident_id}. / No incident with id {incident_id}."
                )
            _describe_case(session, audit, incident.case_id)
            audit.role = _retrying_role(session, clock, username, incident.case_id)
            if incident.resolved_at is not None:
                raise Conflict(
                    f"Incident {incident.id} är redan åtgärdad ({incident.resolution}). / "
                    f"Incident {incident.id} is already resolved ({incident.resolution})."
                )
            timer_id = incident.timer_id
            if incident.kind == KIND_DELIVERY and incident.outbox_id is not None:
                _requeue(session, incident.outbox_id)
            elif timer_id is not None:
                _rearm(session, timer_id)
            resolve_incidents(
                session, clock, by=username, resolution=RESOLVED_BY_RETRY, incident_id=incident.id
            )
            record(
                session,
                clock,
                audit,
                "incident_retried",
                task_name=incident.element[:100],
                message=f"Incident {incident.id} ({incident.kind}) körs om: {incident.error}",
                details={"incident": incident.id, "kind": incident.kind},
            )
            kind, case_id = incident.kind, incident.case_id
            uow.commit()
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "incident_retry", error)
        raise
    if kind == KIND_DELIVERY or timer_id is None:
        return RetryOutcome(incident_id, case_id, kind, STATE_QUEUED)
    return RetryOutcome(incident_id, case_id, kind, _fire_now(runtime, clock, username, timer_id))


def resend_message(runtime: Runtime, clock: Clock, message_id: int, username: str) -> RetryOutcome:
    """Queue dead letter `message_id` again, as `username` (audited); resolves its incident."""
    with runtime.database.sessions() as session:
        message = session.get(OutboxMessage, message_id) if _is_row_id(message_id) else None
        incident_id = (
            session.scalars(
                select(Incident.id).where(
                    Incident.outbox_id == message_id, Incident.resolved_at.is_(None)
                )
            ).first()
            if message is not None
            else None
        )
        state = _entry(message).state if message is not None else None
    if incident_id is not None:
        return retry_incident(runtime, clock, incident_id, username)
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            if message is None:
                raise NotFound(
                    f"Inget e-postmeddelande med id {message_id}. / No message with id {message_id}."
                )
            _describe_case(session, audit, message.case_id)
            audit.role = _retrying_role(session, clock, username, message.case_id)
            if state != STATE_DEAD:
                raise Conflict(
                    f"Meddelande {message_id} är {state}; bara ett som gett upp skickas om. / "
                    f"Message {message_id} is {state}; only a dead letter is resent."
                )
            _requeue(session, message_id)
            record(
                session,
                clock,
                audit,
                "mail_resent",
                message=f"E-post {message_id} köas igen.",
                details={"outbox": message_id},
            )
            uow.commit()
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "outbox_resend", error)
        raise
    return RetryOutcome(None, message.case_id, KIND_DELIVERY, STATE_QUEUED)


def incidents_for(
    runtime: Runtime,
    clock: Clock,
    username: str,
    *,
    open_only: bool = True,
    at_element: ElementFilter | None = None,
) -> list[IncidentRow]:
    """The incidents `username` may see: all for a process owner; for the service desk,
    those of cases in the organisations its rights cover (S2); refused for anyone else.
    `at_element`: only those at one element of one process version."""
    with runtime.database.sessions() as session:
        actor = find_user(session, username, employments=False)
        day = to_local(clock.now()).date()
        rows = incidents_in(session, open_only=open_only, at_element=at_element)
        if has_role(actor, PROCESS_OWNER, day):
            return rows
        if not has_role(actor, SERVICE_DESK, day):
            raise NotPermitted(
                f"{username} får inte se incidenter: det får servicedesken och processägare. / "
                f"{username} may not see incidents: the service desk and process owners may."
            )
        case_ids = {row.case for row in rows if row.case is not None}
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
        return [
            row
            for row in rows
            if row.case is None or has_role(actor, SERVICE_DESK, day, cases[row.case].organisation)
        ]


def _is_row_id(value: int) -> bool:
    """Within a database integer: a larger id is no row, not a fault (issue 10)."""
    return 0 < value < 2**63


def _retrying_role(session: Session, clock: Clock, username: str, case_id: int | None) -> str:
    actor = find_user(session, username, employments=False)
    day = to_local(clock.now()).date()
    case = session.get(Case, case_id) if case_id is not None else None
    if has_role(actor, SERVICE_DESK, day, case.organisation if case else None):
        return SERVICE_DESK
    if has_role(actor, PROCESS_OWNER, day):
        return PROCESS_OWNER
    raise NotPermitted(
        f"{username} får inte köra om incidenter: det får servicedesken och processägare. / "
        f"{username} may not retry incidents: the service desk and process owners may."
    )


def _describe_case(session: Session, audit: AuditContext, case_id: int | None) -> None:
    case = session.get(Case, case_id) if case_id is not None else None
    if case is not None:
        audit.case_id = case.id
        audit.holder = case.holder.label if case.holder else None
        audit.process_version = case.process_version.label


def _requeue(session: Session, message_id: int) -> None:
    message = session.get(OutboxMessage, message_id)
    if message is None or message.sent_at is not None:
        raise Conflict(
            f"Meddelande {message_id} är redan skickat. / Message {message_id} was already sent."
        )
    message.attempts, message.dead_at, message.next_attempt_at = 0, None, None
    message.claimed_by, message.lease_until = None, None


def _rearm(session: Session, timer_id: int) -> None:
    timer = session.get(Timer, timer_id)
    if timer is None or timer.status not in (TIMER_FAILED, TIMER_WAITING):
        raise Conflict(
            f"Timern är inte längre felad ({timer.status if timer else '-'}). / "
            f"The timer has not failed any more ({timer.status if timer else '-'})."
        )
    timer.status, timer.fired_at = TIMER_WAITING, None


def _fire_now(runtime: Runtime, clock: Clock, username: str, timer_id: int) -> str:
    skipped: set[int] = set()
    fired = replay(runtime, clock, username, [timer_id], DEFAULT_TIMEOUTS, skipped)
    if fired:
        return STATE_FIRED
    with runtime.database.sessions() as session:
        timer = session.get(Timer, timer_id)
        status = timer.status if timer is not None else None
    if status == TIMER_FAILED:
        return STATE_FAILED
    if status == TIMER_WAITING:
        return STATE_WAITING  # the database held it back again: the sweep goes on trying
    # Claimed but not fired: its case had ended or its task no longer waited.
    return STATE_SKIPPED


def _entry(message: OutboxMessage) -> OutboxEntry:
    if message.sent_at is not None:
        state = STATE_SENT
    elif message.dead_at is not None:
        state = STATE_DEAD
    elif message.attempts:
        state = STATE_RETRYING
    else:
        state = STATE_QUEUED
    return OutboxEntry(
        id=message.id,
        to=message.to_address,
        subject=message.subject,
        case=message.case_id,
        created_at=message.created_at,
        sent_at=message.sent_at,
        state=state,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at,
        last_error=message.last_error,
        dead_at=message.dead_at,
    )
