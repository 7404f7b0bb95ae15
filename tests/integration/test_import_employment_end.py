"""R19 from the directory import: an end date in the file starts erik's `employment-end`
case in the import's own transaction, once per employment; a moved date moves its timer,
a removed one cancels it; a dry run starts nothing and says what it would start.

erik (19121212-1212) works in hemtjanst-demo from 2024-01-01 (the demo directory); sara
keeps the directory as the service desk and imports on Monday 2026-11-23.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.model import Case
from engine.services import queries
from engine.services.registers import employment_import
from engine.services.registers import employments
from engine.services.registers.employment_import import ImportResult
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

ERIK = "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,{end}\n"


def erik_ends(flows: Flows, end: str, *, dry_run: bool = False) -> ImportResult:
    return employment_import.import_employments(
        flows.runtime, flows.clock, "sara", ERIK.format(end=end), dry_run=dry_run
    )


def employment_end_cases(flows: Flows) -> list[tuple[int, str, str | None]]:
    with flows.runtime.database.sessions() as session:
        rows = session.scalars(
            select(Case).where(Case.process_id == "employment-end").order_by(Case.id)
        ).all()
        return [(case.id, case.state, case.subject) for case in rows]


def erik_with_a_card(flows: Flows) -> int:
    order = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(order.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-06")
    return order.id


def waiting(flows: Flows, case_id: int) -> list[tuple[str, str]]:
    return [
        (t["name"], t["due_at"]) for t in flows.case(case_id)["timers"] if t["status"] == "waiting"
    ]


def test_r19_an_imported_end_date_revokes_the_cards_at_that_date_and_waits_for_the_return(
    flows: Flows,
) -> None:
    order = erik_with_a_card(flows)
    result = erik_ends(flows.at("2026-11-24 10:00"), "2026-11-30")
    [step] = result.end_cases
    assert (step.step, step.holder, step.ends_on.isoformat() if step.ends_on else None) == (
        "start",
        "19121212-1212",
        "2026-11-30",
    )
    [(case_id, state, subject)] = employment_end_cases(flows)
    assert (step.case_id, state) == (case_id, "open")
    assert subject is not None and subject.startswith("employment:")
    shown = flows.case(case_id)
    assert shown["data"]["ends_on"] == "2026-11-30"
    assert waiting(flows, case_id) == [("end_date", "2026-12-01T00:00:00+01:00")]

    fire_due_timers(flows.runtime, flows.at("2026-11-30 23:59").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "issued"
    fire_due_timers(flows.runtime, flows.at("2026-12-01 00:01").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "revoked"
    assert flows.case(order)["state"] == "cancelled"
    assert "register_return" in flows.task_names("sara")
    done = flows.complete(case_id, "register_return", "sara", returned="cut")
    assert done.state == "completed"


def test_r19_an_import_dry_run_says_what_it_would_start_and_starts_nothing(
    flows: Flows,
) -> None:
    flows.at("2026-11-24 10:00")
    before = flows.row_counts()
    result = erik_ends(flows, "2026-11-30", dry_run=True)
    assert not result.applied
    assert [(s.step, s.case_id) for s in result.end_cases] == [("start", None)]
    assert flows.row_counts() == before


def test_r19_importing_the_same_end_date_again_starts_no_second_case(flows: Flows) -> None:
    erik_ends(flows.at("2026-11-24 10:00"), "2026-11-30")
    again = erik_ends(flows.at("2026-11-25 10:00"), "2026-11-30")
    assert again.end_cases == () and again.unchanged == 1
    assert len(employment_end_cases(flows)) == 1
    # The service desk's own start for the same employment meets the open case (R19).
    with pytest.raises(Conflict) as refused:
        flows.start(
            "employment-end", "sara", holder="erik", organisation="hemtjanst-demo",
            ends_on="2026-11-30",
        )  # fmt: skip
    assert refused.value.rule == "R19"
    assert len(employment_end_cases(flows)) == 1


def test_r19_a_moved_end_date_moves_the_timer_of_the_same_case(flows: Flows) -> None:
    erik_with_a_card(flows)
    [started] = erik_ends(flows.at("2026-11-24 10:00"), "2026-11-30").end_cases
    [moved] = erik_ends(flows.at("2026-11-25 10:00"), "2026-12-15").end_cases
    assert (moved.step, moved.case_id) == ("move", started.case_id)
    assert started.case_id is not None
    assert waiting(flows, started.case_id) == [("end_date", "2026-12-16T00:00:00+01:00")]
    assert flows.case(started.case_id)["data"]["ends_on"] == "2026-12-15"
    assert len(employment_end_cases(flows)) == 1
    fire_due_timers(flows.runtime, flows.at("2026-12-01 00:01").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "issued"
    fire_due_timers(flows.runtime, flows.at("2026-12-16 00:01").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "revoked"
    assert "register_return" in flows.task_names("sara")


def test_r19_a_removed_end_date_cancels_the_waiting_case(flows: Flows) -> None:
    erik_with_a_card(flows)
    [started] = erik_ends(flows.at("2026-11-24 10:00"), "2026-11-30").end_cases
    [cancelled] = erik_ends(flows.at("2026-11-25 10:00"), "").end_cases
    assert (cancelled.step, cancelled.case_id) == ("cancel", started.case_id)
    assert [state for _id, state, _subject in employment_end_cases(flows)] == ["cancelled"]
    fire_due_timers(flows.runtime, flows.at("2026-12-01 00:01").clock)
    assert queries.show_card(flows.runtime, "RK000001")["state"] == "issued"
    # A new end date later starts a new case: the cancelled one ended nothing.
    [again] = erik_ends(flows.at("2026-11-26 10:00"), "2026-12-31").end_cases
    assert again.step == "start" and again.case_id != started.case_id


def test_r19_after_the_cards_are_revoked_a_changed_date_starts_nothing(flows: Flows) -> None:
    erik_with_a_card(flows)
    erik_ends(flows.at("2026-11-24 10:00"), "2026-11-30")
    fire_due_timers(flows.runtime, flows.at("2026-12-01 00:01").clock)
    later = erik_ends(flows.at("2026-12-02 10:00"), "2026-12-31")
    assert later.applied and later.end_cases == ()
    assert len(employment_end_cases(flows)) == 1


def test_r19_a_new_employment_that_ended_before_today_starts_nothing(flows: Flows) -> None:
    history = "19850315-1238,Frida Fors,hemtjanst-demo,2020-01-01,2021-12-31\n"
    result = employment_import.import_employments(
        flows.runtime, flows.at("2026-11-24 10:00").clock, "sara", history
    )
    assert [c.action for c in result.changes] == ["add"] and result.end_cases == ()
    assert employment_end_cases(flows) == []


def test_r19_the_registers_employment_end_starts_then_moves_the_same_case(flows: Flows) -> None:
    erik_with_a_card(flows)
    [row] = [
        e
        for e in employments.list_employments(
            flows.runtime, flows.clock, "sara", organisation="hemtjanst-demo", limit=500
        ).items
        if e.holder == "19121212-1212"
    ]
    employments.end_employment(
        flows.runtime, flows.at("2026-11-24 10:00").clock, "sara", row.id, date(2026, 11, 30)
    )
    [(case_id, state, _subject)] = employment_end_cases(flows)
    assert state == "open"
    employments.end_employment(flows.runtime, flows.clock, "sara", row.id, date(2026, 12, 10))
    assert [c[0] for c in employment_end_cases(flows)] == [case_id]
    assert waiting(flows, case_id) == [("end_date", "2026-12-11T00:00:00+01:00")]


def test_r19_a_fixed_term_employment_added_in_the_register_starts_its_end_case(
    flows: Flows,
) -> None:
    flows.at("2026-11-24 10:00")
    row = employments.add_employment(
        flows.runtime, flows.clock, "sara", "erik", "region-demo", date(2026, 12, 1),
        date(2027, 2, 28),
    )  # fmt: skip
    [(case_id, state, subject)] = employment_end_cases(flows)
    assert (state, subject) == ("open", f"employment:{row.id}")
    assert waiting(flows, case_id) == [("end_date", "2027-03-01T00:00:00+01:00")]
    # Without an end date nothing starts.
    employments.add_employment(
        flows.runtime, flows.clock, "sara", "frida", "hemtjanst-demo", date(2026, 12, 1)
    )
    assert len(employment_end_cases(flows)) == 1
