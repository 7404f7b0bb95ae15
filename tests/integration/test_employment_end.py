"""R19 employment end: sara registers erik's last day in hemtjanst-demo; from then no
certificate runs past it (R3), and at the end of that day the timer revokes his cards there,
ends their open cases and leaves `register_return` for the service desk."""

from __future__ import annotations

import pytest

from engine.errors import DomainError
from engine.errors import NotPermitted
from engine.services import queries
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows


def end_erik(flows: Flows, ends_on: str = "2026-11-30", user: str = "sara") -> int:
    return flows.start(
        "employment-end", user, holder="erik", organisation="hemtjanst-demo", ends_on=ends_on
    ).id


def test_r19_at_the_end_date_the_timer_revokes_the_cards_and_register_return_waits(
    flows: Flows,
) -> None:
    order = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(order.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-06")
    case_id = end_erik(flows.at("2026-11-24 10:00"))
    shown = flows.case(case_id)
    assert shown["state"] == "open"
    assert [t["name"] for t in shown["timers"] if t["status"] == "waiting"] == ["end_date"]

    fire_due_timers(flows.runtime, flows.at("2026-11-30 23:59").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "issued"

    fire_due_timers(flows.runtime, flows.at("2026-12-01 00:01").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "revoked"
    assert flows.case(order.id)["state"] == "cancelled"
    assert "register_return" in flows.task_names("sara")

    done = flows.complete(case_id, "register_return", "sara", returned="cut")
    assert done.state == "completed"


def test_r3_after_the_end_date_is_registered_no_certificate_runs_past_it(flows: Flows) -> None:
    end_erik(flows.at("2026-11-24 10:00"))
    order = flows.at("2026-11-24 15:01").order_loa2("david", holder="erik")
    with pytest.raises(DomainError) as refused:
        flows.complete(
            order.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-06"
        )
    assert refused.value.rule == "R3"
    flows.complete(order.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-11-30")
    assert queries.show_card(flows.runtime, "RK000001")["valid_until"].startswith(
        "2026-11-30T23:59:59"
    )


def test_r19_only_the_service_desk_starts_an_employment_end(flows: Flows) -> None:
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted):
        end_erik(flows, user="anna")
    assert flows.rows_but_audit() == before


def test_r19_an_employment_end_needs_an_employment_in_that_organisation(flows: Flows) -> None:
    with pytest.raises(DomainError) as refused:
        flows.start(
            "employment-end", "sara", holder="frida", organisation="hemtjanst-demo",
            ends_on="2026-11-30",
        )  # fmt: skip
    assert refused.value.rule == "R3"


def test_r19_the_organisation_is_given_by_its_name_or_its_code(flows: Flows) -> None:
    by_name = flows.at("2026-11-24 10:00").start(
        "employment-end", "sara", holder="erik", organisation="Hemtjänst Demo kommun",
        ends_on="2026-11-30",
    )  # fmt: skip
    assert flows.case(by_name.id)["data"]["organisation"] == "hemtjanst-demo"
