"""Fire due timers exactly once: the R7 deadline, reminders and certificate expiry.

The timer table is the only timer source. A sweep works in batches; each batch is one
transaction that

1. claims up to `batch_size` due timers, oldest first:
   `UPDATE timers SET status = 'fired' WHERE id IN (SELECT id … WHERE status = 'waiting'
   AND due_at <= :now ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING …`,
2. fires each claimed timer with its case step (the runner, the audit rows, the task and
   timer projections), and
3. commits once. The sweep loops until nothing is due: there is no cap.

**Why a row lock and not a lease column.** The claim is the uncommitted status change and
the row lock that comes with it. Other workers skip locked rows (`SKIP LOCKED`), so they
never wait for nor collide with each other. A worker that dies (SIGKILL, a lost
connection) never commits: PostgreSQL rolls its transaction back and its timers are
`waiting` again for the next claim, with nothing to expire or clean up. A worker that
hangs with its transaction open is cut off by `idle_in_transaction_session_timeout`, one
stuck inside a statement by `statement_timeout` (both set for the sweep's transactions
only, see `SweepTimeouts`), which ends the same way. A lease (`claimed_by`,
`claimed_until`) would need a commit to claim and another to fire, workers agreeing on
the time, and an expiry longer than the slowest batch, during which a dead worker's
timers wait anyway.

SQLite has no `SKIP LOCKED` and one writer at a time: the claim UPDATE is a batch's first
statement, so a second worker waits for the first one's commit (the busy timeout) and
then sees its timers fired.

**Failures.** A timer whose step is refused by the runner (a `DomainError`, such as a
sandbox refusal) is marked `failed`, audited and opened as an incident on its case
(engine.services.incidents) inside the batch; the runner changes nothing in the database
before that point. A person retries it (`sithsflow incident retry`). Anything else that
goes wrong in a batch (a refusal after the case rows changed, a concurrent change of the
same case, a deadlock, a timeout, a fault in a step) rolls the whole batch back and
replays its timers one per transaction, where each one fails or is skipped alone: a
database fault there is logged and kept as an incident until the timer fires; a fault in
the step fails that timer alone, as an incident. Replays cost nothing in the normal case,
unlike a savepoint per timer (two more round trips per fire).

**Cost.** Per batch: the timeouts, the claim, the cases with their holders, each
process version once, the calendar once, every case's READY tasks and WAITING timers (two
queries for the batch, handed to `advance_case`) and one flush of all changed rows (the
ORM sends each table's rows as one executemany, but for the case rows: their version
check needs one UPDATE each), and one UPDATE closing the incidents of the fired timers.
So a batch runs without autoflush and holds one timer per
case; a second due timer of a case in the same claim is handed back and fired by the
next batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.clock import Clock
from engine.errors import DomainError
from engine.model import Case
from engine.model import Person
from engine.model import Timer
from engine.model.cases import CASE_OPEN
from engine.model.cases import TIMER_FIRED
from engine.model.cases import TIMER_WAITING
from engine.services.audit import SYSTEM_ACTOR
from engine.services.progress import read_projections
from engine.services.runtime import Runtime
from engine.services.timer_steps import DEFAULT_TIMEOUTS
from engine.services.timer_steps import TIMER_FAILED
from engine.services.timer_steps import FiredTimer
from engine.services.timer_steps import SweepTimeouts
from engine.services.timer_steps import limit_transaction
from engine.services.timer_steps import policy_versions
from engine.services.timer_steps import record_failure
from engine.services.timer_steps import record_fire
from engine.services.timer_steps import record_skip
from engine.services.timer_steps import replay
from engine.services.timer_steps import resolve_fired
from engine.services.timer_steps import run_timer
from engine.services.timer_steps import timer_audit

DEFAULT_BATCH_SIZE = 100
# How long a sweep polls for due timers that other workers hold, between tries.
LOCKED_POLL_SECONDS = (0.05, 1.0)

__all__ = ["TIMER_FAILED", "FiredTimer", "SweepTimeouts", "fire_due_timers"]


@dataclass
class _Batch:
    claimed: int = 0
    fired: list[FiredTimer] = field(default_factory=list)


def fire_due_timers(
    runtime: Runtime,
    clock: Clock,
    worker: str = SYSTEM_ACTOR,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    timeouts: SweepTimeouts = DEFAULT_TIMEOUTS,
    on_commit: Callable[[Sequence[FiredTimer]], None] | None = None,
) -> list[FiredTimer]:
    """Fire every timer due at the clock's time, each once, oldest first, in batches.

    `on_commit` is called with the timers of each committed transaction as soon as it
    commits, so that a caller can show progress that survives its own death.
    """
    fired: list[FiredTimer] = []
    skipped: set[int] = set()
    waited_since: float | None = None
    pause = LOCKED_POLL_SECONDS[0]
    while True:
        batch = _sweep_batch(runtime, clock, worker, batch_size, timeouts, skipped)
        if batch.fired:
            fired.extend(batch.fired)
            if on_commit is not None:
                on_commit(batch.fired)
        if batch.claimed:
            waited_since, pause = None, LOCKED_POLL_SECONDS[0]
            continue
        if not _any_due(runtime, clock, skipped):
            return fired
        # Due timers remain that other workers hold: wait for their commit, or for the
        # server to end a hung holder's transaction (SweepTimeouts), then claim them.
        waited_since = time.monotonic() if waited_since is None else waited_since
        if time.monotonic() - waited_since > timeouts.longest_hold_s:
            return fired
        time.sleep(pause)
        pause = min(pause * 2, LOCKED_POLL_SECONDS[1])


def _sweep_batch(
    runtime: Runtime,
    clock: Clock,
    worker: str,
    size: int,
    timeouts: SweepTimeouts,
    skipped: set[int],
) -> _Batch:
    batch = _Batch()
    claimed_ids: list[int] = []
    try:
        with runtime.unit_of_work(clock) as uow:
            limit_transaction(uow.session, timeouts)
            claimed = _claim(uow.session, clock, size, skipped)
            batch.claimed = len(claimed)
            claimed_ids = [timer.id for timer in claimed]
            firing = _one_per_case(uow.session, claimed)
            claimed_ids = [timer.id for timer in firing]
            fired = _fire_claimed(uow.session, clock, worker, firing)
            done = [timer.id for timer in firing if timer.status == TIMER_FIRED]
            if done:
                # One statement per batch: a timer a database fault held back is done now.
                resolve_fired(uow.session, clock, worker, done)
            uow.commit()
            batch.fired = fired
    except Exception:
        if not claimed_ids:
            raise
        # The batch rolled back, so its timers are waiting again: one per transaction now.
        batch.fired = replay(runtime, clock, worker, claimed_ids, timeouts, skipped)
    return batch


def _claim(session: Session, clock: Clock, size: int, skipped: set[int]) -> list[Timer]:
    now = clock.now()
    due = (
        select(Timer.id)
        .where(Timer.status == TIMER_WAITING, Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if skipped:
        due = due.where(Timer.id.not_in(skipped))
    if session.get_bind().dialect.name == "postgresql":
        # MATERIALIZED: evaluated once. As a plain `IN (subquery)` PostgreSQL may run the
        # locking subquery again per row and claim more than `size` rows.
        batch = due.cte("due").prefix_with("MATERIALIZED")
        chosen = select(batch.c.id)
    else:
        # SQLite computes the subquery once; and its driver opens a transaction only
        # before a statement that starts with UPDATE, so no `WITH` in front of it here.
        chosen = due
    claim = (
        update(Timer)
        .where(Timer.id.in_(chosen.scalar_subquery()), Timer.status == TIMER_WAITING)
        .values(status=TIMER_FIRED, fired_at=now)
        .returning(Timer)
        .execution_options(synchronize_session=False)
    )
    claimed = list(session.scalars(claim))
    return sorted(claimed, key=lambda timer: (timer.due_at, timer.id))


def _one_per_case(session: Session, claimed: list[Timer]) -> list[Timer]:
    """The first claimed timer of each case; the others go back to `waiting`.

    A batch flushes once at its end, so two steps of one case in it would not see each
    other's rows; the second timer is fired by the next batch instead, as if it were
    claimed a moment later.
    """
    firing: list[Timer] = []
    seen: set[int] = set()
    returned = False
    for timer in claimed:
        if timer.case_id in seen:
            timer.status, timer.fired_at = TIMER_WAITING, None
            returned = True
        else:
            seen.add(timer.case_id)
            firing.append(timer)
    if returned:
        session.flush()
    return firing


def _fire_claimed(
    session: Session, clock: Clock, worker: str, timers: list[Timer]
) -> list[FiredTimer]:
    if not timers:
        return []
    # Audit convention: a deadline (R7) or expiry is judged under the policy and calendar
    # in force, so the timer rows name their versions like every other step; read once.
    versions = policy_versions(session)
    case_ids = [timer.case_id for timer in timers]
    cases = _load_cases(session, case_ids)
    # Read after the claim, so a batch's claimed timers are not among them (as a step's own
    # advance_case would read them); one timer per case keeps them true to the end.
    projections = read_projections(session, case_ids)
    fired: list[FiredTimer] = []
    with session.no_autoflush:
        for timer in timers:
            case = cases[timer.case_id]
            audit = timer_audit(case, worker, versions)
            if case.state != CASE_OPEN:
                record_skip(session, clock, timer, audit)
                continue
            try:
                runner = run_timer(case, timer, clock)
            except DomainError as error:
                # The runner refused before anything was written: this timer alone fails.
                timer.status, timer.fired_at = TIMER_FAILED, None
                record_failure(session, clock, timer, audit, error)
                continue
            if runner is not None:
                known = projections[case.id]
                fired.append(record_fire(session, clock, timer, case, runner, audit, known))
    return fired


def _load_cases(session: Session, case_ids: list[int]) -> dict[int, Case]:
    query = (
        select(Case)
        .where(Case.id.in_(case_ids))
        .options(
            joinedload(Case.holder).options(lazyload(Person.rights), lazyload(Person.employments))
        )
    )
    return {case.id: case for case in session.scalars(query).unique()}


def _any_due(runtime: Runtime, clock: Clock, skipped: set[int]) -> bool:
    with runtime.database.sessions() as session:
        query = select(Timer.id).where(Timer.status == TIMER_WAITING, Timer.due_at <= clock.now())
        if skipped:
            query = query.where(Timer.id.not_in(skipped))
        return session.scalars(query.limit(1)).first() is not None
