"""Local-time arithmetic (DOMAIN.md Conventions: Time) behind R7, R9, R11."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from engine.errors import Invalid
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import add_local_months
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import last_instant_of_local_day
from engine.policy.timekeeping import latest_date_before
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import parse_date_or_instant
from engine.policy.timekeeping import parse_instant
from engine.policy.timekeeping import to_local


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def test_to_local_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError):
        to_local(datetime(2026, 11, 23, 15, 1))


def test_r7_five_days_across_spring_dst_is_119_hours() -> None:
    first = local(2026, 3, 26, 10, 0)
    deadline = add_local_days(first, 5)
    assert to_local(deadline) == local(2026, 3, 31, 10, 0)
    assert deadline - first == timedelta(hours=119)


def test_r7_five_days_across_autumn_dst_is_121_hours() -> None:
    first = local(2026, 10, 22, 10, 0)
    deadline = add_local_days(first, 5)
    assert to_local(deadline) == local(2026, 10, 27, 10, 0)
    assert deadline - first == timedelta(hours=121)


def test_add_local_days_returns_utc() -> None:
    assert add_local_days(local(2026, 11, 23, 15, 1), 14).tzinfo is UTC


def test_wall_time_missing_in_the_spring_gap_lands_one_hour_later() -> None:
    # 2026-03-29 02:30 does not exist in Stockholm; fold=0 reads it at +01:00 = 03:30 CEST.
    result = add_local_days(local(2026, 3, 28, 2, 30), 1)
    assert result == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert to_local(result).hour == 3


def test_ambiguous_autumn_wall_time_is_its_first_occurrence() -> None:
    # 2026-10-25 02:30 happens twice; the first (CEST, 00:30 UTC) is taken.
    result = add_local_days(local(2026, 10, 24, 2, 30), 1)
    assert result == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (local(2026, 8, 31, 10, 0), 6, local(2027, 2, 28, 10, 0)),
        (local(2027, 8, 31, 10, 0), 6, local(2028, 2, 29, 10, 0)),
        (local(2026, 1, 31, 10, 0), 1, local(2026, 2, 28, 10, 0)),
        (local(2026, 11, 23, 15, 1), 6, local(2027, 5, 23, 15, 1)),
        (local(2025, 10, 15, 9, 0), 3, local(2026, 1, 15, 9, 0)),
    ],
)
def test_r9_months_are_calendar_months_clamped_to_the_last_day(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_local_months(start, months) == expected


def test_r9_six_months_across_dst_keeps_the_local_clock_time() -> None:
    # Issued in winter time, ends in summer time: same 10:00 on the wall.
    assert to_local(add_local_months(local(2026, 1, 15, 10, 0), 6)) == local(2026, 7, 15, 10, 0)


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 1, 15), datetime(2026, 1, 14, 23, 0, tzinfo=UTC)),
        (date(2026, 7, 15), datetime(2026, 7, 14, 22, 0, tzinfo=UTC)),
        (date(2026, 3, 29), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (date(2026, 10, 25), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
    ],
)
def test_local_midnight_is_the_start_of_the_stockholm_day(day: date, utc: datetime) -> None:
    assert local_midnight(day) == utc


def test_end_of_local_day_on_dst_nights_is_23_and_25_hours_after_its_start() -> None:
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert end_of_local_day(spring) - local_midnight(spring) == timedelta(hours=23)
    assert end_of_local_day(autumn) - local_midnight(autumn) == timedelta(hours=25)


@pytest.mark.parametrize(
    "text",
    ["2026-11-23T15:01:00+01:00", "2026-11-23T14:01:00Z", "2026-11-23 14:01:00+00:00"],
)
def test_parse_instant_accepts_aware_iso_times_and_returns_utc(text: str) -> None:
    parsed = parse_instant(text)
    assert parsed == datetime(2026, 11, 23, 14, 1, tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_parse_instant_refuses_a_naive_time_saying_it_has_no_zone() -> None:
    with pytest.raises(Invalid, match="saknar tidszon") as caught:
        parse_instant("2026-11-23T15:01:00")
    assert caught.value.rule is None
    assert " / " in caught.value.message


@pytest.mark.parametrize("text", ["", "igår", "2026-13-01T10:00:00+01:00", "23/11/2026"])
def test_parse_instant_refuses_malformed_text(text: str) -> None:
    with pytest.raises(Invalid, match="Ogiltig tidpunkt"):
        parse_instant(text)


def test_parse_date_or_instant_reads_a_plain_date_as_a_date() -> None:
    parsed = parse_date_or_instant("2026-12-07")
    assert type(parsed) is date
    assert parsed == date(2026, 12, 7)


def test_parse_date_or_instant_reads_an_aware_time_as_utc() -> None:
    parsed = parse_date_or_instant("2026-12-07T15:01:00+01:00")
    assert parsed == datetime(2026, 12, 7, 14, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-12-07T15:01", "next week"])
def test_parse_date_or_instant_refuses_bad_or_naive_values(text: str) -> None:
    with pytest.raises(Invalid):
        parse_date_or_instant(text)


def test_format_local_shows_stockholm_time_to_the_minute() -> None:
    assert format_local(datetime(2026, 11, 23, 14, 1, 30, tzinfo=UTC)) == "2026-11-23 15:01"
    assert format_local(datetime(2026, 7, 1, 13, 1, tzinfo=UTC)) == "2026-07-01 15:01"


def test_weekday_names_are_swedish_and_english() -> None:
    at = datetime(2026, 11, 23, 14, 1, tzinfo=UTC)
    assert describe_local_sv(at) == "måndag 2026-11-23 15:01"
    assert describe_local_en(at) == "Monday 2026-11-23 15:01"
    # Late UTC evening is already the next local day.
    assert describe_local_sv(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)).startswith("måndag")


# --- a validity typed as a date: its last instant (issue 11, CONTRACT.md) -------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 5, 1), "2027-05-01T23:59:59+02:00"),  # the contract's example
        (date(2026, 12, 7), "2026-12-07T23:59:59+01:00"),
        (date(2026, 3, 29), "2026-03-29T23:59:59+02:00"),  # spring DST: a 23-hour day
        (date(2026, 10, 25), "2026-10-25T23:59:59+01:00"),  # autumn DST: a 25-hour day
    ],
)
def test_a_date_as_the_last_day_of_validity_is_its_last_local_second(
    day: date, expected: str
) -> None:
    last = last_instant_of_local_day(day)
    assert last.tzinfo is UTC
    assert to_local(last).isoformat() == expected
    assert last + timedelta(seconds=1) == end_of_local_day(day)


@pytest.mark.parametrize(
    ("until", "latest"),
    [
        (local(2026, 12, 7, 15, 1), date(2026, 12, 7)),  # 14 days from 15:01 (R11)
        (local(2025, 12, 1, 0, 0), date(2025, 11, 30)),  # R13: nothing of 2025-12-01 left
        (last_instant_of_local_day(date(2026, 6, 30)), date(2026, 6, 30)),  # R14
    ],
)
def test_the_latest_date_to_type_is_the_last_day_the_ceiling_leaves_time_in(
    until: datetime, latest: date
) -> None:
    assert latest_date_before(until) == latest
