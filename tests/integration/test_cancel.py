"""S4: cancelling an open case ends its tasks and timers, keeps the reason, leaves cards alone.

sara (service desk) and petra (process owner) may cancel an open case; david, who started
a remote order, may withdraw it only before the service desk acted; cecilia may not. A
closed case cannot be cancelled. Every refusal changes nothing but the audit trail.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.services import queries
from engine.services.cancel import cancel_case
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

REASON = "Beställd till fel person"


def issued_loa2(flows: Flows) -> int:
    """A remote order issued by sara on Monday 15:01, waiting in the renewal loop."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    return case.id


def cancel(flows: Flows, case_id: int, user: str, reason: str = REASON) -> str:
    return cancel_case(flows.runtime, flows.clock, case_id, user, reason).state


def cancel_event(flows: Flows, case_id: int) -> AuditEvent:
    with flows.runtime.database.sessions() as session:
        return session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "cancelled"
            )
        ).one()


def test_s4_service_desk_cancels_a_loa2_case_in_its_renewal_loop_and_no_timer_fires(
    flows: Flows,
) -> None:
    case_id = issued_loa2(flows)
    waiting = [t for t in flows.case(case_id)["timers"] if t["status"] == "waiting"]
    assert {t["name"] for t in waiting} == {"reminder", "expiry"}

    assert cancel(flows.at("2026-11-24 10:00"), case_id, "sara") == "cancelled"

    shown = flows.case(case_id)
    assert shown["state"] == "cancelled"
    assert shown["ended_at"].startswith("2026-11-24T10:00")
    assert {t["state"] for t in shown["tasks"] if t["name"] == "request_renewal"} == {"cancelled"}
    assert {t["status"] for t in shown["timers"]} == {"cancelled"}
    assert flows.task_names("david") == []
    # Past the reminder and the expiry: nothing fires for a cancelled case.
    assert fire_due_timers(flows.runtime, flows.at("2026-12-10 12:00").clock) == []
    assert flows.case(case_id)["state"] == "cancelled"

    event = cancel_event(flows, case_id)
    assert (event.actor, event.role, event.rule) == ("sara", "service_desk", "S4")
    assert json.loads(event.details_json)["reason"] == REASON
    assert REASON in event.message
    assert event.card_number == "RK000001"


def test_s4_cancelling_leaves_the_issued_card_and_certificate_untouched(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    before = queries.show_card(flows.runtime, "RK000001")
    cancel(flows.at("2026-11-24 10:00"), case_id, "sara")
    after = queries.show_card(flows.runtime, "RK000001")
    assert after == before
    assert after["state"] == "issued"


def test_s4_a_process_owner_may_cancel_an_open_case(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    assert cancel(flows, case_id, "petra") == "cancelled"
    assert cancel_event(flows, case_id).role == "process_owner"


def test_s4_the_starting_admin_may_cancel_before_the_second_step(flows: Flows) -> None:
    loa3 = flows.at("2026-11-23 15:01").start_loa3("anna", holder="frida")
    assert cancel(flows, loa3.id, "anna") == "cancelled"
    assert cancel_event(flows, loa3.id).role == "case_starter"
    assert "second_verification" not in flows.task_names("bertil")
    order = flows.order_loa2("david", holder="erik")
    assert cancel(flows, order.id, "david") == "cancelled"
    assert "issue_loa2" not in flows.task_names("sara")


def test_s4_the_starting_admin_may_not_cancel_once_the_service_desk_acted(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        cancel(flows, case_id, "david")
    assert refused.value.rule == "S4"
    assert flows.rows_but_audit() == before


def test_s4_an_admin_who_did_not_start_the_case_may_not_cancel_it(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        cancel(flows, case_id, "cecilia")
    assert refused.value.rule == "S4"
    assert flows.rows_but_audit() == before
    assert flows.case(case_id)["history"][-1]["action"] == "refused:cancel"


def test_s4_a_completed_case_cannot_be_cancelled(flows: Flows) -> None:
    case = flows.at("2026-11-23 15:01").start_loa3("anna", holder="frida")
    flows.at("2026-11-24 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000002",
        valid_until="2027-05-01",
    )
    assert flows.case(case.id)["state"] == "completed"
    before = flows.rows_but_audit()
    with pytest.raises(Conflict) as refused:
        cancel(flows, case.id, "sara")
    assert refused.value.rule == "S4"
    assert flows.rows_but_audit() == before


def test_s4_a_cancelled_case_cannot_be_cancelled_again(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    cancel(flows, case_id, "sara")
    with pytest.raises(Conflict):
        cancel(flows, case_id, "petra")


def test_s4_a_cancel_needs_a_reason(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    before = flows.rows_but_audit()
    with pytest.raises(Invalid) as refused:
        cancel(flows, case_id, "sara", reason="   ")
    assert refused.value.rule == "S4"
    assert flows.rows_but_audit() == before
