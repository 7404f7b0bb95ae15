"""The worker's jobs in process: the sweep at the process's one clock, its heartbeat, its
failures logged and recorded, and the daily checks (issue 10)."""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy import text

from engine.model import WorkerHeartbeat
from engine.services import queries
from engine.services.heartbeat import freshest_worker
from engine.services.runtime import Runtime
from engine.settings import Settings
from tests.support.flows import Flows
from tests.support.smtp import smtp_server
from worker.jobs import JOBS
from worker.jobs import JobContext
from worker.jobs import daily_checks
from worker.jobs import deliver_mail
from worker.jobs import sweep_timers
from worker.scheduler import job_context

AFTER_DEADLINE = "2026-11-30T10:01:00+01:00"


def context_at(runtime: Runtime, now: str, name: str = "worker:test:1") -> JobContext:
    return job_context(runtime, Settings.from_env({"SITHSFLOW_NOW": now}), name)


def test_r7_the_sweep_lapses_a_case_at_the_simulated_clock_and_beats(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna").id
    assert sweep_timers(context_at(flows.runtime, "2026-11-28T09:59:00+01:00")) == 0
    assert flows.case(case)["state"] == "open"
    assert sweep_timers(context_at(flows.runtime, AFTER_DEADLINE)) == 1
    assert flows.case(case)["state"] == "lapsed"
    worker = freshest_worker(flows.runtime.database)
    assert worker is not None and worker.is_recent
    assert worker.clock_at == datetime.fromisoformat(AFTER_DEADLINE)
    with flows.runtime.database.sessions() as session:
        row = session.scalars(select(WorkerHeartbeat)).one()
    assert (row.sweeps, row.last_fired, row.last_error) == (2, 1, None)


def test_a_failing_sweep_is_logged_and_recorded_in_the_heartbeat(
    flows: Flows, caplog: pytest.LogCaptureFixture
) -> None:
    flows.at("2026-11-23 10:00").start_loa3("anna")
    with flows.runtime.database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE timers RENAME TO timers_moved"))
    with caplog.at_level(logging.ERROR, logger="worker.jobs"):
        assert sweep_timers(context_at(flows.runtime, AFTER_DEADLINE)) == 0
    assert any("timer sweep failed" in r.getMessage() and r.exc_info for r in caplog.records)
    worker = freshest_worker(flows.runtime.database)
    assert worker is not None and worker.last_error is not None
    assert "timers" in worker.last_error


def test_the_daily_checks_warn_of_a_timer_no_worker_fired(
    flows: Flows, caplog: pytest.LogCaptureFixture
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna").id
    context = context_at(flows.runtime, AFTER_DEADLINE)
    with caplog.at_level(logging.INFO, logger="worker.jobs"):
        assert daily_checks(context_at(flows.runtime, "2026-11-28T10:00:00+01:00")) == 0
        assert daily_checks(context) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "overdue_timers: 1 found" in warnings[0]
    sweep_timers(context)
    assert flows.case(case)["state"] == "lapsed"
    assert daily_checks(context) == 0


def test_every_worker_runs_the_sweep_the_daily_checks_and_the_mail() -> None:
    names = [job.name for job in JOBS]
    assert names == ["timer_sweep", "daily_checks", "deliver_mail"]


def test_r15_the_worker_sweeps_a_reminder_and_delivers_it_to_the_smtp_server(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    context = context_at(flows.runtime, "2026-12-04T15:01:00+01:00")
    with smtp_server() as (mailbox, port):
        monkeypatch.setenv("SITHSFLOW_SMTP_URL", f"smtp://127.0.0.1:{port}")
        assert deliver_mail(context) == 0
        assert sweep_timers(context) == 1
        assert deliver_mail(context) == 1
        assert deliver_mail(context) == 0
    [message] = mailbox.received()
    assert message["To"] == "david@region-demo.example"
    assert "Påminnelse" in str(message["Subject"])


def test_beats_of_workers_gone_a_week_are_forgotten(flows: Flows) -> None:
    runtime = flows.runtime
    sweep_timers(context_at(runtime, AFTER_DEADLINE, name="worker:old:1"))
    with runtime.database.sessions.begin() as session:
        session.execute(
            WorkerHeartbeat.__table__.update().values(beat_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    sweep_timers(context_at(runtime, AFTER_DEADLINE, name="worker:new:2"))
    with runtime.database.sessions() as session:
        assert list(session.scalars(select(WorkerHeartbeat.worker))) == ["worker:new:2"]


def test_r18_the_sweep_mails_the_holder_30_days_before_expiry_with_no_one_acting(
    flows: Flows,
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-23 10:05").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000020",
        valid_until="2027-05-01",
    )
    sweep_timers(context_at(flows.runtime, "2027-04-01T23:59:00+02:00"))
    assert not [m for m in queries.list_outbox(flows.runtime) if "går ut" in m["subject"]]
    sweep_timers(context_at(flows.runtime, "2027-04-02T00:00:00+02:00"))
    sweep_timers(context_at(flows.runtime, "2027-04-02T00:01:00+02:00"))
    reminders = [m for m in queries.list_outbox(flows.runtime) if "går ut" in m["subject"]]
    assert [m["to"] for m in reminders] == ["frida@region-demo.example"]
