"""Incidents: a failed timer or script, or a database fault in the sweep, on its case;
retried by the service desk or a process owner, audited; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import text

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Organisation
from engine.model import Person
from engine.model import Timer
from engine.rights import SERVICE_DESK
from engine.runner import CaseRunner
from engine.services import timer_steps
from engine.services import timers
from engine.services.cancel import cancel_case
from engine.services.deploy import deploy_files
from engine.services.incident_actions import incidents_for
from engine.services.incident_actions import retry_incident
from engine.services.incidents import list_incidents
from engine.services.timers import SweepTimeouts
from engine.services.timers import fire_due_timers
from tests.integration.test_timers import DIVISOR_FORM
from tests.integration.test_timers import FAILING
from tests.integration.test_timers import issued
from tests.integration.test_timers import timers_of
from tests.support.bundles import write
from tests.support.flows import Flows


def failing_case(flows: Flows, tmp_path: Path) -> int:
    """A case whose timer (due 2026-11-24 15:01) runs a script that divides by zero."""
    path = tmp_path / "failing.bpmn"
    path.write_text(FAILING, encoding="utf-8")
    start_form = write(tmp_path, "failing.start.json", json.dumps(DIVISOR_FORM))
    deploy_files(flows.runtime, flows.clock, [path, start_form], actor="petra")
    return flows.at("2026-11-23 15:01").start("failing", "sara", divisor="0").id


def retried_rows(flows: Flows) -> list[tuple[int | None, str, str | None]]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent.case_id, AuditEvent.actor, AuditEvent.role).where(
            AuditEvent.action == "incident_retried"
        )
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_a_failing_timer_script_becomes_an_incident_on_its_case(
    flows: Flows, tmp_path: Path
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 15:01").clock)
    [incident] = list_incidents(flows.runtime, open_only=True)
    assert (incident.case, incident.kind, incident.element) == (case_id, "script", "wait")
    assert incident.retries_left == 0 and incident.at == flows.clock.now()
    assert incident.error and incident.rule == "SANDBOX"
    assert list_incidents(flows.runtime, case_id=case_id) == [incident]


def test_a_retry_fires_the_timer_again_and_a_new_failure_is_a_new_incident(
    flows: Flows, tmp_path: Path
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 15:01").clock)
    [first] = list_incidents(flows.runtime, open_only=True)
    outcome = retry_incident(flows.runtime, flows.at("2026-11-24 16:00").clock, first.id, "sara")
    assert (outcome.case, outcome.kind, outcome.state) == (case_id, "script", "failed")
    [again] = list_incidents(flows.runtime, open_only=True)
    assert again.id != first.id
    [resolved] = [i for i in list_incidents(flows.runtime) if i.id == first.id]
    assert (resolved.resolved_by, resolved.resolution) == ("sara", "retried")
    assert retried_rows(flows) == [(case_id, "sara", "service_desk")]
    assert timers_of(flows, case_id)["wait"].status == "failed"
    # The first one is closed: retrying it again is a conflict and changes nothing.
    with pytest.raises(Conflict):
        retry_incident(flows.runtime, flows.clock, first.id, "petra")
    assert retried_rows(flows) == [(case_id, "sara", "service_desk")]


@pytest.mark.parametrize("user", ["erik", "david", "anna", "maria", "olof"])
def test_only_the_service_desk_and_process_owners_retry_incidents(
    flows: Flows, tmp_path: Path, user: str
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 15:01").clock)
    [incident] = list_incidents(flows.runtime, open_only=True)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted):
        retry_incident(flows.runtime, flows.clock, incident.id, user)
    assert flows.rows_but_audit() == before
    assert list_incidents(flows.runtime, open_only=True) == [incident]
    with flows.runtime.database.sessions() as session:
        refused = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "refused:incident_retry")
        ).all()
    assert refused == [user]
    assert retry_incident(flows.runtime, flows.clock, incident.id, "petra").case == case_id


def test_a_database_fault_in_the_sweep_is_logged_and_an_incident_until_the_timer_fires(
    flows: Flows, caplog: pytest.LogCaptureFixture
) -> None:
    if flows.runtime.database.is_sqlite:
        pytest.skip("needs a row lock held by another connection and a statement timeout")
    case_id = issued(flows)
    limits = SweepTimeouts(statement_s=0.3, idle_s=5.0)
    engine = flows.runtime.database.engine
    with engine.connect() as holder:
        # Another transaction holds the case row: the step's UPDATE times out, twice (the
        # batch, then the replay). NO KEY UPDATE lets the incident's foreign key through.
        holder.execute(
            text("SELECT id FROM cases WHERE id = :id FOR NO KEY UPDATE"), {"id": case_id}
        )
        with caplog.at_level(logging.WARNING, logger="engine.services.timer_steps"):
            fired = fire_due_timers(
                flows.runtime, flows.at("2026-12-04 15:01").clock, timeouts=limits
            )
        holder.rollback()
    assert fired == []
    assert any("database fault" in record.getMessage() for record in caplog.records)
    [incident] = list_incidents(flows.runtime, open_only=True)
    assert (incident.case, incident.kind, incident.element) == (case_id, "database", "reminder")
    assert incident.retries_left is None  # the next sweep tries again by itself
    assert "statement timeout" in incident.error
    # The lock is gone: the next sweep fires the reminder and closes the incident.
    fired = fire_due_timers(flows.runtime, flows.at("2026-12-04 15:02").clock)
    assert [(f.case, f.timer) for f in fired] == [(case_id, "reminder")]
    assert list_incidents(flows.runtime, open_only=True) == []
    [closed] = list_incidents(flows.runtime)
    assert closed.resolution == "succeeded"


def test_a_fault_inside_one_timer_step_fails_that_timer_alone_and_the_sweep_goes_on(
    flows: Flows, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = issued(flows, card="RK000001")
    fine = issued(flows, card="RK000002")
    original = timer_steps.run_timer

    def fault_in_one_case(case: Case, timer: Timer, clock: Clock) -> CaseRunner | None:
        # Fault injection: a bug (not a refusal) in the step of one case.
        if case.id == broken:
            raise RuntimeError("boom")
        return original(case, timer, clock)

    monkeypatch.setattr(timer_steps, "run_timer", fault_in_one_case)
    monkeypatch.setattr(timers, "run_timer", fault_in_one_case)
    with caplog.at_level(logging.ERROR, logger="engine.services.timer_steps"):
        fired = fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock)
    assert [(f.case, f.timer) for f in fired] == [(fine, "reminder")]
    assert timers_of(flows, broken)["reminder"].status == "failed"
    assert any("the step failed" in record.getMessage() for record in caplog.records)
    [incident] = list_incidents(flows.runtime, open_only=True)
    assert (incident.case, incident.kind, incident.element) == (broken, "step", "reminder")
    assert "RuntimeError: boom" in incident.error
    # Fixed (the patch gone), a retry fires it.
    monkeypatch.undo()
    outcome = retry_incident(flows.runtime, flows.clock, incident.id, "sara")
    assert outcome.state == "fired"
    assert timers_of(flows, broken)["reminder"].status == "fired"


def test_s4_a_retry_after_the_case_was_cancelled_fires_nothing_and_closes_the_incident(
    flows: Flows, tmp_path: Path
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 15:01").clock)
    [incident] = list_incidents(flows.runtime, open_only=True)
    cancel_case(flows.runtime, flows.clock, case_id, "sara", "Fel underlag")
    outcome = retry_incident(flows.runtime, flows.clock, incident.id, "sara")
    assert (outcome.case, outcome.state) == (case_id, "skipped")
    assert list_incidents(flows.runtime, open_only=True) == []
    assert flows.case(case_id)["state"] == "cancelled"


def test_s2_a_service_desk_sees_the_incidents_of_its_own_organisations_only(
    flows: Flows, tmp_path: Path
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 15:01").clock)
    with flows.runtime.database.sessions() as session:
        elsewhere = Organisation(code="region-annan", name="Region Annan")
        desk = Person(username="stina", display_name="Stina", email="stina@annan.example")
        desk.rights.append(
            AdminRight(right=SERVICE_DESK, organisation=elsewhere, valid_from=date(2024, 1, 1))
        )
        session.add(desk)
        session.commit()
    assert [i.case for i in incidents_for(flows.runtime, flows.clock, "sara")] == [case_id]
    assert [i.case for i in incidents_for(flows.runtime, flows.clock, "petra")] == [case_id]
    assert incidents_for(flows.runtime, flows.clock, "stina") == []
    with pytest.raises(NotPermitted):
        incidents_for(flows.runtime, flows.clock, "maria")
    [incident] = list_incidents(flows.runtime, open_only=True)
    with pytest.raises(NotPermitted):
        retry_incident(flows.runtime, flows.clock, incident.id, "stina")
