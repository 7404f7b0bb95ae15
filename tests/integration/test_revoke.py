"""R19: the service desk revokes a card; certificates, add-ons and open cases end with it.

sara revokes erik's lost LoA2 card at 22:00, recorded as done via the national support
line: the card and its certificate are revoked, door access is flagged to end, the LoA2
renewal loop stops (no reminder, no expiry fires) and the register keeps the channel.
Nobody but the service desk revokes; a revoked card is never issued again (R2).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.model import CardRevocation
from engine.model import Certificate
from engine.services import queries
from engine.services.revoke import revoke_card
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows


def issued_loa2(flows: Flows, card: str = "RK000001") -> int:
    """A remote order issued by sara on Monday 15:01, waiting in the renewal loop."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")
    return case.id


def test_r19_sara_revokes_a_lost_card_at_22_via_the_national_support_line(flows: Flows) -> None:
    case_id = issued_loa2(flows)

    revoked = revoke_card(
        flows.runtime,
        flows.at("2026-11-24 22:00").clock,
        "RK000001",
        "sara",
        "lost",
        "national-support-line",
    )

    assert (revoked.number, revoked.state, revoked.reason) == ("RK000001", "revoked", "lost")
    assert revoked.via == "national_support_line"
    assert revoked.add_ons_to_end == ("door_access",)
    assert revoked.ended_cases == (case_id,)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "revoked"
    with flows.runtime.database.sessions() as session:
        certificates = session.scalars(
            select(Certificate).where(Certificate.card_number == "RK000001")
        ).all()
        assert [c.revoked_at is not None for c in certificates] == [True]
        register = session.scalars(select(CardRevocation)).one()
        assert (register.reason, register.via, register.add_ons_to_end) == (
            "lost",
            "national_support_line",
            "door_access",
        )
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "revoke")).one()
        assert (event.actor, event.rule, event.card_number) == ("sara", "R19", "RK000001")
        details = json.loads(event.details_json)
        assert details["via"] == "national_support_line"
        assert details["in_office_hours"] is False
        assert "national support line" in event.message


def test_r19_revocation_ends_the_loa2_renewal_loop_and_its_timers(flows: Flows) -> None:
    case_id = issued_loa2(flows)
    revoke_card(flows.runtime, flows.at("2026-11-24 22:00").clock, "RK000001", "sara", "stolen")

    shown = flows.case(case_id)
    assert shown["state"] == "cancelled"
    assert {t["status"] for t in shown["timers"]} == {"cancelled"}
    assert {t["state"] for t in shown["tasks"] if t["name"] == "request_renewal"} == {"cancelled"}
    assert flows.task_names("david") == []
    # Past the reminder and the expiry: nothing fires for the ended case.
    assert fire_due_timers(flows.runtime, flows.at("2026-12-10 12:00").clock) == []
    with flows.runtime.database.sessions() as session:
        ended = session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "ended_by_revocation"
            )
        ).one()
        assert ended.rule == "R19"
        assert "RK000001" in ended.message


@pytest.mark.parametrize("user", ["cecilia", "david", "anna", "petra"])
def test_r19_only_the_service_desk_revokes_a_card(flows: Flows, user: str) -> None:
    issued_loa2(flows)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        revoke_card(flows.runtime, flows.at("2026-11-24 10:00").clock, "RK000001", user, "lost")
    assert refused.value.rule == "R19"
    assert flows.rows_but_audit() == before


def test_r19_a_reason_outside_the_list_is_refused_and_nothing_changes(flows: Flows) -> None:
    issued_loa2(flows)
    before = flows.rows_but_audit()
    with pytest.raises(Invalid) as refused:
        revoke_card(flows.runtime, flows.clock, "RK000001", "sara", "bored")
    assert refused.value.rule == "R19"
    with pytest.raises(Invalid):
        revoke_card(flows.runtime, flows.clock, "RK000001", "sara", "lost", "carrier-pigeon")
    assert flows.rows_but_audit() == before


def test_r19_a_card_is_revoked_once_and_a_blank_card_not_at_all(flows: Flows) -> None:
    issued_loa2(flows)
    revoke_card(flows.runtime, flows.clock, "RK000001", "sara", "damaged")
    with pytest.raises(Conflict):
        revoke_card(flows.runtime, flows.clock, "RK000001", "sara", "damaged")
    with pytest.raises(Conflict):
        revoke_card(flows.runtime, flows.clock, "RK000002", "sara", "lost")


def test_r2_a_revoked_card_is_never_issued_again(flows: Flows) -> None:
    issued_loa2(flows)
    revoke_card(flows.runtime, flows.at("2026-11-24 22:00").clock, "RK000001", "sara", "lost")
    again = flows.at("2026-11-24 22:10").order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(
            again.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07"
        )
    assert refused.value.rule == "R2"
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "revoked"
