"""Fire due timers exactly once: the R7 deadline, reminders and certificate expiry.

The timer table is the only timer source. Each due timer is claimed with a conditional
UPDATE (`status = 'waiting'` → `'fired'`) in its own transaction; on PostgreSQL the
candidate row is also locked with SKIP LOCKED, so several workers share the work and
none fires a timer twice. A timer whose step fails is marked `failed` (an incident),
audited, and does not block the others.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from engine.services.audit import SYSTEM_ACTOR
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.policy import PolicyReader
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.runtime import Runtime

TIMER_FAILED = "failed"
DEFAULT_BATCH = 500


@dataclass(frozen=True)
class FiredTimer:
    case: int
    timer: str
    rule: str | None


def fire_due_timers(
    runtime: Runtime, clock: Clock, worker: str = SYSTEM_ACTOR, limit: int = DEFAULT_BATCH
) -> list[FiredTimer]:
    """Fire every timer due at the clock's time, each once, oldest first."""
    fired: list[FiredTimer] = []
    skipped: set[int] = set()
    while len(fired) + len(skipped) < limit:
        candidate = _next_due(runtime, clock, skipped)
        if candidate is None:
            break
        try:
            result = _fire_one(runtime, clock, candidate, worker)
        except (Conflict, OperationalError):
            # Another worker fired it, or moved the case, first: nothing to do here.
            skipped.add(candidate)
            continue
        except DomainError as error:
            _mark_failed(runtime, clock, candidate, worker, error)
            skipped.add(candidate)
            continue
        if result is None:
            skipped.add(candidate)
        else:
            fired.append(result)
    return fired


def _next_due(runtime: Runtime, clock: Clock, skipped: set[int]) -> int | None:
    with runtime.database.sessions() as session:
        query = (
            select(Timer.id)
            .where(Timer.status == TIMER_WAITING, Timer.due_at <= clock.now())
            .order_by(Timer.due_at, Timer.id)
            .limit(1)
        )
        if skipped:
            query = query.where(Timer.id.not_in(skipped))
        return session.scalars(query).first()


def _fire_one(runtime: Runtime, clock: Clock, timer_id: int, worker: str) -> FiredTimer | None:
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        lock = select(Timer).where(Timer.id == timer_id)
        if not runtime.database.is_sqlite:
            lock = lock.with_for_update(skip_locked=True)
        timer = session.scalars(lock).first()
        if timer is None or timer.status != TIMER_WAITING:
            return None
        claimed = session.execute(
            update(Timer)
            .where(Timer.id == timer_id, Timer.status == TIMER_WAITING)
            .values(status=TIMER_FIRED, fired_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        session.refresh(timer)
        case = timer.case
        # Audit convention: a deadline (R7) or expiry is judged under the policy and
        # calendar in force, so the timer rows name their versions like every other step.
        audit = _timer_audit(session, case, worker)
        if case.state != CASE_OPEN:
            record(session, clock, audit, "timer_skipped", task_name=timer.name, rule=timer.rule)
            uow.commit()
            return None
        runner = load_runner(case, clock)
        if not runner.fire_timer(timer.task_id):
            uow.commit()
            return None
        record(
            session,
            clock,
            audit,
            "timer_fired",
            task_name=timer.name,
            rule=timer.rule,
            message=f"Timer {timer.name} (förfallen {timer.due_at.isoformat()})",
        )
        advance_case(session, clock, case, runner, audit)
        uow.commit()
        return FiredTimer(case.id, timer.name, timer.rule)


def _timer_audit(session: Session, case: Case, worker: str) -> AuditContext:
    policy = PolicyReader(session)
    return AuditContext(
        actor=worker,
        role="system",
        case_id=case.id,
        holder=case.holder.label if case.holder else None,
        process_version=case.process_version.label,
        policy_version=policy.version,
        calendar_version=policy.calendar.version,
    )


def _mark_failed(
    runtime: Runtime, clock: Clock, timer_id: int, worker: str, error: DomainError
) -> None:
    with runtime.unit_of_work(clock) as uow:
        timer = uow.session.get(Timer, timer_id)
        if timer is None or timer.status != TIMER_WAITING:
            return
        timer.status = TIMER_FAILED
        record(
            uow.session,
            clock,
            _timer_audit(uow.session, timer.case, worker),
            "timer_failed",
            task_name=timer.name,
            rule=error.rule,
            message=error.message,
        )
        uow.commit()
