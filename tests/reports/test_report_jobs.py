"""Report jobs (issue 11): a report runs outside the request, its state in the database,
only its owner downloads it, and a job whose runner died reads as failed after its lease."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from engine.clock import FixedClock
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.reporting.jobs import DONE
from engine.reporting.jobs import FAILED
from engine.reporting.jobs import LEASE
from engine.reporting.jobs import LOST_RUNNER
from engine.reporting.jobs import QUEUED
from engine.reporting.jobs import RECENT_JOBS
from engine.reporting.jobs import RUNNING
from engine.reporting.jobs import claim_job
from engine.reporting.jobs import create_job
from engine.reporting.jobs import fail_job
from engine.reporting.jobs import job_pdf
from engine.reporting.jobs import job_status
from engine.reporting.jobs import recent_jobs
from engine.reporting.jobs import record_progress
from engine.services.runtime import Runtime
from reports.jobs import run_job
from reports.request import REPORT_NAMES
from tests.reports.scenario import Scenario

PERIOD = {"lang": "sv", "first": "2025-11-01", "last": "2026-01-31"}


def _job(
    runtime: Runtime, clock: FixedClock, report: str = "issuance", **parameters: object
) -> int:
    return create_job(
        runtime.database,
        clock,
        username="maria",
        report=report,
        parameters=parameters or PERIOD,
        filename=f"sithsflow-{report}.pdf",
    )


def test_a_job_runs_end_to_end_and_keeps_its_pdf_and_progress_in_its_row(
    scenario: Scenario, runtime: Runtime, clock: FixedClock
) -> None:
    job_id = _job(runtime, clock)
    assert (
        job_status(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES).state
        == QUEUED
    )
    run_job(runtime, clock, job_id)
    status = job_status(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)
    assert (status.state, status.percent, status.error) == (DONE, 100, None)
    assert status.rows == 7 and status.pdf_bytes > 10_000
    name, pdf = job_pdf(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)
    assert name == "sithsflow-issuance.pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Register över utfärdade reservkort" in text and "RK000012" in text
    # A finished job is not run twice.
    run_job(runtime, clock, job_id)
    assert [job.id for job in recent_jobs(
        runtime.database, clock, username="maria", allowed=REPORT_NAMES
    )] == [job_id]  # fmt: skip


def test_s2_only_the_person_who_asked_sees_or_downloads_a_job(
    scenario: Scenario, runtime: Runtime, clock: FixedClock
) -> None:
    job_id = _job(runtime, clock)
    run_job(runtime, clock, job_id)
    with pytest.raises(NotFound):
        job_status(runtime.database, clock, job_id, username="olof", allowed=REPORT_NAMES)
    with pytest.raises(NotFound):
        job_pdf(runtime.database, clock, job_id, username="olof", allowed=REPORT_NAMES)
    # Rights are those of today: without the issuance report among them, no download.
    with pytest.raises(NotPermitted):
        job_pdf(runtime.database, clock, job_id, username="maria", allowed=("audit",))
    assert recent_jobs(runtime.database, clock, username="olof", allowed=REPORT_NAMES) == []


def test_a_running_job_whose_runner_stopped_reads_as_failed_after_its_lease(
    runtime: Runtime, clock: FixedClock
) -> None:
    job_id = _job(runtime, clock)
    assert claim_job(runtime.database, clock, job_id) is not None
    assert claim_job(runtime.database, clock, job_id) is None  # one runner only
    record_progress(runtime.database, clock, job_id, 40, 1234)
    clock.set(clock.now() + LEASE - timedelta(seconds=1))
    status = job_status(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)
    assert (status.state, status.percent, status.rows) == (RUNNING, 40, 1234)
    clock.set(clock.now() + timedelta(seconds=2))
    status = job_status(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)
    assert (status.state, status.error) == (FAILED, LOST_RUNNER)
    with pytest.raises(NotFound):
        job_pdf(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)


def test_a_refused_report_ends_the_job_failed_with_the_refusal(
    runtime: Runtime, clock: FixedClock
) -> None:
    job_id = _job(runtime, clock, "audit", lang="en", case_id=999)
    run_job(runtime, clock, job_id)
    status = job_status(runtime.database, clock, job_id, username="maria", allowed=REPORT_NAMES)
    assert status.state == FAILED
    assert status.error == "Inget ärende med id 999. / No case with id 999."


def test_only_a_persons_latest_finished_jobs_and_their_pdfs_are_kept(
    runtime: Runtime, clock: FixedClock
) -> None:
    ids = []
    for _ in range(RECENT_JOBS + 2):
        ids.append(_job(runtime, clock))
        fail_job(runtime.database, clock, ids[-1], "x / x")
    kept = recent_jobs(runtime.database, clock, username="maria", allowed=REPORT_NAMES)
    assert [job.id for job in kept] == ids[::-1][:RECENT_JOBS]
    with pytest.raises(NotFound):
        job_status(runtime.database, clock, ids[0], username="maria", allowed=REPORT_NAMES)
