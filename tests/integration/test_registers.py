"""Operator registers: card stock (R2), employments and their import (R3), local closing
days, dated organisation settings (R14, R20, R22 under S6) and admin rosters (R8)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.model import Employment
from engine.model import Person
from engine.services.policy import PolicyReader
from engine.services.registers import closing_days
from engine.services.registers import employment_import
from engine.services.registers import employments
from engine.services.registers import organisation_settings
from engine.services.registers import rosters
from engine.services.registers import stock
from engine.services.registers.organisation_settings import setting_in_force
from tests.support.flows import Flows
from tests.support.flows import local


def actions(flows: Flows) -> list[str]:
    with flows.runtime.database.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_r2_a_scrapped_card_is_never_issued(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    scrapped = stock.scrap(flows.runtime, flows.clock, "sara", "RK000001", "Skadat i lager")
    assert scrapped.state == "scrapped"
    assert actions(flows)[-1] == "card_scrapped"
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    with pytest.raises(Conflict, match="RK000001"):
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07"
        )
    with pytest.raises(Conflict, match="R19"):
        stock.scrap(flows.runtime, flows.clock, "sara", "RK000001", "igen")


def test_r2_received_cards_carry_their_production_date_and_end_of_life_and_list_in_pages(
    flows: Flows,
) -> None:
    flows.at("2026-11-23 10:00")
    receipt = stock.receive(
        flows.runtime, flows.clock, "sara", "RK000051", "RK000060", "region-demo", date(2026, 1, 15)
    )
    assert (receipt.first, receipt.last, receipt.count) == ("RK000051", "RK000060", 10)
    first = stock.list_stock(flows.runtime, flows.clock, "sara", limit=30)
    assert [c.number for c in first.items][:2] == ["RK000001", "RK000002"]
    assert first.next_cursor is not None
    rest = stock.list_stock(flows.runtime, flows.clock, "sara", cursor=first.next_cursor)
    assert [c.number for c in rest.items][-1] == "RK000060"
    assert len(first.items) + len(rest.items) == 60 and rest.next_cursor is None
    assert rest.items[-1].produced_on == date(2026, 1, 15)
    assert rest.items[-1].end_of_life == date(2036, 1, 15)


def test_r2_cards_past_their_ten_year_life_are_refused_and_nothing_is_received(
    flows: Flows,
) -> None:
    flows.at("2026-11-23 10:00")
    before = flows.row_counts()
    with pytest.raises(Invalid) as refused:
        stock.receive(
            flows.runtime,
            flows.clock,
            "sara",
            "RK000061",
            "RK000062",
            "region-demo",
            date(2016, 11, 23),
        )
    assert refused.value.rule == "R2"
    with pytest.raises(Conflict, match="RK000050"):
        stock.receive(
            flows.runtime,
            flows.clock,
            "sara",
            "RK000050",
            "RK000052",
            "region-demo",
            date(2026, 1, 1),
        )
    assert flows.row_counts() == before


@pytest.mark.parametrize("user", ["cecilia", "maria", "david"])
def test_stock_is_kept_by_the_service_desk_and_system_admins_only(flows: Flows, user: str) -> None:
    flows.at("2026-11-23 10:00")
    with pytest.raises(NotPermitted):
        stock.scrap(flows.runtime, flows.clock, user, "RK000002", "Skadat")
    with pytest.raises(NotPermitted):
        stock.list_stock(flows.runtime, flows.clock, user)


def test_r3_an_employment_added_and_ended_is_audited(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    added = employments.add_employment(
        flows.runtime, flows.clock, "sara", "erik", "region-demo", date(2026, 12, 1)
    )
    ended = employments.end_employment(
        flows.runtime, flows.clock, "sara", added.id, date(2027, 3, 31)
    )
    assert ended.end_date == date(2027, 3, 31)
    # R19: the end date starts the employment's employment-end case in the same step.
    assert actions(flows)[-4:] == [
        "employment_added",
        "employment_ended",
        "start",
        "policy_decision",
    ]
    with pytest.raises(Conflict):
        employments.add_employment(
            flows.runtime, flows.clock, "sara", "erik", "region-demo", date(2027, 1, 1)
        )
    listed = employments.list_employments(flows.runtime, flows.clock, "sara", limit=500)
    assert any(r.id == added.id for r in listed.items)


GOOD_FILE = (
    "personnummer,namn,organisation,från,till\n"
    "19850315-1238,Frida Fors,region-demo,2024-01-01,2027-06-30\n"
    "19920229-4568,Gustav Grön,region-demo,2026-12-01,\n"
    "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,\n"
)


def test_r3_an_import_dry_run_lists_what_would_change_and_changes_nothing(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    before = flows.row_counts()
    result = employment_import.import_employments(
        flows.runtime, flows.clock, "sara", GOOD_FILE, dry_run=True
    )
    assert not result.applied and result.unchanged == 1
    assert [(c.line, c.action) for c in result.changes] == [(2, "change_end"), (3, "new_person")]
    assert flows.row_counts() == before


def test_r3_an_import_applies_every_change_at_once(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    result = employment_import.import_employments(flows.runtime, flows.clock, "sara", GOOD_FILE)
    assert result.applied
    with flows.runtime.database.sessions() as session:
        gustav = session.scalars(
            select(Person).where(Person.identity_number == "19920229-4568")
        ).one()
        assert [e.start_date for e in gustav.employments] == [date(2026, 12, 1)]
        frida = session.scalars(select(Person).where(Person.username == "frida")).one()
        assert [e.end_date for e in frida.employments] == [date(2027, 6, 30)]
    assert actions(flows)[-1] == "employments_imported"


def test_r3_an_import_with_bad_lines_names_each_line_and_changes_nothing(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    before = flows.row_counts()
    bad = (
        "19850315-1238,Frida Fors,region-demo,2024-01-01,2027-06-30\n"
        "19850315-1239,Fel Nummer,region-demo,2024-01-01,\n"
        "19920229-4568,Gustav Grön,nowhere,2026-12-01,\n"
        "19920229-4568,Gustav Grön,region-demo,2026-12-01,2026-11-01\n"
    )
    with pytest.raises(employment_import.ImportRejected) as refused:
        employment_import.import_employments(flows.runtime, flows.clock, "sara", bad)
    assert [b.line for b in refused.value.bad] == [2, 3, 4]
    assert "line 2" in refused.value.message
    assert flows.row_counts() == before
    with flows.runtime.database.sessions() as session:
        assert (
            session.scalars(select(Employment).where(Employment.end_date.is_not(None))).all() == []
        )


def test_r8_a_station_closing_day_closes_no_office_hours_but_a_global_one_does(
    flows: Flows,
) -> None:
    flows.at("2026-11-23 10:00")
    station_day = closing_days.add_closing_day(
        flows.runtime, flows.clock, "petra", date(2026, 12, 2), "Flytt", station="kungsbacka"
    )
    closing_days.add_closing_day(flows.runtime, flows.clock, "petra", date(2026, 12, 3), "Kris")
    with flows.runtime.database.sessions() as session:
        calendar = PolicyReader(session).calendar
        assert calendar.is_holiday_free_weekday(date(2026, 12, 2))
        assert not calendar.is_holiday_free_weekday(date(2026, 12, 3))
    listed = closing_days.list_closing_days(flows.runtime, date(2026, 12, 1), date(2026, 12, 31))
    assert [(r.day, r.station) for r in listed] == [
        (date(2026, 12, 2), "kungsbacka"),
        (date(2026, 12, 3), None),
    ]
    with pytest.raises(Conflict):
        closing_days.add_closing_day(
            flows.runtime, flows.clock, "petra", date(2026, 12, 2), "igen", station="kungsbacka"
        )
    with pytest.raises(NotPermitted):
        closing_days.remove_closing_day(flows.runtime, flows.clock, "anna", station_day.id)
    closing_days.remove_closing_day(flows.runtime, flows.clock, "petra", station_day.id)
    assert actions(flows)[-1] == "closing_day_removed"


def test_s6_r22_a_setting_takes_effect_from_its_date_and_never_before_today(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    shown = organisation_settings.set_setting(
        flows.runtime,
        flows.clock,
        "petra",
        "region-demo",
        "photo_reuse_for_door_access",
        True,
        date(2026, 12, 1),
    )
    photo = next(s for s in shown.settings if s.name == "photo_reuse_for_door_access")
    assert photo.rule == "R22" and photo.value_today is False and len(photo.history) == 1
    with flows.runtime.database.sessions() as session:
        from engine.model import Organisation

        region = session.scalars(
            select(Organisation).where(Organisation.code == "region-demo")
        ).one()
        name = "photo_reuse_for_door_access"
        assert setting_in_force(session, region, name, date(2026, 11, 30)) is False
        assert setting_in_force(session, region, name, date(2026, 12, 1)) is True
    with pytest.raises(Invalid) as refused:
        organisation_settings.set_setting(
            flows.runtime,
            flows.clock,
            "petra",
            "region-demo",
            "allows_forgotten_card",
            True,
            date(2026, 11, 22),
        )
    assert refused.value.rule == "S6"
    with pytest.raises(NotPermitted):
        organisation_settings.set_setting(
            flows.runtime, flows.clock, "sara", "region-demo", "allows_forgotten_card", True
        )


def test_r14_r20_a_setting_from_today_changes_the_organisation_at_once(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    shown = organisation_settings.set_setting(
        flows.runtime,
        flows.clock,
        "petra",
        "hemtjanst-demo",
        "accepts_loa2_after_national_end",
        False,
    )
    loa2 = next(s for s in shown.settings if s.name == "accepts_loa2_after_national_end")
    assert loa2.value_today is False
    assert actions(flows)[-1] == "organisation_setting_changed"


def test_r8_rosters_take_id_admins_only_and_never_two_shifts_at_once(flows: Flows) -> None:
    flows.at("2026-11-23 10:00")
    shift = rosters.add_shift(
        flows.runtime,
        flows.clock,
        "maria",
        "anna",
        "halmstad",
        local("2026-11-24 08:00"),
        local("2026-11-24 16:00"),
    )
    assert shift.admin == "anna"
    with pytest.raises(Conflict):
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "maria",
            "anna",
            "kungsbacka",
            local("2026-11-24 09:00"),
            local("2026-11-24 12:00"),
        )
    with pytest.raises(Invalid) as refused:
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "maria",
            "sara",
            "halmstad",
            local("2026-11-24 08:00"),
            local("2026-11-24 16:00"),
        )
    assert refused.value.rule == "R5"
    with pytest.raises(NotPermitted):
        rosters.add_shift(
            flows.runtime,
            flows.clock,
            "anna",
            "anna",
            "halmstad",
            local("2026-11-25 08:00"),
            local("2026-11-25 16:00"),
        )
    listed = rosters.list_shifts(
        flows.runtime, local("2026-11-24 00:00"), local("2026-11-25 00:00")
    )
    assert [s.id for s in listed] == [shift.id]
    rosters.remove_shift(flows.runtime, flows.clock, "maria", shift.id)
    assert actions(flows)[-1] == "shift_removed"


def test_r14_s6_a_dated_end_of_loa2_acceptance_judges_issues_from_its_date_only(
    flows: Flows,
) -> None:
    flows.at("2026-11-23 10:00")
    organisation_settings.set_setting(
        flows.runtime, flows.clock, "petra", "hemtjanst-demo",
        "accepts_loa2_after_national_end", False, date(2026, 12, 1),
    )  # fmt: skip
    before = flows.at("2026-11-30 15:01").order_loa2("david", holder="erik")
    issued = flows.complete(
        before.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-10"
    )
    assert issued.state == "open"
    after = flows.at("2026-12-01 15:01").order_loa2("david", holder="erik")
    with pytest.raises(DomainError) as refused:
        flows.complete(
            after.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-10"
        )
    assert refused.value.rule == "R14"
