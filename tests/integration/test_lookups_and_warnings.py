"""What a person types is understood, and a doubtful order is warned about (issue 11):
card numbers in any case, user names with spaces or capitals; a LoA2 order for someone with
a live LoA2 card starts with a warning, not a refusal."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.services import cases
from engine.services.live_cards import order_warnings
from engine.services.queries import show_card
from engine.services.queries import tasks_for
from tests.support.flows import Flows


def _issue_loa2(flows: Flows, card: str = "RK000002") -> int:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")
    return case.id


def test_r2_a_lowercase_card_number_is_read_in_upper_case(flows: Flows) -> None:
    case_id = _issue_loa2(flows, card=" rk000002 ")
    assert flows.case(case_id)["data"]["card_number"] == "RK000002"
    card = show_card(flows.runtime, "rk000002")
    assert (card["number"], card["holder"], card["state"]) == ("RK000002", "erik", "issued")


def test_r3_a_user_name_with_spaces_or_capitals_finds_the_person(flows: Flows) -> None:
    started = cases.start_case(
        flows.runtime,
        flows.at("2026-11-23 10:00").clock,
        "loa3-reserve",
        " Anna ",
        {"holder": " FRIDA ", "id_document": "passport"},
    )
    shown = flows.case(started.id)
    assert (shown["holder"], shown["started_by"]) == ("frida", "anna")
    assert [t.name for t in tasks_for(flows.runtime, flows.clock, "BERTIL ").items] == [
        "second_verification"
    ]
    with pytest.raises(NotFound):
        tasks_for(flows.runtime, flows.clock, "bertil2")
    # The audit names anna as the directory does, so R6 still knows her as the first admin.
    fields = {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-05-01"}
    with pytest.raises(NotPermitted) as refused:
        flows.complete(started.id, "second_verification", "ANNA", **fields)
    assert refused.value.rule == "R6"
    assert flows.complete(started.id, "second_verification", " Bertil", **fields).state == (
        "completed"
    )
    assert {h["actor"] for h in flows.case(started.id)["history"]} == {"anna", "bertil"}


def test_loa2_order_for_someone_with_a_live_loa2_card_is_warned_not_refused(
    flows: Flows,
) -> None:
    _issue_loa2(flows)
    second = flows.at("2026-11-24 16:00").order_loa2("david", holder="erik")
    assert second.state == "open"
    (warning,) = second.warnings
    assert warning.rule is None
    assert "RK000002" in warning.message and "2026-12-07 15:01" in warning.message
    assert order_warnings(flows.runtime, flows.clock, " Erik ") == [warning]
    with flows.runtime.database.sessions() as session:
        details = session.scalars(
            select(AuditEvent.details_json).where(
                AuditEvent.case_id == second.id, AuditEvent.action == "start"
            )
        ).one()
    assert json.loads(details)["warnings"] == [warning.as_json()]


def test_loa2_no_warning_without_a_live_loa2_card(flows: Flows) -> None:
    assert flows.at("2026-11-23 15:01").order_loa2("david", holder="erik").warnings == ()
    _issue_loa2(flows)
    # Expired: the certificate ran out on 2026-12-07 15:01.
    later = flows.at("2026-12-08 16:00").order_loa2("david", holder="erik")
    assert later.warnings == ()
