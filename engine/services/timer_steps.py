"""One timer's step, and firing timers one per transaction after a batch rolled back.

`engine.services.timers` claims and fires timers in batches; the pieces of a single
timer's step (fire it in the runner, audit it, project the case) live here, shared by the
batch and by the replay, which fires a rolled-back batch's timers one per transaction so
that each one fails or is skipped alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.model import Case
from engine.model import Timer
from engine.model.cases import CASE_OPEN
from engine.model.cases import TIMER_FIRED
from engine.model.cases import TIMER_WAITING
from engine.policy.timekeeping import format_local
from engine.runner import CaseRunner
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.policy import PolicyReader
from engine.services.progress import Projection
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.runtime import Runtime

TIMER_FAILED = "failed"


@dataclass(frozen=True)
class FiredTimer:
    case: int
    timer: str
    rule: str | None


@dataclass(frozen=True)
class SweepTimeouts:
    """PostgreSQL limits on a sweep's transactions, so that a hung worker frees its claim.

    `idle_s`: a transaction left open without a statement for this long is ended by the
    server (the worker hangs between statements). `statement_s`: one statement may run
    this long (the worker hangs inside one, e.g. waiting for a lock).
    """

    statement_s: float = 30.0
    idle_s: float = 30.0

    @property
    def longest_hold_s(self) -> float:
        """How long another worker can keep a due timer from us, at most."""
        return self.statement_s + self.idle_s


DEFAULT_TIMEOUTS = SweepTimeouts()


DEFAULT_TIMEOUTS = SweepTimeouts()


def limit_transaction(session: Session, timeouts: SweepTimeouts) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    # Local to this transaction: the web app's other work on the pool keeps its settings.
    session.execute(
        select(
            func.set_config("statement_timeout", str(int(timeouts.statement_s * 1000)), True),
            func.set_config(
                "idle_in_transaction_session_timeout", str(int(timeouts.idle_s * 1000)), True
            ),
        )
    )


def run_timer(case: Case, timer: Timer, clock: Clock) -> CaseRunner | None:
    """The runner after the timer fired, or None if its task no longer waits."""
    runner = load_runner(case, clock)
    return runner if runner.fire_timer(timer.task_id) else None


def record_fire(
    session: Session,
    clock: Clock,
    timer: Timer,
    case: Case,
    runner: CaseRunner,
    audit: AuditContext,
    known: Projection | None = None,
) -> FiredTimer:
    record(
        session,
        clock,
        audit,
        "timer_fired",
        task_name=timer.name,
        rule=timer.rule,
        message=f"Tidpunkt: {format_local(timer.due_at)} / Due: {format_local(timer.due_at)}",
    )
    advance_case(session, clock, case, runner, audit, known=known)
    return FiredTimer(case.id, timer.name, timer.rule)


def record_skip(session: Session, clock: Clock, timer: Timer, audit: AuditContext) -> None:
    record(session, clock, audit, "timer_skipped", task_name=timer.name, rule=timer.rule)


def record_failure(
    session: Session, clock: Clock, timer: Timer, audit: AuditContext, error: DomainError
) -> None:
    record(
        session,
        clock,
        audit,
        "timer_failed",
        task_name=timer.name,
        rule=error.rule,
        message=error.message,
    )


def policy_versions(session: Session) -> tuple[str, str]:
    policy = PolicyReader(session)
    return policy.version, policy.calendar.version


def timer_audit(case: Case, worker: str, versions: tuple[str, str]) -> AuditContext:
    return AuditContext(
        actor=worker,
        role="system",
        case_id=case.id,
        holder=case.holder.label if case.holder else None,
        process_version=case.process_version.label,
        policy_version=versions[0],
        calendar_version=versions[1],
    )


# --- one timer per transaction, after a batch rolled back ---------------------------


def replay(
    runtime: Runtime,
    clock: Clock,
    worker: str,
    timer_ids: list[int],
    timeouts: SweepTimeouts,
    skipped: set[int],
) -> list[FiredTimer]:
    fired: list[FiredTimer] = []
    for timer_id in timer_ids:
        try:
            result = _fire_one(runtime, clock, timer_id, worker, timeouts)
        except (Conflict, OperationalError):
            # Another worker fired it, or moved the case, first; or a timeout or deadlock
            # ended this try. Left for the next sweep, not retried in this one.
            skipped.add(timer_id)
            continue
        except DomainError as error:
            _mark_failed(runtime, clock, timer_id, worker, error, timeouts)
            continue
        if result is not None:
            fired.append(result)
    return fired


def _fire_one(
    runtime: Runtime, clock: Clock, timer_id: int, worker: str, timeouts: SweepTimeouts
) -> FiredTimer | None:
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        limit_transaction(session, timeouts)
        timer = _claim_one(session, timer_id, status=TIMER_FIRED, fired_at=clock.now())
        if timer is None:
            return None
        case = timer.case
        audit = timer_audit(case, worker, policy_versions(session))
        if case.state != CASE_OPEN:
            record_skip(session, clock, timer, audit)
            uow.commit()
            return None
        runner = run_timer(case, timer, clock)
        if runner is None:
            uow.commit()
            return None
        result = record_fire(session, clock, timer, case, runner, audit)
        uow.commit()
        return result


def _mark_failed(
    runtime: Runtime,
    clock: Clock,
    timer_id: int,
    worker: str,
    error: DomainError,
    timeouts: SweepTimeouts,
) -> None:
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        limit_transaction(session, timeouts)
        timer = _claim_one(session, timer_id, status=TIMER_FAILED)
        if timer is None:
            return
        audit = timer_audit(timer.case, worker, policy_versions(session))
        record_failure(session, clock, timer, audit, error)
        uow.commit()


def _claim_one(session: Session, timer_id: int, **values: object) -> Timer | None:
    """Claim one timer if it still waits and no one else holds it (a conditional UPDATE)."""
    waiting = (
        select(Timer.id)
        .where(Timer.id == timer_id, Timer.status == TIMER_WAITING)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(Timer)
        .where(Timer.id.in_(waiting.scalar_subquery()), Timer.status == TIMER_WAITING)
        .values(**values)
        .returning(Timer)
        .execution_options(synchronize_session=False)
    )
    return session.scalars(claim).first()
