"""Run the jobs of `worker.jobs` on APScheduler.

`run_blocking` is `sithsflow worker`: a BlockingScheduler in the foreground until SIGTERM
or SIGINT. `start_background` runs the same jobs in a thread beside the development
server (`python -m web`). Scheduling follows the real clock (a sweep every N real
seconds); what a job judges, it judges at the context's clock.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engine.clock import Clock
from engine.errors import Invalid
from engine.schema import schema_state
from engine.services.runtime import Runtime
from engine.settings import Settings
from worker.jobs import JOBS
from worker.jobs import Job
from worker.jobs import JobContext
from worker.jobs import run_logged

TIMEZONE = "Europe/Stockholm"
WORKER_NAME_LENGTH = 64
log = logging.getLogger(__name__)


def worker_name(prefix: str = "worker") -> str:
    """`worker:HOST:PID`: unique among running workers; the audit trail's actor."""
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"[:WORKER_NAME_LENGTH]


def job_context(
    runtime: Runtime,
    settings: Settings,
    name: str,
    *,
    clock: Clock | None = None,
    sweep_seconds: int | None = None,
) -> JobContext:
    """The context of this worker's jobs: `settings.clock()` and `settings.sweep_seconds`
    unless given (a test's clock, `--sweep-seconds`)."""
    return JobContext(
        runtime=runtime,
        settings=settings,
        clock=clock or settings.clock(),
        worker=name,
        started_at=datetime.now(UTC),
        sweep_seconds=sweep_seconds or settings.sweep_seconds,
    )


def require_current_schema(runtime: Runtime) -> None:
    """A worker on an older or newer schema would fire timers with the wrong rows."""
    state = schema_state(runtime.database)
    if not state.is_at_head:
        at = ", ".join(state.current) or "inget schema / no schema"
        raise Invalid(
            f"Databasen är på {at}, koden väntar {', '.join(state.head)}: kör "
            f"'sithsflow db init' först. / The database is at {at}, this code expects "
            f"{', '.join(state.head)}: run 'sithsflow db init' first."
        )


def add_jobs(scheduler: BaseScheduler, context: JobContext, jobs: Iterable[Job]) -> None:
    """Every job once now (the daily checks at their hour), then on its schedule."""
    for job in jobs:
        trigger: CronTrigger | IntervalTrigger
        if job.daily_at is not None:
            trigger = CronTrigger(
                hour=job.daily_at.hour, minute=job.daily_at.minute, timezone=TIMEZONE
            )
            first = None
        else:
            trigger = IntervalTrigger(seconds=job.interval_seconds or context.sweep_seconds)
            first = datetime.now(UTC)
        options = {"next_run_time": first} if first is not None else {}
        scheduler.add_job(
            run_logged,
            trigger,
            args=(job, context),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **options,
        )


def run_blocking(context: JobContext, jobs: Iterable[Job] = JOBS) -> None:
    """Run the jobs until SIGTERM or SIGINT; a running job finishes its transaction."""
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, context, jobs)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s stopping (signal %d)", context.worker, signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "worker %s started: sweep every %d s, clock %s (%s)",
        context.worker,
        context.sweep_seconds,
        context.clock.now().isoformat(),
        context.clock.source,
    )
    scheduler.start()


def start_background(context: JobContext, jobs: Iterable[Job] = JOBS) -> BackgroundScheduler:
    """The same jobs in a thread; the caller shuts the scheduler down at exit."""
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, context, jobs)
    scheduler.start()
    return scheduler
