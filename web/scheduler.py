"""The timer sweep beside the web app: every minute, fire the timers that are due.

One BackgroundScheduler thread per web process. Each sweep fires every due timer, in
batches, until none is due (no cap). Firing is exactly-once at the database:
engine.services.timers claims a batch with `FOR UPDATE SKIP LOCKED` inside its
transaction, so several web processes and `sithsflow timers run` workers share the work
without colliding, and a worker that dies or hangs gives its claims back (see that
module's docstring for the timeouts).
"""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from engine.clock import Clock
from engine.clock import SystemClock
from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers

SWEEP_SECONDS = 60
WORKER = "web-scheduler"
log = logging.getLogger(__name__)


def sweep(runtime: Runtime, clock: Clock) -> int:
    """One sweep; returns how many timers fired. Faults are logged, never raised,
    so that one bad minute does not stop the scheduler."""
    try:
        fired = fire_due_timers(runtime, clock, worker=WORKER)
    except Exception:  # a fault must not kill the scheduler thread
        log.exception("timer sweep failed")
        return 0
    for timer in fired:
        log.info("fired %s on case %s (%s)", timer.timer, timer.case, timer.rule)
    return len(fired)


def start_scheduler(runtime: Runtime, clock: Clock | None = None) -> BackgroundScheduler:
    """Start sweeping now and every minute; the caller shuts it down at exit."""
    chosen = clock or SystemClock()
    scheduler = BackgroundScheduler(timezone="Europe/Stockholm")
    scheduler.add_job(
        sweep,
        "interval",
        seconds=SWEEP_SECONDS,
        args=(runtime, chosen),
        id="fire_due_timers",
        max_instances=1,
        coalesce=True,
        # The first sweep at once (scheduling runs on the wall clock, the rules on `chosen`).
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler
