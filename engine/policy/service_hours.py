"""The service desk's hours for LoA3 renewal forms (R9): holiday-free weekdays 07:30–16:00.

A LoA3 certificate may be renewed at any time of day (R9), but the service desk
(TjänsteID) handles renewal forms only in these hours. The `loa3-renewal` process waits
for the next opening with a timer, and the engine refuses a service-desk LoA3 renewal
outside them whatever the model says (S3). Local closing days of the calendar close the
service desk too.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta

from engine.errors import NotPermitted
from engine.policy.calendar import SwedishCalendar
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import to_local

SERVICE_DESK_OPENS = time(7, 30)
# Exclusive: at 16:00:00 the service desk has closed (R9).
SERVICE_DESK_CLOSES = time(16, 0)
# Longest run of days without an opening the search accepts (Easter plus closing days).
_SEARCH_DAYS = 60


def is_service_desk_open(at: datetime, calendar: SwedishCalendar) -> bool:
    """True on a holiday-free weekday between 07:30:00 and 15:59:59 local time (R9)."""
    local = to_local(at)
    if not calendar.is_holiday_free_weekday(local.date()):
        return False
    return SERVICE_DESK_OPENS <= local.time() < SERVICE_DESK_CLOSES


def next_service_desk_opening(at: datetime, calendar: SwedishCalendar) -> datetime:
    """`at` itself while the service desk is open, else its next opening (07:30 local on
    the next holiday-free weekday), as an aware UTC instant."""
    if is_service_desk_open(at, calendar):
        return at
    local = to_local(at)
    day = local.date()
    if local.time() >= SERVICE_DESK_OPENS:
        day += timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if calendar.is_holiday_free_weekday(day):
            opening = datetime.combine(day, SERVICE_DESK_OPENS, tzinfo=STOCKHOLM)
            return opening.astimezone(at.tzinfo)
        day += timedelta(days=1)
    raise ValueError(f"no holiday-free weekday within {_SEARCH_DAYS} days of {day}")


def check_service_desk_hours(at: datetime, calendar: SwedishCalendar) -> None:
    """R9: refuse a service-desk LoA3 renewal outside holiday-free weekdays 07:30–16:00."""
    if is_service_desk_open(at, calendar):
        return
    opens = next_service_desk_opening(at, calendar)
    raise NotPermitted(
        "TjänsteID förlänger LoA3-certifikat bara helgfria vardagar 07:30–16:00 (R9). "
        f"Nästa öppning: {describe_local_sv(opens)}. / "
        "The service desk renews LoA3 certificates only on holiday-free weekdays "
        f"07:30–16:00 (R9). Next opening: {describe_local_en(opens)}.",
        rule="R9",
    )
