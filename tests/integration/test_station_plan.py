"""R8 station booking: the earliest pairs of visits to two different LoA3 admins on duty
at open stations, the second within the R7 days the process model gives (R6, R7, R8)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.model.people import Person
from engine.services.deploy import deploy_files
from engine.services.registers import closing_days
from engine.services.registers import rosters
from engine.services.station_plan import plan_visits
from engine.services.station_plan import second_visits
from tests.support.bundles import bundled_source
from tests.support.bundles import with_r7_deadline
from tests.support.bundles import write
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.statements import counting_statements


def roster_week(flows: Flows) -> None:
    """anna at halmstad Mon–Fri 30 Nov – 4 Dec 07:00–17:00 (the station opens 08–16);
    bertil at kungsbacka Tue 1 Dec and Thu 3 Dec 08:00–13:00 (it opens 09–12)."""
    flows.at("2026-11-23 10:00")
    for day in range(30, 35):
        d = date(2026, 11, 30) if day == 30 else date(2026, 12, day - 30)
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "maria",
            "anna",
            "halmstad",
            local(f"{d} 07:00"),
            local(f"{d} 17:00"),
        )
    for d in ("2026-12-01", "2026-12-03"):
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "maria",
            "bertil",
            "kungsbacka",
            local(f"{d} 08:00"),
            local(f"{d} 13:00"),
        )


def end_rights(flows: Flows, username: str) -> None:
    """The admin's rights ended before the planning window."""
    with flows.runtime.database.sessions() as session:
        person = session.scalars(select(Person).where(Person.username == username)).one()
        for right in person.rights:
            right.valid_to = date(2026, 11, 1)
        session.commit()


def first_pair(flows: Flows, start: str = "2026-11-30 00:00") -> tuple[str, str, str, str]:
    plan = plan_visits(flows.runtime, flows.clock, "frida", local(start), limit=1)
    (pair,) = plan.pairs
    return (
        f"{pair.first.station} {pair.first.admin}",
        pair.first.starts_at.isoformat(),
        f"{pair.second.station} {pair.second.admin}",
        pair.second.starts_at.isoformat(),
    )


def test_r8_the_earliest_pair_meets_two_admins_within_opening_hours_and_r7(flows: Flows) -> None:
    roster_week(flows)
    assert first_pair(flows) == (
        "halmstad anna",
        "2026-11-30T08:00:00+01:00",
        "kungsbacka bertil",
        "2026-12-01T09:00:00+01:00",
    )
    plan = plan_visits(flows.runtime, flows.clock, "frida", local("2026-11-30 00:00"), limit=3)
    assert plan.r7_days == 5
    assert all(p.first.admin != p.second.admin for p in plan.pairs)
    assert all(p.second.starts_at < p.deadline for p in plan.pairs)


def test_r8_a_station_closing_day_moves_the_second_visit(flows: Flows) -> None:
    roster_week(flows)
    closing_days.add_closing_day(
        flows.runtime, flows.clock, "petra", date(2026, 12, 1), "Flytt", station="kungsbacka"
    )
    assert first_pair(flows)[2:] == ("kungsbacka bertil", "2026-12-03T09:00:00+01:00")


def test_r8_a_holiday_closes_the_station(flows: Flows) -> None:
    flows.at("2026-12-20 10:00")
    for d in ("2026-12-24", "2026-12-29"):
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "maria",
            "bertil",
            "kungsbacka",
            local(f"{d} 08:00"),
            local(f"{d} 13:00"),
        )
    rosters.add_shift(
        flows.runtime,
        flows.clock,
        "maria",
        "anna",
        "halmstad",
        local("2026-12-28 08:00"),
        local("2026-12-28 16:00"),
    )
    # julafton (Thursday 24 Dec) is closed; the first visit is anna on Monday 28 Dec.
    assert first_pair(flows, "2026-12-21 00:00") == (
        "halmstad anna",
        "2026-12-28T08:00:00+01:00",
        "kungsbacka bertil",
        "2026-12-29T09:00:00+01:00",
    )


def test_r7_r8_the_lead_time_comes_from_the_process_model(flows: Flows, tmp_path: Path) -> None:
    roster_week(flows)
    source = with_r7_deadline(bundled_source("loa3-reserve.bpmn"), "P1D")
    deploy_files(
        flows.runtime, flows.clock, [write(tmp_path, "loa3-reserve.bpmn", source)], "petra"
    )
    plan = plan_visits(flows.runtime, flows.clock, "frida", local("2026-11-30 00:00"), limit=1)
    # One day leaves no time to reach bertil (Tuesday 09:00) from Monday 08:00.
    assert plan.pairs[0].first.starts_at == local("2026-12-01 08:00")
    assert plan.pairs[0].second.admin == "bertil"


def test_r5_an_admin_without_loa3_rights_is_never_proposed(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    rosters.add_shift(
        flows.runtime,
        flows.clock,
        "maria",
        "anna",
        "halmstad",
        local("2026-11-30 08:00"),
        local("2026-11-30 16:00"),
    )
    rosters.add_shift(
        flows.runtime,
        flows.clock,
        "maria",
        "cecilia",
        "halmstad",
        local("2026-11-30 08:00"),
        local("2026-11-30 16:00"),
    )
    # kungsbacka keeps a roster too, with bertil only later: nobody else counts there.
    rosters.add_shift(
        flows.runtime, flows.clock, "maria", "bertil", "kungsbacka",
        local("2027-03-02 09:00"), local("2027-03-02 12:00"),
    )  # fmt: skip
    plan = plan_visits(flows.runtime, flows.clock, "frida", local("2026-11-30 00:00"))
    assert plan.pairs == ()


def test_r8_stations_without_a_roster_count_their_loa3_admins_while_open(flows: Flows) -> None:
    """The demo region keeps no roster: anna and elin (halmstad) and bertil (kungsbacka) count
    as on duty whenever their station is open; cecilia (LoA2 only) never does. anna and elin
    together at Halmstad are one proposal, not one per order."""
    flows.at("2026-11-23 10:00")
    plan = plan_visits(flows.runtime, flows.clock, "frida", local("2026-11-30 00:00"), limit=3)
    shown = [
        ((p.first.admin, p.first.starts_at), (p.second.admin, p.second.starts_at))
        for p in plan.pairs
    ]
    monday, tuesday = local("2026-11-30 08:00"), local("2026-12-01 08:00")
    assert shown[0] == (("anna", monday), ("elin", monday))
    assert shown[1] == (("anna", tuesday), ("elin", tuesday))
    assert all("cecilia" not in (p.first.admin, p.second.admin) for p in plan.pairs)


def test_r8_an_admin_of_another_station_is_proposed_when_the_station_has_one_admin(
    flows: Flows,
) -> None:
    """Without elin (her right ended), Halmstad has anna only: bertil at Kungsbacka is the
    earliest second visit."""
    flows.at("2026-11-23 10:00")
    end_rights(flows, "elin")
    plan = plan_visits(flows.runtime, flows.clock, "frida", local("2026-11-30 00:00"), limit=2)
    first = plan.pairs[0]
    assert (first.first.admin, first.first.starts_at) == ("anna", local("2026-11-30 08:00"))
    assert (first.second.admin, first.second.starts_at) == ("bertil", local("2026-12-01 09:00"))


def test_r8_after_the_first_verification_the_case_shows_second_visits_before_the_deadline(
    flows: Flows,
) -> None:
    roster_week(flows)
    case = flows.at("2026-11-30 10:00").start_loa3("anna", holder="frida")
    shown = second_visits(flows.runtime, flows.clock, case.id)
    assert shown is not None
    assert shown.deadline == local("2026-12-05 10:00")
    assert {v.admin for v in shown.visits} == {"bertil"}
    assert [v.starts_at for v in shown.visits] == [
        local("2026-12-01 09:00"),
        local("2026-12-03 09:00"),
    ]


@pytest.mark.parametrize("holder", ["gustav", "19920229-4568"])
def test_r3_no_plan_for_someone_not_in_the_directory(flows: Flows, holder: str) -> None:
    from engine.errors import NotPermitted

    with pytest.raises(NotPermitted):
        plan_visits(flows.runtime, flows.clock, holder, local("2026-11-30 00:00"))


def test_r8_a_plan_costs_the_same_statements_whatever_the_roster_history(flows: Flows) -> None:
    roster_week(flows)
    start = local("2026-11-30 00:00")
    with counting_statements(flows.runtime) as before:
        plan_visits(flows.runtime, flows.clock, "frida", start)
    for n in range(1, 41):
        rosters.add_shift(
            flows.runtime, flows.clock, "maria", "anna", "halmstad",
            start - timedelta(days=n, hours=-8), start - timedelta(days=n, hours=-16),
        )  # fmt: skip
    with counting_statements(flows.runtime) as after:
        plan = plan_visits(flows.runtime, flows.clock, "frida", start)
    assert len(after) == len(before) and plan.pairs


def test_r8_an_organisation_closing_day_closes_its_stations_but_not_office_hours(
    flows: Flows,
) -> None:
    roster_week(flows)
    closing_days.add_closing_day(
        flows.runtime, flows.clock, "petra", date(2026, 11, 30), "Personaldag",
        organisation="region-demo",
    )  # fmt: skip
    pair = first_pair(flows)
    assert pair[:2] == ("halmstad anna", "2026-12-01T08:00:00+01:00")


def test_s2_a_reader_plans_only_for_holders_in_scope_and_learns_nothing_else(
    flows: Flows,
) -> None:
    from engine.errors import NotFound
    from engine.services.read_scope import Reader

    roster_week(flows)
    reader = Reader("david", flows.clock.now())
    start = local("2026-11-30 00:00")
    assert plan_visits(flows.runtime, flows.clock, "erik", start, reader=reader).pairs
    for holder in ("frida", "gustav"):
        with pytest.raises(NotFound) as refused:
            plan_visits(flows.runtime, flows.clock, holder, start, reader=reader)
        assert refused.value.rule == "S2"
