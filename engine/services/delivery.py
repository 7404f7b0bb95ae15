"""Deliver the outbox: each message once, retried with backoff, then a dead letter.

`deliver_due` is one delivery pass, called by the worker every few seconds (and by
`sithsflow outbox deliver`):

1. **Claim** up to `batch_size` due messages in a short transaction:
   `UPDATE outbox SET claimed_by = :worker, lease_until = :now + lease WHERE id IN
   (SELECT id … pending, due, lease free … FOR UPDATE SKIP LOCKED)`, then commit.
2. **Send** each one outside any transaction (an SMTP conversation may take seconds; no
   row lock is held over the network).
3. **Record** the outcome in its own transaction, only while this worker still holds the
   claim: sent (`sent_at`), or failed (`attempts`, `last_error`, `next_attempt_at` with
   exponential backoff, an incident on the case), or dead after `max_attempts`.
   Each outcome is an audit row on the message's case.

**Why a lease here and not a row lock (as the timer sweep has).** Sending is a network
call outside the database: holding a transaction open across it would tie a connection
and a lock to the SMTP server's speed. So the claim is committed with an expiry. A worker
killed between claim and outcome leaves `lease_until` behind; once it passes, another
worker's pass claims the message. A worker killed after the server accepted a message but
before its outcome committed is the one case where the message goes out twice; the
Message-ID is derived from the outbox row, so the receiving side can tell the copies apart.

Leases and backoff run on the wall clock (`wall`), not on the business clock a simulation
sets: they measure how long a worker has been gone, which a frozen `--now` would never
let pass. The audit rows and `sent_at` use the business clock, like every other step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import ColumnElement
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.clock import SystemClock
from engine.model import Case
from engine.model import OutboxMessage
from engine.model import Person
from engine.model import ProcessVersion
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.incidents import KIND_DELIVERY
from engine.services.incidents import RESOLVED_BY_SUCCESS
from engine.services.incidents import raise_incident
from engine.services.incidents import resolve_incidents
from engine.services.mail_transport import DeliveryFailed
from engine.services.mail_transport import Transport
from engine.services.runtime import Runtime

log = logging.getLogger(__name__)

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class DeliveryPolicy:
    """How often and how long: attempts before a dead letter, backoff, the lease."""

    max_attempts: int = 5
    # After the n-th failed attempt, wait backoff_s * 2**(n-1), at most backoff_cap_s.
    backoff_s: float = 60.0
    backoff_cap_s: float = 3600.0
    # How long a claim holds; longer than one SMTP conversation (its timeouts) takes.
    lease_s: float = 300.0
    batch_size: int = 20

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_s)

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(self.backoff_s * 2 ** max(attempts - 1, 0), self.backoff_cap_s)
        return timedelta(seconds=seconds)


DEFAULT_POLICY = DeliveryPolicy()


@dataclass(frozen=True)
class DeliveryRun:
    """What one pass did, by outbox id: sent, failed (to be retried), dead letters."""

    sent: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    dead: tuple[int, ...] = ()
    # Claims another worker took over while this one was sending (a lease ran out).
    lost: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: str
    subject: str
    body: str
    case_id: int | None
    attempts: int
    created_at: datetime
    # The case's audit facts, read with the claim (one query per batch, not per message).
    holder: str | None = None
    process_version: str | None = None


@dataclass
class _Tally:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)

    def run(self) -> DeliveryRun:
        return DeliveryRun(tuple(self.sent), tuple(self.failed), tuple(self.dead), tuple(self.lost))


@dataclass(frozen=True)
class _Pass:
    """What every step of one pass shares."""

    runtime: Runtime
    clock: Clock
    wall: Clock
    worker: str
    transport: Transport
    sender: str
    policy: DeliveryPolicy


def deliver_due(
    runtime: Runtime,
    clock: Clock,
    worker: str,
    *,
    transport: Transport,
    sender: str,
    policy: DeliveryPolicy = DEFAULT_POLICY,
    wall: Clock | None = None,
) -> DeliveryRun:
    """Send every message due now, each by one worker only, until none is due.

    The worker calls this every few seconds with its transport
    (`MailSettings.from_env(...).transport()`) and sender; see the module docstring.
    `worker` names this process among all that deliver (host and pid): a claim is only
    ever recorded by the worker that holds it. The transport is closed at the end.
    """
    run = _Pass(
        runtime=runtime,
        clock=clock,
        wall=wall or SystemClock(),
        worker=worker,
        transport=transport,
        sender=sender,
        policy=policy,
    )
    tally = _Tally()
    handled: set[int] = set()
    try:
        while True:
            claimed_at = run.wall.now()
            claimed = _claim(run, handled)
            if not claimed:
                return tally.run()
            for index, message in enumerate(claimed):
                if run.wall.now() - claimed_at >= run.policy.lease / 2:
                    # A slow server: send nothing under a lease about to pass, which another
                    # worker could then take over mid-send. Hand the rest back; claim anew.
                    _release(run, [m.id for m in claimed[index:]])
                    break
                handled.add(message.id)
                _deliver_one(run, message, tally)
    finally:
        transport.close()


def compose(
    message_id: int, to: str, subject: str, body: str, sender: str, created_at: datetime
) -> EmailMessage:
    """The e-mail of one outbox row; its Message-ID is the row's, the same on every attempt."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(created_at)
    domain = sender.rpartition("@")[2] or "localhost"
    stamp = created_at.strftime("%Y%m%d%H%M%S")
    email["Message-ID"] = f"<outbox-{message_id}.{stamp}@{domain}>"
    email["X-Sithsflow-Outbox-Id"] = str(message_id)
    email.set_content(body)
    return email


def _claim(run: _Pass, handled: set[int]) -> list[_Claimed]:
    now = run.wall.now()
    lease_free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    pending = (OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_(None))
    with run.runtime.unit_of_work(run.clock) as uow:
        session = uow.session
        due = (
            select(OutboxMessage.id)
            .where(
                *pending,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                lease_free,
            )
            .order_by(OutboxMessage.id)
            .limit(run.policy.batch_size)
            .with_for_update(skip_locked=True)
        )
        if handled:
            # A message this pass already tried waits for its backoff, not for this loop.
            due = due.where(OutboxMessage.id.not_in(handled))
        if session.get_bind().dialect.name == "postgresql":
            # MATERIALIZED: the locking subquery runs once (see engine.services.timers).
            chosen = select(due.cte("due").prefix_with("MATERIALIZED").c.id)
        else:
            # SQLite: one writer at a time, and the UPDATE must be the first statement.
            chosen = due
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chosen.scalar_subquery()), *pending, lease_free)
            .values(claimed_by=run.worker, lease_until=now + run.policy.lease)
            .returning(
                OutboxMessage.id,
                OutboxMessage.to_address,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.case_id,
                OutboxMessage.attempts,
                OutboxMessage.created_at,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(claim).all()
        facts = _case_facts(session, {row.case_id for row in rows if row.case_id is not None})
        uow.commit()
    claimed = [_Claimed(*row, *facts.get(row.case_id, (None, None))) for row in rows]
    return sorted(claimed, key=lambda message: message.id)


def _case_facts(session: Session, case_ids: set[int]) -> dict[int, tuple[str | None, str]]:
    """Per case: the holder's label and the process version, for the audit rows."""
    if not case_ids:
        return {}
    query = (
        select(
            Case.id,
            Person.username,
            Person.identity_number,
            Person.id,
            ProcessVersion.process_id,
            ProcessVersion.version,
        )
        .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
        .outerjoin(Person, Person.id == Case.holder_id)
        .where(Case.id.in_(case_ids))
    )
    facts: dict[int, tuple[str | None, str]] = {}
    for case_id, username, number, person_id, process_id, version in session.execute(query):
        # As Person.label and ProcessVersion.label, without loading the wide rows.
        holder = (username or number or f"person-{person_id}") if person_id else None
        facts[case_id] = (holder, f"{process_id}@{version}")
    return facts


def _deliver_one(run: _Pass, message: _Claimed, tally: _Tally) -> None:
    try:
        email = compose(
            message.id, message.to, message.subject, message.body, run.sender, message.created_at
        )
        run.transport.send(email)
    except DeliveryFailed as failure:
        _record_failure(run, message, str(failure), tally)
        return
    except Exception as fault:  # noqa: BLE001 - one bad message must not stop the pass
        # A fault in composing or handing over this message (not the server's answer):
        # it takes the same road of retries, a dead letter and an incident, and the
        # messages after it still go out.
        log.exception("outbox %s: sending failed", message.id)
        _record_failure(run, message, f"{type(fault).__name__}: {fault}", tally)
        return
    _record_sent(run, message, tally)


def _release(run: _Pass, message_ids: list[int]) -> None:
    with run.runtime.unit_of_work(run.clock) as uow:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.claimed_by == run.worker)
            .values(claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def _still_ours(run: _Pass, message_id: int) -> tuple[ColumnElement[bool], ...]:
    """The message is still pending and this worker's claim (no one took it over)."""
    return (
        OutboxMessage.id == message_id,
        OutboxMessage.claimed_by == run.worker,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.dead_at.is_(None),
    )


def _record_sent(run: _Pass, message: _Claimed, tally: _Tally) -> None:
    with run.runtime.unit_of_work(run.clock) as uow:
        session = uow.session
        done = session.execute(
            update(OutboxMessage)
            .where(*_still_ours(run, message.id))
            .values(
                sent_at=run.clock.now(),
                attempts=OutboxMessage.attempts + 1,
                claimed_by=None,
                lease_until=None,
                next_attempt_at=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            # Our lease ran out mid-send and another worker took the message over.
            log.warning("outbox %s: sent, but the claim had passed to another worker", message.id)
            tally.lost.append(message.id)
            return
        audit = _audit(run.worker, message)
        record(
            session,
            run.clock,
            audit,
            "mail_sent",
            message=f"E-post till {message.to}: {message.subject}",
            details={"outbox": message.id, "to": message.to, "via": run.transport.description},
        )
        if message.attempts:
            resolve_incidents(
                session,
                run.clock,
                by=run.worker,
                resolution=RESOLVED_BY_SUCCESS,
                outbox_id=message.id,
            )
        uow.commit()
    tally.sent.append(message.id)


def _record_failure(run: _Pass, message: _Claimed, error: str, tally: _Tally) -> None:
    attempts = message.attempts + 1
    dead = attempts >= run.policy.max_attempts
    retries_left = max(run.policy.max_attempts - attempts, 0)
    values: dict[str, object] = {
        "attempts": attempts,
        "claimed_by": None,
        "lease_until": None,
        "last_error": error[:2000],
    }
    if dead:
        values["dead_at"] = run.clock.now()
    else:
        values["next_attempt_at"] = run.wall.now() + run.policy.backoff(attempts)
    with run.runtime.unit_of_work(run.clock) as uow:
        session = uow.session
        done = session.execute(
            update(OutboxMessage)
            .where(*_still_ours(run, message.id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            log.warning("outbox %s: failed, but the claim had passed to another worker", message.id)
            tally.lost.append(message.id)
            return
        record(
            session,
            run.clock,
            _audit(run.worker, message),
            "mail_dead" if dead else "mail_failed",
            message=f"E-post till {message.to} kunde inte lämnas: {error}",
            details={"outbox": message.id, "attempt": attempts, "retries_left": retries_left},
        )
        raise_incident(
            session,
            run.clock,
            kind=KIND_DELIVERY,
            case_id=message.case_id,
            # Not the subject: it names the holder, and the incident list is also read by
            # process owners, who see no personal data (S2).
            element=f"E-post {message.id} / E-mail {message.id}",
            error=error,
            outbox_id=message.id,
            retries_left=retries_left,
        )
        uow.commit()
    log.warning("outbox %s: attempt %s failed: %s", message.id, attempts, error)
    (tally.dead if dead else tally.failed).append(message.id)


def _audit(worker: str, message: _Claimed) -> AuditContext:
    """The message's case in the audit trail: its id, holder and process version."""
    return AuditContext(
        actor=worker,
        role=SYSTEM_ROLE,
        case_id=message.case_id,
        holder=message.holder,
        process_version=message.process_version,
    )
