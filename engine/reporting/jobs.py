"""Report jobs: a report asked for on the web runs outside the request, its state in a row.

The row is the only state: whichever web worker process answers the next poll reads the
progress there, and serves the PDF from it. A runner renews its lease as it works; a job
still `running` after its lease is a job whose runner died (the process was restarted or
killed), and is marked failed the next time anyone looks, so no bar waits forever.

Only the person who asked may see or download a job, and only while they may still print
that report (the same reports as the page offers their roles): anyone else is told there
is no such job, so job numbers reveal nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast

from sqlalchemy import CursorResult
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.database import Database
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import ReportJob

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
# A runner renews its lease at every progress step (at least every few seconds); one that
# has not for this long has died.
LEASE = timedelta(minutes=2)
RECENT_JOBS = 10
LOST_RUNNER = (
    "Rapporten avbröts: processen som skrev den stoppades. Beställ den igen. / "
    "The report was interrupted: the process writing it stopped. Please ask for it again."
)


@dataclass(frozen=True)
class JobStatus:
    """What the page and the JSON endpoint show about one job (never the PDF itself)."""

    id: int
    username: str
    report: str
    parameters: Mapping[str, Any]
    state: str
    percent: int
    rows: int
    error: str | None
    filename: str
    pdf_bytes: int
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)


def _status(job: ReportJob) -> JobStatus:
    return JobStatus(
        id=job.id,
        username=job.username,
        report=job.report,
        parameters=json.loads(job.parameters_json or "{}"),
        state=job.state,
        percent=job.progress_percent,
        rows=job.progress_rows,
        error=job.error,
        filename=job.filename,
        pdf_bytes=job.pdf_bytes,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def create_job(
    database: Database,
    clock: Clock,
    *,
    username: str,
    report: str,
    parameters: Mapping[str, Any],
    filename: str,
) -> int:
    """Queue a report for `username`; the caller hands the id to a runner."""
    with database.sessions() as session:
        job = ReportJob(
            username=username,
            report=report,
            parameters_json=json.dumps(dict(parameters), sort_keys=True),
            state=QUEUED,
            progress_percent=0,
            progress_rows=0,
            filename=filename,
            pdf_bytes=0,
            created_at=clock.now(),
        )
        session.add(job)
        session.flush()
        # Keep a person's latest finished jobs only: the PDFs live in these rows.
        kept = (
            select(ReportJob.id)
            .where(ReportJob.username == username)
            .order_by(ReportJob.id.desc())
            .limit(RECENT_JOBS)
        )
        session.execute(
            delete(ReportJob).where(
                ReportJob.username == username,
                ReportJob.state.in_((DONE, FAILED)),
                ReportJob.id.not_in(kept.scalar_subquery()),
            )
        )
        session.commit()
        return job.id


def claim_job(database: Database, clock: Clock, job_id: int) -> JobStatus | None:
    """Move a queued job to running with a fresh lease; None if it was not queued."""
    now = clock.now()
    with database.sessions() as session:
        result = session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state == QUEUED)
            .values(state=RUNNING, started_at=now, lease_until=now + LEASE)
        )
        claimed = cast("CursorResult[Any]", result).rowcount
        session.commit()
        if not claimed:
            return None
        job = session.get(ReportJob, job_id)
        assert job is not None
        return _status(job)


def record_progress(database: Database, clock: Clock, job_id: int, percent: int, rows: int) -> None:
    """Store how far a running job got and renew its lease."""
    with database.sessions() as session:
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state == RUNNING)
            .values(
                progress_percent=max(0, min(100, percent)),
                progress_rows=rows,
                lease_until=clock.now() + LEASE,
            )
        )
        session.commit()


def finish_job(database: Database, clock: Clock, job_id: int, pdf: bytes, rows: int) -> None:
    with database.sessions() as session:
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state == RUNNING)
            .values(
                state=DONE,
                progress_percent=100,
                progress_rows=rows,
                pdf=pdf,
                pdf_bytes=len(pdf),
                finished_at=clock.now(),
                lease_until=None,
            )
        )
        session.commit()


def fail_job(database: Database, clock: Clock, job_id: int, error: str) -> None:
    """Mark a job failed with a sentence for the person who asked."""
    with database.sessions() as session:
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state.in_((QUEUED, RUNNING)))
            .values(state=FAILED, error=error, finished_at=clock.now(), lease_until=None)
        )
        session.commit()


def _expire_lost(session: Session, now: datetime, where: Any) -> None:
    """Fail running jobs whose lease ran out: their runner is gone."""
    session.execute(
        update(ReportJob)
        .where(where, ReportJob.state == RUNNING, ReportJob.lease_until < now)
        .values(state=FAILED, error=LOST_RUNNER, finished_at=now, lease_until=None)
    )
    session.commit()


def _own_job(session: Session, job_id: int, username: str, allowed: tuple[str, ...]) -> ReportJob:
    job = session.get(ReportJob, job_id)
    if job is None or job.username != username:
        raise NotFound(f"Ingen rapport med nummer {job_id}. / No report numbered {job_id}.")
    if job.report not in allowed:
        # S2: the rights of today, not of the day it was asked for.
        raise NotPermitted(
            "Du får inte längre ta fram den här rapporten. / You may no longer print this report."
        )
    return job


def job_status(
    database: Database, clock: Clock, job_id: int, *, username: str, allowed: tuple[str, ...]
) -> JobStatus:
    """The job as its owner sees it; NotFound for anyone else."""
    with database.sessions() as session:
        _expire_lost(session, clock.now(), ReportJob.id == job_id)
        return _status(_own_job(session, job_id, username, allowed))


def job_pdf(
    database: Database, clock: Clock, job_id: int, *, username: str, allowed: tuple[str, ...]
) -> tuple[str, bytes]:
    """(file name, PDF) of a finished job, for its owner only."""
    with database.sessions() as session:
        job = _own_job(session, job_id, username, allowed)
        if job.state != DONE or job.pdf is None:
            raise NotFound(f"Rapport {job_id} är inte klar än. / Report {job_id} is not ready yet.")
        return job.filename, job.pdf


def recent_jobs(
    database: Database, clock: Clock, *, username: str, allowed: tuple[str, ...]
) -> list[JobStatus]:
    """The person's latest jobs, newest first, among the reports they may still print."""
    with database.sessions() as session:
        _expire_lost(session, clock.now(), ReportJob.username == username)
        jobs = session.scalars(
            select(ReportJob)
            .where(ReportJob.username == username, ReportJob.report.in_(allowed))
            .order_by(ReportJob.id.desc())
            .limit(RECENT_JOBS)
        )
        return [_status(job) for job in jobs]
