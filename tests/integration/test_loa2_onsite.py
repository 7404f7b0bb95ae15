"""LoA2 issued on site at a card station (R5, R11–R14) with the renewal loop, and R2's
card life, on SQLite and PostgreSQL.

cecilia is a LoA2-only ID administrator at halmstad (Region Demo); erik works in
`hemtjanst-demo`, which accepts LoA2 after 2026-06-30 (R14); frida works in Region Demo,
which does not. 2026-11-26 is a Thursday.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import NotPermitted
from engine.model import Certificate
from engine.model import ReserveCard
from engine.services import queries
from engine.services.cases import CaseSummary
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local


def onsite(
    flows: Flows,
    at: str = "2026-11-26 15:30",
    admin: str = "cecilia",
    holder: str = "erik",
    card: str = "RK000010",
    until: str = "2026-12-08",
) -> CaseSummary:
    return flows.at(at).start(
        "loa2-onsite",
        admin,
        holder=holder,
        id_document="passport",
        card_number=card,
        valid_until=until,
    )


def without_audit(flows: Flows) -> dict[str, int]:
    return {t: n for t, n in flows.row_counts().items() if t != "audit_events"}


def test_r5_cecilia_a_loa2_admin_issues_a_loa2_card_at_the_station_at_15_30(
    flows: Flows,
) -> None:
    case = onsite(flows)
    assert case.state == "open"
    card = queries.show_card(flows.runtime, "RK000010")
    assert (card["holder"], card["loa"], card["state"]) == ("erik", 2, "issued")
    assert card["valid_until"] == "2026-12-08T23:59:59+01:00"
    # The certificate issued at the start belongs to the case (R19 ends it with the card).
    assert [c["case"] for c in card["certificates"]] == [case.id]
    shown = flows.case(case.id)
    assert shown["organisation"] == "hemtjanst-demo"  # the card user's unit (R14)
    assert shown["data"]["station"] == "halmstad"
    # She now gets the renewal loop's request in her queue.
    assert flows.task_names("cecilia") == ["request_renewal"]


@pytest.mark.parametrize("at", ["2026-11-26 10:30", "2026-11-26 09:00", "2026-11-26 15:00:59"])
def test_r12_onsite_issue_is_refused_in_office_hours_and_changes_nothing(
    flows: Flows, at: str
) -> None:
    before = without_audit(flows)
    with pytest.raises(NotPermitted, match=r"\(R12\)") as refused:
        onsite(flows, at=at)
    assert refused.value.rule == "R12"
    assert "Next allowed time: Thursday 2026-11-26 15:01" in refused.value.message
    assert without_audit(flows) == before


@pytest.mark.parametrize("at", ["2026-11-26 15:01", "2026-11-26 08:59:59", "2026-11-28 11:00"])
def test_r12_onsite_issue_is_allowed_outside_office_hours(flows: Flows, at: str) -> None:
    assert onsite(flows, at=at).state == "open"


@pytest.mark.parametrize("user", ["sara", "david", "maria"])
def test_r5_only_an_id_admin_at_a_station_issues_on_site(flows: Flows, user: str) -> None:
    before = without_audit(flows)
    with pytest.raises(NotPermitted) as refused:
        onsite(flows, admin=user)
    assert refused.value.rule == "R5"
    assert without_audit(flows) == before


@pytest.mark.parametrize("admin", ["anna", "elin"])
def test_r5_loa3_and_full_admins_issue_loa2_on_site_too(flows: Flows, admin: str) -> None:
    assert onsite(flows, admin=admin).state == "open"


def test_r14_onsite_loa2_for_a_unit_that_does_not_accept_it_is_refused_past_2026_06_30(
    flows: Flows,
) -> None:
    with pytest.raises(NotPermitted) as refused:
        onsite(flows, holder="frida")
    assert refused.value.rule == "R14"


def test_r11_onsite_issue_beyond_14_days_is_refused(flows: Flows) -> None:
    with pytest.raises(NotPermitted) as refused:
        onsite(flows, until="2026-12-11")
    assert refused.value.rule == "R11"


def test_r11_onsite_renewal_loop_runs_like_the_remote_order_and_expires_unrenewed(
    flows: Flows,
) -> None:
    case = onsite(flows)
    flows.at("2026-12-04 16:00").complete(case.id, "request_renewal", "cecilia")
    assert "renew_loa2" in flows.task_names("sara")
    renewed = flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-18")
    assert renewed.state == "open"
    shown = flows.case(case.id)
    assert shown["cycle"] == 2
    assert [t["name"] for t in shown["tasks"] if t["state"] == "ready"] == ["request_renewal"]
    assert flows.task_names("cecilia") == ["request_renewal"]
    fire_due_timers(flows.runtime, flows.at("2026-12-19 00:00").clock)
    assert flows.case(case.id)["state"] == "expired"


def test_r12_onsite_renewal_by_the_service_desk_is_refused_in_office_hours(
    flows: Flows,
) -> None:
    case = onsite(flows)
    flows.at("2026-12-04 10:00").complete(case.id, "request_renewal", "cecilia")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-14")
    assert refused.value.rule == "R12"


def test_r2_a_card_is_valid_ten_years_from_production() -> None:
    card = ReserveCard(number="RK000001", produced_on=date(2024, 1, 1))
    assert card.end_of_life == date(2033, 12, 31)
    leap = ReserveCard(number="RK000002", produced_on=date(2024, 2, 29))
    assert leap.end_of_life == date(2034, 2, 28)


def test_r2_no_certificate_runs_past_the_cards_end_of_life(flows: Flows) -> None:
    with flows.runtime.database.sessions() as session:
        old = session.get(ReserveCard, "RK000030")
        assert old is not None
        old.produced_on = date(2016, 12, 2)  # its life ends 2026-12-01
        session.commit()
    with pytest.raises(NotPermitted) as refused:
        onsite(flows, card="RK000030", until="2026-12-02")
    assert refused.value.rule == "R2"
    onsite(flows, card="RK000030", until="2026-12-01")
    with flows.runtime.database.sessions() as session:
        issued = session.scalars(
            select(Certificate).where(Certificate.card_number == "RK000030")
        ).one()
        assert issued.ceiling_rule == "R2"
        assert issued.valid_until == local("2026-12-01 23:59:59")


def test_r2_the_remote_order_is_capped_by_the_cards_life_too(flows: Flows) -> None:
    with flows.runtime.database.sessions() as session:
        old = session.get(ReserveCard, "RK000031")
        assert old is not None
        old.produced_on = date(2016, 11, 30)  # its life ends 2026-11-29
        session.commit()
    case = flows.at("2026-11-26 15:30").order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000031", valid_until="2026-12-01"
        )
    assert refused.value.rule == "R2"
