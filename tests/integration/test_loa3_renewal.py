"""Renewal of a LoA3 reserve certificate (R9, R4) on SQLite and PostgreSQL.

anna and bertil issue frida a LoA3 card on Monday 2026-11-23; the renewal is asked for
by a LoA3 admin or the service desk and done by the service desk (sara) on holiday-free
weekdays 07:30–16:00 only. 2026-11-28 is a Saturday, 2026-12-24 julafton (a holiday).
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import ReserveCard
from engine.services import queries
from engine.services.cases import CaseSummary
from engine.services.model_values import model_values
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows


def loa3_card(flows: Flows, card: str = "RK000020", until: str = "2027-05-01") -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-23 10:05").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number=card,
        valid_until=until,
    )


def renewal(flows: Flows, at: str, user: str = "anna", card: str = "RK000020") -> CaseSummary:
    return flows.at(at).start("loa3-renewal", user, card_number=card)


def timers(flows: Flows, case_id: int) -> list[tuple[str, str, str]]:
    return [(t["name"], t["due_at"], t["status"]) for t in flows.case(case_id)["timers"]]


def test_r9_a_renewal_asked_for_on_a_weekday_is_offered_to_the_service_desk_at_once(
    flows: Flows,
) -> None:
    loa3_card(flows)
    case = renewal(flows, "2026-11-30 10:00")
    assert "renew_loa3" in flows.task_names("sara")
    done = flows.complete(case.id, "renew_loa3", "sara", valid_until="2027-05-30")
    assert done.state == "completed"
    card = queries.show_card(flows.runtime, "RK000020")
    assert [c["kind"] for c in card["certificates"]] == ["issue", "renewal"]
    assert card["loa"] == 3
    assert card["valid_until"] == "2027-05-30T10:00:00+02:00"  # capped at 6 months (R9)


def test_r9_a_renewal_asked_for_on_saturday_waits_visibly_until_monday_07_30(
    flows: Flows,
) -> None:
    loa3_card(flows)
    case = renewal(flows, "2026-11-28 11:00")
    assert timers(flows, case.id) == [("wait_for_opening", "2026-11-30T07:30:00+01:00", "waiting")]
    assert "renew_loa3" not in flows.task_names("sara")
    fire_due_timers(flows.runtime, flows.at("2026-11-30 07:29").clock)
    assert "renew_loa3" not in flows.task_names("sara")
    fire_due_timers(flows.runtime, flows.at("2026-11-30 07:30").clock)
    assert "renew_loa3" in flows.task_names("sara")


def test_r9_julafton_and_the_christmas_weekend_wait_until_monday_28th(flows: Flows) -> None:
    loa3_card(flows)
    case = renewal(flows, "2026-12-24 10:00", user="sara")
    assert timers(flows, case.id)[0][1] == "2026-12-28T07:30:00+01:00"


@pytest.mark.parametrize("at", ["2026-11-30 16:00", "2026-11-30 07:29:59", "2026-11-28 12:00"])
def test_r9_s3_the_service_desk_renewing_loa3_outside_its_hours_is_refused(
    flows: Flows, at: str
) -> None:
    """Whatever the model waits for, the engine refuses outside 07:30–16:00 (S3)."""
    loa3_card(flows)
    case = renewal(flows, "2026-11-30 10:00")
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        flows.at(at).complete(case.id, "renew_loa3", "sara", valid_until="2027-05-01")
    assert refused.value.rule == "R9"
    assert flows.rows_but_audit() == before


def test_r9_the_service_desk_renews_until_15_59(flows: Flows) -> None:
    loa3_card(flows)
    case = renewal(flows, "2026-11-30 10:00")
    flows.at("2026-11-30 15:59:59").complete(
        case.id, "renew_loa3", "sara", valid_until="2027-05-01"
    )


def test_r9_a_renewal_beyond_six_months_is_refused(flows: Flows) -> None:
    loa3_card(flows)
    case = renewal(flows, "2026-11-30 10:00")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case.id, "renew_loa3", "sara", valid_until="2027-06-01")
    assert refused.value.rule == "R9"


def test_r4_a_loa2_card_cannot_be_renewed_at_loa3(flows: Flows) -> None:
    flows.at("2026-11-26 15:30").start(
        "loa2-onsite",
        "cecilia",
        holder="erik",
        id_document="passport",
        card_number="RK000010",
        valid_until="2026-12-08",
    )
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        renewal(flows, "2026-11-30 10:00", user="sara", card="RK000010")
    assert refused.value.rule == "R4"
    assert flows.rows_but_audit() == before


def test_r9_a_card_in_stock_has_no_certificate_to_renew(flows: Flows) -> None:
    with pytest.raises(NotFound):
        renewal(flows, "2026-11-30 10:00", user="sara", card="RK000040")


@pytest.mark.parametrize(
    ("user", "allowed"),
    [("anna", True), ("sara", True), ("elin", True), ("cecilia", False), ("david", False)],
)
def test_r5_a_loa3_admin_or_the_service_desk_asks_for_a_loa3_renewal(
    flows: Flows, user: str, allowed: bool
) -> None:
    loa3_card(flows)
    if allowed:
        assert renewal(flows, "2026-11-30 10:00", user=user).state == "open"
        return
    with pytest.raises(NotPermitted) as refused:
        renewal(flows, "2026-11-30 10:00", user=user)
    assert refused.value.rule == "R5"


def test_r2_the_renewal_form_offers_no_date_past_the_cards_end_of_life(flows: Flows) -> None:
    with flows.runtime.database.sessions() as session:
        card = session.get(ReserveCard, "RK000020")
        assert card is not None
        card.produced_on = date(2017, 3, 1)  # its life ends 2027-02-28
        session.commit()
    loa3_card(flows, until="2027-02-01")
    case = renewal(flows, "2026-11-30 10:00")
    shown = model_values(flows.runtime, flows.clock, "loa3-renewal", case.id)
    assert shown.latest_valid_until == date(2027, 2, 28)
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case.id, "renew_loa3", "sara", valid_until="2027-03-01")
    assert refused.value.rule == "R2"
