"""Local-time arithmetic: every rule is judged in Europe/Stockholm, instants are stored in UTC.

"N days" is the same local clock time N calendar days later, so 5 days across the spring
DST change is 119 hours; "N months" are calendar months clamped to the month's last day
(DOMAIN.md, Conventions: Time).
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from engine.errors import Invalid

STOCKHOLM = ZoneInfo("Europe/Stockholm")

WEEKDAY_NAMES_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The days a time typed by a user may fall on. Python's calendar stops at the years 1 and
# 9999, and rules add days, months and a time zone to what is typed, so a time near those
# ends overflowed into an internal fault; no card, case or report is that far out, so
# anything outside is refused as a typo (issue 10).
EARLIEST_SUPPORTED_DAY = date(1900, 1, 1)
LATEST_SUPPORTED_DAY = date(2999, 12, 31)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {at.isoformat()}")


def to_local(at: datetime) -> datetime:
    """The instant as Stockholm wall-clock time; refuses naive datetimes, which are ambiguous."""
    _require_aware(at)
    return at.astimezone(STOCKHOLM)


def _local_wall_to_utc(wall: datetime) -> datetime:
    """Attach Stockholm to a naive wall time and return the UTC instant.

    zoneinfo's fold=0 semantics decide the two DST edge cases:
    a wall time that does not exist (spring gap, e.g. 2026-03-29 02:30) is read with the
    offset before the change, so it lands one hour later on the clock (03:30 CEST);
    an ambiguous wall time (autumn, e.g. 2026-10-25 02:30) is its first occurrence (CEST).
    """
    return wall.replace(tzinfo=STOCKHOLM, fold=0).astimezone(UTC)


def add_local_days(at: datetime, days: int) -> datetime:
    """Same local clock time `days` calendar days later, in UTC (R7, R11: "N days")."""
    local = to_local(at)
    return _local_wall_to_utc(local.replace(tzinfo=None) + timedelta(days=days))


def add_local_months(at: datetime, months: int) -> datetime:
    """Same local clock time `months` calendar months later, clamped to the month's last day.

    >>> add_local_months(datetime(2026, 8, 31, 10, tzinfo=STOCKHOLM), 6).astimezone(STOCKHOLM)
    datetime.datetime(2027, 2, 28, 10, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Stockholm'))
    """
    local = to_local(at)
    month_index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(local.day, monthrange(year, month)[1])
    return _local_wall_to_utc(local.replace(tzinfo=None, year=year, month=month, day=day))


def local_midnight(d: date) -> datetime:
    """The first instant of local day `d`, in UTC (Swedish DST never moves midnight)."""
    return _local_wall_to_utc(datetime.combine(d, time(0, 0)))


def end_of_local_day(d: date) -> datetime:
    """The exclusive end of local day `d`: local midnight of the next day, in UTC."""
    return local_midnight(d + timedelta(days=1))


def last_instant_of_local_day(d: date) -> datetime:
    """The last whole second of local day `d`, in UTC: what a date means as the last day of
    a validity (CONTRACT.md: `2027-05-01` reads back as `2027-05-01T23:59:59+02:00`).

    The one conversion of a typed date to a validity's end; `end_of_local_day` (the next
    midnight) stays the exclusive end of a period, as reports count days.
    """
    return end_of_local_day(d) - timedelta(seconds=1)


def latest_date_before(until: datetime) -> date:
    """The latest local date a validity may be typed as when it may run to `until`: the
    day `until` falls on, unless `until` is that day's first instant (nothing of it left)."""
    return to_local(until - timedelta(microseconds=1)).date()


def parse_instant(text: str) -> datetime:
    """An aware ISO-8601 instant as UTC; a naive time is refused since it could mean two hours."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"Ogiltig tidpunkt: '{text}'. Ange ISO 8601 med tidszon, t.ex. "
            f"2026-11-23T15:01:00+01:00. / Invalid time: '{text}'. Use ISO 8601 with a "
            f"time zone, e.g. 2026-11-23T15:01:00+01:00."
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise Invalid(
            f"Tidpunkten '{text}' saknar tidszon; ange t.ex. +01:00 eller Z. / "
            f"The time '{text}' has no time zone; add e.g. +01:00 or Z."
        )
    # Checked on the day as written, before the conversion to UTC that could overflow.
    require_supported_day(parsed.date(), text)
    return parsed.astimezone(UTC)


def require_supported_day(day: date, text: str) -> None:
    """Refuse a day outside EARLIEST_SUPPORTED_DAY..LATEST_SUPPORTED_DAY, naming what was typed."""
    if not EARLIEST_SUPPORTED_DAY <= day <= LATEST_SUPPORTED_DAY:
        first, last = EARLIEST_SUPPORTED_DAY.isoformat(), LATEST_SUPPORTED_DAY.isoformat()
        raise Invalid(
            f"'{text}' ligger utanför de datum som stöds ({first} till {last}). / "
            f"'{text}' is outside the supported dates ({first} to {last})."
        )


def parse_date_or_instant(text: str) -> date | datetime:
    """`2026-12-07` gives a date (a whole local day); an aware time gives a UTC datetime."""
    stripped = text.strip()
    if _DATE_ONLY.match(stripped):
        try:
            day = date.fromisoformat(stripped)
        except ValueError:
            raise Invalid(f"Ogiltigt datum: '{text}'. / Invalid date: '{text}'.") from None
        require_supported_day(day, text)
        return day
    return parse_instant(stripped)


def format_local(at: datetime) -> str:
    """Local wall-clock time to the minute, as shown to users: `2026-11-23 15:01`."""
    return to_local(at).strftime("%Y-%m-%d %H:%M")


def weekday_name_sv(d: date) -> str:
    """Swedish weekday name in lower case, as Swedish writes it (`måndag`)."""
    return WEEKDAY_NAMES_SV[d.weekday()]


def weekday_name_en(d: date) -> str:
    """English weekday name (`Monday`)."""
    return WEEKDAY_NAMES_EN[d.weekday()]


def describe_local_sv(at: datetime) -> str:
    """`måndag 2026-11-23 15:01` for Swedish messages."""
    return f"{weekday_name_sv(to_local(at).date())} {format_local(at)}"


def describe_local_en(at: datetime) -> str:
    """`Monday 2026-11-23 15:01` for English messages."""
    return f"{weekday_name_en(to_local(at).date())} {format_local(at)}"
