"""Office hours and the R12 rule that LoA2 is issued and renewed only outside them.

Office hours are holiday-free weekdays 09:00:00 ≤ local time < 15:01:00: the seeds write
the allowed LoA2 time as 15:01–08:59, so 15:00:59 is still office hours
(DOMAIN.md, Conventions: Office hours).
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time

from engine.errors import NotPermitted
from engine.policy.calendar import SwedishCalendar
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import to_local

OFFICE_HOURS_START = time(9, 0)
# Exclusive: 15:01:00 is the first allowed LoA2 minute (R12).
OFFICE_HOURS_END = time(15, 1)
# R12: from this local date LoA2 may only be issued or renewed outside office hours.
LOA2_OFFICE_HOURS_RULE_FROM = date(2025, 12, 1)


def is_office_hours(at: datetime, calendar: SwedishCalendar) -> bool:
    """True on a holiday-free weekday between 09:00:00 and 15:00:59 local time."""
    local = to_local(at)
    if not calendar.is_holiday_free_weekday(local.date()):
        return False
    return OFFICE_HOURS_START <= local.time() < OFFICE_HOURS_END


def next_time_outside_office_hours(at: datetime, calendar: SwedishCalendar) -> datetime:
    """`at` itself when outside office hours, else 15:01 local the same day (in at's zone)."""
    if not is_office_hours(at, calendar):
        return at
    local = to_local(at)
    # Office hours never span midnight, so they end the same local day.
    end = datetime.combine(local.date(), OFFICE_HOURS_END, tzinfo=STOCKHOLM)
    return end.astimezone(at.tzinfo)


def check_loa2_issue_time(at: datetime, calendar: SwedishCalendar) -> None:
    """R12: refuse LoA2 issuance or renewal in office hours from 2025-12-01 (local date)."""
    if to_local(at).date() < LOA2_OFFICE_HOURS_RULE_FROM:
        # R12: until 2025-11-30 LoA2 could be issued at any time.
        return
    if not is_office_hours(at, calendar):
        return
    allowed = next_time_outside_office_hours(at, calendar)
    raise NotPermitted(
        "LoA2 får bara utfärdas eller förnyas utanför kontorstid (R12). "
        f"Nästa tillåtna tid: {describe_local_sv(allowed)}. / "
        "LoA2 may only be issued or renewed outside office hours (R12). "
        f"Next allowed time: {describe_local_en(allowed)}.",
        rule="R12",
    )
