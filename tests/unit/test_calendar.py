"""Holiday-free weekdays (DOMAIN.md Conventions: Office hours), the calendar behind R9 and R12."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from engine.policy.calendar import SwedishCalendar


@pytest.fixture(scope="module")
def calendar() -> SwedishCalendar:
    return SwedishCalendar()


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 12, 24), "Julafton"),  # Thursday
        (date(2026, 6, 19), "Midsommarafton"),  # Friday
        (date(2026, 12, 31), "Nyårsafton"),  # Thursday
        (date(2026, 5, 14), "Kristi himmelsfärdsdag"),  # Thursday
        (date(2025, 6, 6), "Nationaldagen"),  # Friday
        (date(2026, 4, 3), "Långfredagen"),
        (date(2026, 4, 6), "Annandag påsk"),
        (date(2026, 1, 1), "Nyårsdagen"),  # Thursday
        (date(2026, 1, 6), "Trettondedag jul"),  # Tuesday
        (date(2026, 5, 1), "Första maj"),  # Friday
        (date(2026, 12, 25), "Juldagen"),  # Friday
        (date(2026, 11, 21), "lördag"),
        (date(2026, 11, 22), "söndag"),
        (date(2026, 6, 20), "Midsommardagen"),  # a Saturday holiday names the holiday
    ],
)
def test_r12_holidays_eves_and_weekends_are_not_holiday_free_weekdays(
    calendar: SwedishCalendar, day: date, reason: str
) -> None:
    assert calendar.is_holiday_free_weekday(day) is False
    assert calendar.closed_reason(day) == reason


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 5),  # trettondagsafton: an ordinary Monday
        date(2026, 4, 30),  # valborgsmässoafton: an ordinary Thursday
        date(2026, 11, 23),  # Monday
        date(2026, 12, 23),  # the day before julafton
        date(2026, 6, 18),  # the day before midsommarafton
        date(2027, 1, 4),  # a Monday in a year not asked for before
    ],
)
def test_r12_ordinary_weekdays_are_holiday_free(calendar: SwedishCalendar, day: date) -> None:
    assert calendar.is_holiday_free_weekday(day) is True
    assert calendar.closed_reason(day) is None


def test_every_sunday_is_closed_and_no_sunday_is_listed_as_a_weekday() -> None:
    calendar = SwedishCalendar()
    sundays = [date(2026, 1, 4) + timedelta(weeks=week) for week in range(53)]
    assert not any(calendar.is_holiday_free_weekday(d) for d in sundays)


def test_the_package_does_not_list_plain_sundays_as_named_holidays() -> None:
    # If a package version listed every Sunday, closed_reason would stop saying "söndag".
    assert SwedishCalendar().closed_reason(date(2026, 11, 22)) == "söndag"


def test_local_closing_day_closes_an_ordinary_weekday() -> None:
    calendar = SwedishCalendar({date(2026, 11, 27): "Personaldag på kortstationen"})
    assert calendar.is_holiday_free_weekday(date(2026, 11, 27)) is False
    assert calendar.closed_reason(date(2026, 11, 27)) == "Personaldag på kortstationen"
    assert calendar.is_holiday_free_weekday(date(2026, 11, 26)) is True


def test_version_names_the_package_and_no_local_days() -> None:
    assert SwedishCalendar().version == "holidays-0.109+local-none"


def test_version_changes_with_the_local_closing_days_and_ignores_their_order() -> None:
    one = SwedishCalendar({date(2026, 11, 27): "Personaldag"})
    two = SwedishCalendar({date(2026, 11, 27): "Personaldag", date(2026, 12, 28): "Stängt"})
    two_reordered = SwedishCalendar(
        {date(2026, 12, 28): "Stängt", date(2026, 11, 27): "Personaldag"}
    )
    assert one.version.startswith("holidays-0.109+local-")
    assert len(one.version.rsplit("-", 1)[1]) == 8
    assert one.version != two.version
    assert two.version == two_reordered.version


def test_closing_days_cannot_be_changed_after_construction() -> None:
    days = {date(2026, 11, 27): "Personaldag"}
    calendar = SwedishCalendar(days)
    days[date(2026, 11, 26)] = "Added later"
    assert calendar.is_holiday_free_weekday(date(2026, 11, 26)) is True
