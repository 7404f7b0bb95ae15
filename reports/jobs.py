"""Running report jobs (engine.reporting.jobs) outside the request that asked for them.

`JobRunner` is a one-thread executor in the web process: a long report no longer ties up
the request (a full report took about 30 s with nothing shown), one report at a time so
that two large ones never double the memory, and every state change and progress step
goes to the job's row, so any web worker process can show it. If this process dies, the
row's lease runs out and the job reads as failed.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.errors import DomainError
from engine.reporting.audit import resolve_subject
from engine.reporting.jobs import claim_job
from engine.reporting.jobs import fail_job
from engine.reporting.jobs import finish_job
from engine.reporting.jobs import record_progress
from engine.services import lookup
from engine.services import queries
from engine.services.read_scope import Reader
from engine.services.runtime import Runtime
from reports.generate import generate_report
from reports.progress import ReportProgress
from reports.request import AUDIT
from reports.request import ReportRequest

LOG = logging.getLogger(__name__)
# Progress is written at most this often (and at each change of stage).
PROGRESS_EVERY_SECONDS = 0.5
FAILED_UNEXPECTEDLY = (
    "Rapporten kunde inte skrivas på grund av ett fel i systemet; felet är loggat. Försök "
    "igen eller kontakta förvaltningen. / The report could not be written because of an "
    "error in the system; it has been logged. Try again or contact the system's support."
)
PARAMETERS = ("lang", "first", "last", "case_id", "card", "holder", "days")


def request_for(report: str, parameters: Mapping[str, Any], out: Path) -> ReportRequest:
    """The job's stored parameters as a checked request (`ReportRequest.parse`)."""
    chosen = {key: parameters[key] for key in PARAMETERS if parameters.get(key) is not None}
    return ReportRequest.parse(report, out=out, **chosen)


def run_job(runtime: Runtime, clock: Clock, job_id: int) -> None:
    """Claim, render and store one job; every outcome ends in its row, never in an exception."""
    database = runtime.database
    job = claim_job(database, clock, job_id)
    if job is None:
        return  # another runner has it, or it already ended
    last_write = 0.0
    last_stage = ""
    rows = 0

    def watch(progress: ReportProgress) -> None:
        nonlocal last_write, last_stage, rows
        rows = progress.rows_read
        now = time.monotonic()
        if progress.stage == last_stage and now - last_write < PROGRESS_EVERY_SECONDS:
            return
        last_write, last_stage = now, progress.stage
        record_progress(database, clock, job_id, progress.percent, progress.rows_read)

    try:
        with tempfile.TemporaryDirectory(prefix="sithsflow-report-") as folder:
            request = request_for(job.report, job.parameters, Path(folder) / job.filename)
            # S2: the rows of the asker's scope at the time they asked.
            reader = Reader(job.username, job.created_at)
            path = generate_report(runtime, clock, request, watch=watch, reader=reader)
            finish_job(database, clock, job_id, path.read_bytes(), rows)
    except DomainError as refused:
        fail_job(database, clock, job_id, refused.message)
    except Exception:
        LOG.exception("report job %s failed", job_id)
        fail_job(database, clock, job_id, FAILED_UNEXPECTEDLY)


class JobRunner:
    """One report at a time in a background thread of this process."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-job")

    def submit(self, runtime: Runtime, clock: Clock, job_id: int) -> Future[None]:
        return self._executor.submit(run_job, runtime, clock, job_id)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


def check_subject(
    runtime: Runtime, request: ReportRequest, on: date, reader: Reader | None = None
) -> None:
    """Refuse an audit extract of an unknown case, card or holder before queueing it, so
    the refusal is drawn on the form rather than on a failed job; with a `reader`, a
    subject outside their S2 scope is refused as not found, like one that does not exist."""
    if request.name != AUDIT:
        return
    with runtime.database.sessions() as session:
        resolve_subject(
            session, case_id=request.case_id, card=request.card, holder=request.holder, on=on
        )
    if reader is None:
        return
    if request.case_id is not None:
        queries.show_case(runtime, request.case_id, reader=reader)
    elif request.card is not None:
        queries.show_card(runtime, request.card, reader=reader)
    elif request.holder is not None:
        lookup.person_id_of(runtime, request.holder, reader=reader)
