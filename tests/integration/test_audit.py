"""The audit trail: every step and decision with who, when and under which versions.

DOMAIN.md, Conventions: Audit. Rows are append-only on both databases.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

PROCESS_VERSION = "loa3-reserve@1"


def _events(flows: Flows, case_id: int | None = None) -> list[AuditEvent]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if case_id is not None:
            query = query.where(AuditEvent.case_id == case_id)
        return list(session.scalars(query))


def _issue_to_frida(flows: Flows) -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-25 14:30").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="national_id_card",
        card_number="RK000001",
        valid_until="2027-05-23",
    )
    return case.id


def _assert_versions(event: AuditEvent) -> None:
    assert event.process_version == PROCESS_VERSION, event.action
    assert event.calendar_version.startswith("holidays-"), event.action
    assert event.policy_version.startswith("rules-"), event.action
    assert event.clock_source == "set", event.action


def test_audit_loa3_case_records_every_step_in_order(flows: Flows) -> None:
    case_id = _issue_to_frida(flows)
    steps = [(e.action, e.actor, e.role, e.rule) for e in _events(flows, case_id)]
    assert steps == [
        ("start", "anna", "loa3_admin", None),
        ("policy_decision", "anna", "loa3_admin", "R6"),  # the first verification (S3)
        ("policy_decision", "anna", "loa3_admin", "R7"),  # the deadline the timer set
        ("complete", "bertil", "loa3_admin", None),
        ("policy_decision", "bertil", "loa3_admin", "R6"),  # two LoA3 administrators
        ("policy_decision", "bertil", "loa3_admin", "R9"),
        ("completed", "bertil", "loa3_admin", None),
    ]


def test_audit_rows_carry_utc_and_local_time_of_the_set_clock(flows: Flows) -> None:
    case_id = _issue_to_frida(flows)
    events = _events(flows, case_id)
    start, complete = events[0], events[3]
    assert start.at_utc == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert start.at_local == "2026-11-23T10:00:00+01:00"
    assert complete.at_utc == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    assert complete.at_local == "2026-11-25T14:30:00+01:00"
    for event in events:
        _assert_versions(event)


def test_audit_issue_records_the_validity_table_version_card_and_holder(flows: Flows) -> None:
    case_id = _issue_to_frida(flows)
    start, first, decision_r7, complete, second, decision_r9, completed = _events(flows, case_id)
    assert "validity-limits@1" not in start.policy_version  # no table was read at start
    assert '"verification": "first"' in first.details_json
    assert '"first": "anna"' in second.details_json
    for event in (complete, decision_r9, completed):
        assert "validity-limits@1" in event.policy_version, event.action
        assert (event.card_number, event.holder) == ("RK000001", "frida"), event.action
    assert "national_id_card" in complete.details_json
    assert "2026-11-28" in decision_r7.message  # the R7 deadline the first admin was given
    # The date 2027-05-23 means through that local day: its last second, 23:59:59 CEST.
    assert "2027-05-23 23:59" in decision_r9.message
    assert "2027-05-23 21:59:59+00:00" in decision_r9.details_json


def test_audit_timer_firing_and_lapse_are_recorded_by_the_system(flows: Flows) -> None:
    case = flows.at("2026-03-26 10:00").start_loa3("anna", holder="frida")
    fire_due_timers(flows.runtime, flows.at("2026-03-31 10:00").clock)
    fired, lapsed = _events(flows, case.id)[-2:]
    assert (fired.action, fired.actor, fired.role, fired.rule) == (
        "timer_fired",
        "system",
        "system",
        "R7",
    )
    assert fired.task_name == "deadline"
    assert lapsed.action == "lapsed"
    for event in (fired, lapsed):
        assert event.at_utc == datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # summer time: +02:00
        assert event.at_local == "2026-03-31T10:00:00+02:00"
        _assert_versions(event)


def test_audit_r10_dispensation_relied_on_is_recorded_on_every_row_of_the_step(
    flows: Flows,
) -> None:
    case = flows.at("2026-03-20 10:00").start_loa3("anna", holder="ivan", id_document="passport")
    start, *decisions = _events(flows, case.id)
    assert start.dispensation == "R10-dispensation-until-2026-03-30"
    assert {d.rule for d in decisions} == {"R6", "R7", "R10"}
    assert all(d.dispensation == start.dispensation for d in decisions)


def test_audit_refusal_is_recorded_with_actor_role_rule_and_process_version(
    flows: Flows,
) -> None:
    flows.at("2026-11-23 10:00")
    with pytest.raises(NotPermitted):
        flows.start_loa3("cecilia", holder="frida")
    refused = _events(flows)[-1]
    assert (refused.action, refused.actor, refused.role, refused.rule) == (
        "refused:start",
        "cecilia",
        "loa3_admin",
        "R5",
    )
    assert refused.process_version == PROCESS_VERSION
    assert refused.at_local == "2026-11-23T10:00:00+01:00"
    assert refused.clock_source == "set"
    assert "R5" in refused.message


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'mallory'",
        "UPDATE audit_events SET rule = NULL WHERE action = 'policy_decision'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'start'",
    ],
)
def test_audit_rows_cannot_be_updated_or_deleted(flows: Flows, statement: str) -> None:
    case_id = _issue_to_frida(flows)
    before = [(e.id, e.actor, e.rule) for e in _events(flows)]
    with flows.runtime.database.sessions() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
        session.rollback()
    assert [(e.id, e.actor, e.rule) for e in _events(flows)] == before
    assert _events(flows, case_id)[0].actor == "anna"


def test_audit_rows_cannot_be_changed_through_the_orm_either(flows: Flows) -> None:
    _issue_to_frida(flows)
    with flows.runtime.database.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "start")).one()
        event.actor = "mallory"
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
        session.rollback()
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "mallory")
        )
    assert count == 0
