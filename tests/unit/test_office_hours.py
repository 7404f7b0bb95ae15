"""R12: from 2025-12-01 LoA2 is issued and renewed only outside office hours."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from engine.errors import NotPermitted
from engine.policy.calendar import SwedishCalendar
from engine.policy.office_hours import check_loa2_issue_time
from engine.policy.office_hours import is_office_hours
from engine.policy.office_hours import next_time_outside_office_hours
from engine.policy.timekeeping import STOCKHOLM


@pytest.fixture(scope="module")
def calendar() -> SwedishCalendar:
    return SwedishCalendar()


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("at", "in_office_hours"),
    [
        (local(2026, 11, 23, 8, 59, 59), False),
        (local(2026, 11, 23, 9, 0, 0), True),
        (local(2026, 11, 23, 12, 0, 0), True),
        (local(2026, 11, 23, 15, 0, 59), True),
        (local(2026, 11, 23, 15, 1, 0), False),
        (local(2026, 11, 23, 23, 30, 0), False),
        (local(2026, 12, 24, 10, 0), False),  # julafton
        (local(2026, 6, 19, 10, 0), False),  # midsommarafton
        (local(2026, 12, 31, 10, 0), False),  # nyårsafton
        (local(2026, 1, 5, 10, 0), True),  # trettondagsafton is a normal weekday
        (local(2026, 5, 14, 10, 0), False),  # Kristi himmelsfärdsdag
        (local(2025, 6, 6, 10, 0), False),  # nationaldagen on a Friday
        (local(2026, 11, 21, 10, 0), False),  # Saturday
    ],
)
def test_r12_office_hours_boundaries(
    calendar: SwedishCalendar, at: datetime, in_office_hours: bool
) -> None:
    assert is_office_hours(at, calendar) is in_office_hours


@pytest.mark.parametrize(
    ("utc", "in_office_hours"),
    [
        # Monday after the spring change: 09:30 CEST is 07:30 UTC.
        (datetime(2026, 3, 30, 7, 30, tzinfo=UTC), True),
        (datetime(2026, 3, 30, 6, 59, 59, tzinfo=UTC), False),
        # Monday after the autumn change: 09:30 CET is 08:30 UTC.
        (datetime(2026, 10, 26, 8, 30, tzinfo=UTC), True),
        (datetime(2026, 10, 26, 7, 30, tzinfo=UTC), False),
        (datetime(2026, 10, 26, 14, 0, 59, tzinfo=UTC), True),
        (datetime(2026, 10, 26, 14, 1, 0, tzinfo=UTC), False),
    ],
)
def test_r12_office_hours_are_judged_in_stockholm_time_after_dst_changes(
    calendar: SwedishCalendar, utc: datetime, in_office_hours: bool
) -> None:
    assert is_office_hours(utc, calendar) is in_office_hours


def test_r12_local_closing_day_is_outside_office_hours() -> None:
    calendar = SwedishCalendar({local(2026, 11, 27).date(): "Personaldag"})
    assert is_office_hours(local(2026, 11, 27, 10, 0), calendar) is False


def test_next_time_outside_office_hours_is_1501_the_same_day(calendar: SwedishCalendar) -> None:
    assert next_time_outside_office_hours(local(2026, 11, 23, 9, 0), calendar) == local(
        2026, 11, 23, 15, 1
    )


def test_next_time_outside_office_hours_is_now_when_already_outside(
    calendar: SwedishCalendar,
) -> None:
    at = local(2026, 11, 23, 15, 1)
    assert next_time_outside_office_hours(at, calendar) is at


def test_r12_loa2_refused_at_0900_on_a_weekday_after_2025_12_01(
    calendar: SwedishCalendar,
) -> None:
    with pytest.raises(NotPermitted) as caught:
        check_loa2_issue_time(local(2026, 11, 23, 9, 0), calendar)
    assert caught.value.rule == "R12"
    assert "Nästa tillåtna tid: måndag 2026-11-23 15:01." in caught.value.message
    assert "Next allowed time: Monday 2026-11-23 15:01." in caught.value.message
    assert caught.value.message.index("Nästa") < caught.value.message.index(" / ")


@pytest.mark.parametrize(
    "at",
    [
        local(2026, 11, 23, 8, 59, 59),
        local(2026, 11, 23, 15, 1, 0),
        local(2026, 12, 24, 11, 0),  # julafton
        local(2026, 11, 22, 11, 0),  # Sunday
    ],
)
def test_r12_loa2_allowed_outside_office_hours(calendar: SwedishCalendar, at: datetime) -> None:
    check_loa2_issue_time(at, calendar)


def test_r12_loa2_refused_at_150059(calendar: SwedishCalendar) -> None:
    with pytest.raises(NotPermitted, match="R12"):
        check_loa2_issue_time(local(2026, 11, 23, 15, 0, 59), calendar)


def test_r12_loa2_at_any_time_until_2025_11_30(calendar: SwedishCalendar) -> None:
    check_loa2_issue_time(local(2025, 11, 28, 10, 0), calendar)  # Friday, office hours


def test_r12_loa2_refused_in_office_hours_on_2025_12_01(calendar: SwedishCalendar) -> None:
    with pytest.raises(NotPermitted) as caught:
        check_loa2_issue_time(local(2025, 12, 1, 10, 0), calendar)  # Monday
    assert "måndag 2025-12-01 15:01" in caught.value.message
