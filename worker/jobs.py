"""The worker's jobs, one `Job` each in `JOBS`: one line wires a job in.

    JOBS = (TIMER_SWEEP, DAILY_CHECKS, DELIVER_MAIL)

A job runs with a `JobContext`: the runtime, the settings (e.g. `instance_dir` for a
job's own configuration), the process's one clock (`Settings.clock()`, so a simulation
fires timers at the pages' time), and the worker's name for the audit trail. Every job may run in several workers at once; each must do its work exactly once
at the database (the timer sweep claims with `FOR UPDATE SKIP LOCKED`).

A job that raises is logged at ERROR on the `worker.jobs` logger with its traceback and
the worker goes on; the timer sweep also writes the error into its heartbeat row, so
`/readyz` and an operator see it. Nothing is skipped silently.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time

from engine.clock import Clock
from engine.services.daily_checks import run_daily_checks
from engine.services.delivery import deliver_due
from engine.services.expiry_reminders import send_expiry_reminders
from engine.services.heartbeat import Beat
from engine.services.heartbeat import record_beat
from engine.services.mail_transport import MailSettings
from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers
from engine.settings import Settings

log = logging.getLogger(__name__)

# Local time (Europe/Stockholm, on the real clock) of the daily checks.
DAILY_CHECKS_AT = time(3, 0)


@dataclass(frozen=True)
class JobContext:
    """What every job run gets; built once per worker process."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    worker: str
    started_at: datetime
    sweep_seconds: int


@dataclass(frozen=True)
class Job:
    """A named job: every `interval_seconds` (None: the sweep interval), or daily at
    `daily_at` local time."""

    name: str
    run: Callable[[JobContext], object]
    interval_seconds: int | None = None
    daily_at: time | None = None


def sweep_timers(context: JobContext) -> int:
    """Fire every due timer at the clock's time, then beat (issue 10: never silently).

    A failing sweep is logged with its traceback and recorded in the heartbeat; the
    heartbeat is written either way, so a worker that runs but cannot fire shows as
    running with an error rather than as dead.
    """
    fired = 0
    error: str | None = None
    try:
        done = fire_due_timers(context.runtime, context.clock, worker=context.worker)
        fired = len(done)
        for timer in done:
            log.info("fired %s on case %s (%s)", timer.timer, timer.case, timer.rule or "-")
        # R18: the 30-day expiry mails are due like timers, at the same clock.
        for reminder in send_expiry_reminders(context.runtime, context.clock):
            log.info("R18 reminder for card %s to %s", reminder.card_number, reminder.to)
    except Exception as failure:
        error = "".join(traceback.format_exception_only(failure)).strip()
        log.exception("timer sweep failed in %s", context.worker)
    beat = Beat(
        worker=context.worker,
        started_at=context.started_at,
        sweep_seconds=context.sweep_seconds,
        fired=fired,
        error=error,
    )
    record_beat(context.runtime.database, context.clock, beat)
    return fired


def daily_checks(context: JobContext) -> int:
    """Log each finding of the daily checks as a warning; returns how many were found."""
    report = run_daily_checks(context.runtime, context.clock)
    for finding in report.findings:
        log.warning(
            "daily check %s: %d found, oldest %s (ids %s)",
            finding.check,
            finding.count,
            finding.oldest.isoformat() if finding.oldest else "-",
            ", ".join(str(n) for n in finding.examples),
        )
    if report.is_clean:
        log.info("daily checks: nothing found")
    return len(report.findings)


def deliver_mail(context: JobContext) -> int:
    """Send the outbox's due messages once each (R15, R18 mails); returns how many went.

    The transport is read from the environment at each pass, so a corrected
    SITHSFLOW_SMTP_URL takes effect without a restart; a bad one is refused (logged by
    `run_logged`) and the messages stay queued.
    """
    mail = MailSettings.from_env(context.settings.instance_dir)
    run = deliver_due(
        context.runtime, context.clock, context.worker,
        transport=mail.transport(), sender=mail.sender,
    )  # fmt: skip
    if run.sent or run.failed or run.dead:
        log.info("mail: %d sent, %d failed, %d dead", len(run.sent), len(run.failed), len(run.dead))
    return len(run.sent)


TIMER_SWEEP = Job("timer_sweep", sweep_timers)
DAILY_CHECKS = Job("daily_checks", daily_checks, daily_at=DAILY_CHECKS_AT)
# Mail goes out every 10 s: a reminder should not wait for the minute's timer sweep.
DELIVER_MAIL = Job("deliver_mail", deliver_mail, interval_seconds=10)

# The jobs every worker runs.
JOBS: tuple[Job, ...] = (TIMER_SWEEP, DAILY_CHECKS, DELIVER_MAIL)


def run_logged(job: Job, context: JobContext) -> None:
    """Run one job; a fault is logged with its traceback and never ends the worker."""
    try:
        job.run(context)
    except Exception:
        log.exception("job %s failed in %s", job.name, context.worker)
