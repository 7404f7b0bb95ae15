"""A validity reads back as typed (issue 11, CONTRACT.md `card show`): a date is that day's
last instant, never the next day's midnight; a full time keeps its instant; the form shows
the latest date the policy in force allows for the case; a renewal does not drift."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest

from engine.errors import NotPermitted
from engine.services.model_values import model_values
from engine.services.queries import show_card
from tests.integration.test_dated_policy import deploy_ten_days
from tests.integration.test_loa2_remote_order import set_accepts_loa2
from tests.support.flows import Flows


def _loa3_issued(flows: Flows, valid_until: str) -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida")
    flows.at("2026-11-24 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until=valid_until,
    )
    return case.id


def test_r9_a_date_reads_back_as_the_last_instant_of_that_day(flows: Flows) -> None:
    case_id = _loa3_issued(flows, "2027-05-01")
    card = show_card(flows.runtime, "RK000001")
    assert card["valid_until"] == "2027-05-01T23:59:59+02:00"
    assert card["certificates"][0]["valid_until"] == "2027-05-01T23:59:59+02:00"
    data = flows.case(case_id)["data"]
    assert data["valid_until"] == "2027-05-01T23:59:59+02:00"
    assert data["certificate_valid_until"] == "2027-05-01T21:59:59+00:00"


def test_r9_a_full_time_typed_keeps_its_instant(flows: Flows) -> None:
    _loa3_issued(flows, "2027-05-01T12:30:00+02:00")
    assert show_card(flows.runtime, "RK000001")["valid_until"] == "2027-05-01T12:30:00+02:00"


def _loa2_issued(flows: Flows, at: str, until: str) -> int:
    case = flows.at(at).order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000002", valid_until=until)
    return case.id


def test_r11_renewing_right_after_issuance_to_the_same_day_does_not_drift(flows: Flows) -> None:
    case_id = _loa2_issued(flows, "2026-11-23 16:00", "2026-12-07")
    # 14 days from 16:00 (R11) cut the day: the certificate ends at the ceiling.
    assert show_card(flows.runtime, "RK000002")["valid_until"] == "2026-12-07T16:00:00+01:00"
    flows.at("2026-11-23 16:01").complete(case_id, "request_renewal", "david")
    flows.at("2026-11-23 16:02").complete(case_id, "renew_loa2", "sara", valid_until="2026-12-07")
    card = show_card(flows.runtime, "RK000002")
    assert [c["valid_until"] for c in card["certificates"]] == [
        "2026-12-07T16:00:00+01:00",
        "2026-12-07T16:00:00+01:00",
    ]
    assert card["valid_until"] == "2026-12-07T16:00:00+01:00"


def test_r11_a_renewal_to_a_later_day_still_runs_to_that_day_or_the_ceiling(
    flows: Flows,
) -> None:
    case_id = _loa2_issued(flows, "2026-11-23 16:00", "2026-11-30")
    flows.at("2026-11-27 16:01").complete(case_id, "request_renewal", "david")
    flows.complete(case_id, "renew_loa2", "sara", valid_until="2026-12-11")
    assert show_card(flows.runtime, "RK000002")["valid_until"] == "2026-12-11T16:01:00+01:00"


# --- the form's latest date: the policy in force for the case --------------------------


def _latest(flows: Flows, case_id: int, process: str) -> str:
    shown = model_values(flows.runtime, flows.clock, process, case_id)
    assert shown.latest_valid_until is not None
    assert shown.placeholders("sv")["latest_valid_until"] == shown.latest_valid_until.isoformat()
    return shown.latest_valid_until.isoformat()


def test_r9_the_form_shows_the_latest_date_and_it_is_accepted(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida")
    flows.at("2026-11-24 10:00")
    latest = _latest(flows, case.id, "loa3-reserve")
    assert latest == "2027-05-24"  # 6 months (R9), the day cut at 10:00
    flows.complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until=latest,
    )


@pytest.mark.parametrize("accepts", [False, True])
def test_r11_r14_the_latest_date_follows_the_ceiling_for_the_case(
    flows: Flows, accepts: bool
) -> None:
    set_accepts_loa2(flows, accepts)
    case = flows.at("2026-06-25 20:00").order_loa2("david", holder="erik")
    latest = _latest(flows, case.id, "loa2-remote-order")
    assert latest == ("2026-07-09" if accepts else "2026-06-30")  # R11 14 days, or R14
    day_after = (date.fromisoformat(latest) + timedelta(days=1)).isoformat()
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until=day_after)
    assert refused.value.rule == ("R11" if accepts else "R14")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until=latest)


def test_s6_the_latest_date_comes_from_the_table_in_force_not_from_python(
    flows: Flows, tmp_path: Path
) -> None:
    case = flows.at("2026-11-24 16:00").order_loa2("david", holder="erik")
    assert _latest(flows, case.id, "loa2-remote-order") == "2026-12-08"  # 14 days (R11)
    deploy_ten_days(flows, tmp_path, "2026-11-30 00:00")
    assert _latest(flows, case.id, "loa2-remote-order") == "2026-12-08"  # not yet in force
    flows.at("2026-11-30 16:00")
    assert _latest(flows, case.id, "loa2-remote-order") == "2026-12-10"  # the table's 10 days
