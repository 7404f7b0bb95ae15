"""One timer's step, and firing timers one per transaction after a batch rolled back.

`engine.services.timers` claims and fires timers in batches; the pieces of a single
timer's step (fire it in the runner, audit it, project the case) live here, shared by the
batch and by the replay, which fires a rolled-back batch's timers one per transaction so
that each one fails or is skipped alone.
"""

from __future__ import annotations

import logging
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
from engine.runner import ScriptRefused
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.incidents import KIND_DATABASE
from engine.services.incidents import KIND_SCRIPT
from engine.services.incidents import KIND_STEP
from engine.services.incidents import KIND_TIMER
from engine.services.incidents import RESOLVED_BY_SUCCESS
from engine.services.incidents import raise_incident
from engine.services.incidents import resolve_incidents
from engine.services.policy import PolicyReader
from engine.services.progress import Projection
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.runtime import Runtime

TIMER_FAILED = "failed"
log = logging.getLogger(__name__)


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
    session: Session,
    clock: Clock,
    timer: Timer,
    audit: AuditContext,
    error: DomainError,
    *,
    kind: str | None = None,
) -> None:
    """Audit a timer's refused step and open an incident on its case for a person to retry."""
    record(
        session,
        clock,
        audit,
        "timer_failed",
        task_name=timer.name,
        rule=error.rule,
        message=error.message,
    )
    raise_incident(
        session,
        clock,
        kind=kind or (KIND_SCRIPT if isinstance(error, ScriptRefused) else KIND_TIMER),
        case_id=timer.case_id,
        element=timer.name,
        error=error.message,
        rule=error.rule,
        timer_id=timer.id,
        retries_left=0,  # a refused step fails the same way again: a person decides
    )


def resolve_fired(session: Session, clock: Clock, worker: str, fired: list[int]) -> None:
    """Close the incidents of timers that fired after all (a database fault passed)."""
    resolve_incidents(session, clock, by=worker, resolution=RESOLVED_BY_SUCCESS, timer_ids=fired)


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
        except Conflict:
            # Another worker fired it, or moved the case, first: left for the next sweep.
            skipped.add(timer_id)
            continue
        except OperationalError as error:
            # A timeout, deadlock or lost connection ended this try. Left for the next
            # sweep, but never silently: logged, and an incident on the case while it lasts.
            skipped.add(timer_id)
            log.warning("timer %s: database fault, left for the next sweep: %s", timer_id, error)
            _record_database_fault(runtime, clock, timer_id, error, timeouts)
            continue
        except DomainError as error:
            _mark_failed(runtime, clock, timer_id, worker, error, timeouts)
            continue
        except Exception as error:  # noqa: BLE001 - one broken step must not stop the sweep
            # Not a refusal and not the database: a fault in the step itself. Left to run,
            # it would fail the sweep every minute and hold back every later timer; so it
            # fails alone, as an incident a person looks at and retries.
            log.exception("timer %s: the step failed", timer_id)
            fault = DomainError(
                f"Steget misslyckades: {type(error).__name__}: {error} / "
                f"The step failed: {type(error).__name__}: {error}"
            )
            _mark_failed(runtime, clock, timer_id, worker, fault, timeouts, kind=KIND_STEP)
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
        resolve_fired(session, clock, worker, [timer.id])
        uow.commit()
        return result


def _mark_failed(
    runtime: Runtime,
    clock: Clock,
    timer_id: int,
    worker: str,
    error: DomainError,
    timeouts: SweepTimeouts,
    *,
    kind: str | None = None,
) -> None:
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        limit_transaction(session, timeouts)
        timer = _claim_one(session, timer_id, status=TIMER_FAILED)
        if timer is None:
            return
        audit = timer_audit(timer.case, worker, policy_versions(session))
        record_failure(session, clock, timer, audit, error, kind=kind)
        uow.commit()


def _record_database_fault(
    runtime: Runtime, clock: Clock, timer_id: int, error: OperationalError, timeouts: SweepTimeouts
) -> None:
    """An incident for a timer the database kept from firing; re-raised if it fails too.

    If even this small transaction fails, the database is down rather than one case being
    stuck: the fault goes up to the sweep's caller (the worker logs it and tries again).
    """
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        limit_transaction(session, timeouts)
        timer = session.get(Timer, timer_id)
        if timer is None or timer.status != TIMER_WAITING:
            return
        raise_incident(
            session,
            clock,
            kind=KIND_DATABASE,
            case_id=timer.case_id,
            element=timer.name,
            error=str(error.orig or error).strip()[:500],
            timer_id=timer.id,
            retries_left=None,  # the next sweep tries again
        )
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
