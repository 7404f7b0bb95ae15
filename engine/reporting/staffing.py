"""Card-station staffing (R8): LoA3 administrators against opening hours, day by day.

An applicant meets a first LoA3 administrator at a station that is open, and must meet a
*different* one before the R7 deadline (R6, R7), at the same or another station. The
deadline's length is the timer of the loa3-reserve version new cases start on (5 days in
version 1), never a constant here. The directory
records which station an administrator's right belongs to, not a roster, so an
administrator counts as available whenever their station is open. A station is closed
on public holidays, midsommarafton, julafton, nyårsafton and local closing days.

A day is *blocked* when some station is open with a LoA3 administrator, yet no second,
different administrator can be met before the deadline: meeting the first as late as
possible that day (just before closing) gives the latest deadline, the same clock time
N days later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from engine.model import AdminRoster
from engine.model import CardStation
from engine.model import Person
from engine.policy.calendar import SwedishCalendar
from engine.policy.timekeeping import WEEKDAY_NAMES_SV
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.rights import rights_granting
from engine.services.deadlines import newest_second_verification_days
from engine.services.read_scope import ReadScope

LOA3_ROLE = "loa3_admin"
LOA3_PROCESS = "loa3-reserve"


@dataclass(frozen=True)
class StationDay:
    """One station on one day: its hours (empty when closed) and LoA3 admins on duty."""

    station: str
    hours: tuple[tuple[time, time], ...]
    admins: tuple[str, ...]
    closed_reason: str | None  # a holiday or closing day, when the station would open

    @property
    def is_open(self) -> bool:
        return bool(self.hours)


@dataclass(frozen=True)
class WeekdayRow:
    station: str
    weekday: int
    hours: tuple[tuple[time, time], ...]
    admins: tuple[str, ...]


@dataclass(frozen=True)
class RosterRow:
    """One admin's rostered shifts at one station in the period (R8, admin rosters)."""

    station: str
    admin: str
    shifts: int
    hours: float


@dataclass(frozen=True)
class BlockedDay:
    day: date
    first_options: tuple[StationDay, ...]  # where a first verification was possible
    reachable: tuple[str, ...]  # administrators reachable within the deadline
    reason_closed: tuple[tuple[date, str], ...]  # holidays inside the window


class StaffingReport:
    """LoA3 staffing per station and weekday, and the days an applicant is stuck (R8)."""

    def __init__(
        self,
        session: Session,
        staff: StaffIndex,
        calendar: SwedishCalendar,
        period: Period,
        *,
        scope: ReadScope | None = None,
    ) -> None:
        self._staff = staff
        self._calendar = calendar
        self._period = period
        stations = select(CardStation).options(selectinload(CardStation.opening_hours))
        if scope is not None:
            # S2: the stations of the reader's organisations (and units) only.
            covered = sorted(scope.organisations | scope.units)
            stations = stations.where(CardStation.organisation_id.in_(covered))
        self._stations = list(session.scalars(stations.order_by(CardStation.name)))
        self._cache: dict[date, tuple[StationDay, ...]] = {}
        # R7: the length new cases get from their version's timer; None without such a timer.
        self.deadline_days = newest_second_verification_days(session, LOA3_PROCESS)

    def weekday_table(self, on: date) -> list[WeekdayRow]:
        """Per station and weekday: opening hours and LoA3 administrators in force on `on`."""
        rows = []
        for station in self._stations:
            admins = self._admins_at(station, on)
            for weekday in range(7):
                hours = tuple(
                    (h.opens, h.closes) for h in station.opening_hours if h.weekday == weekday
                )
                rows.append(WeekdayRow(station.name, weekday, hours, admins if hours else ()))
        return rows

    def roster_rows(self, session: Session) -> list[RosterRow]:
        """Shifts per station and admin that overlap the period, hours clipped to it."""
        ids = [station.id for station in self._stations]
        start, end = self._period.start, self._period.end
        totals: dict[tuple[str, str], tuple[int, float]] = {}
        rows = session.execute(
            select(CardStation.name, Person.username, AdminRoster.starts_at, AdminRoster.ends_at)
            .join(CardStation, CardStation.id == AdminRoster.station_id)
            .join(Person, Person.id == AdminRoster.person_id)
            .where(
                AdminRoster.station_id.in_(ids),
                AdminRoster.ends_at > start,
                AdminRoster.starts_at < end,
            )
        )
        for station, admin, begins, ends in rows:
            shifts, hours = totals.get((station, admin or ""), (0, 0.0))
            worked = (min(ends, end) - max(begins, start)).total_seconds() / 3600
            totals[(station, admin or "")] = (shifts + 1, hours + worked)
        return [RosterRow(st, ad, n, round(h, 1)) for (st, ad), (n, h) in sorted(totals.items())]

    def _admins_at(self, station: CardStation, on: date) -> tuple[str, ...]:
        names = []
        for person in self._staff.admins:
            if any(r.station_id == station.id for r in rights_granting(person, LOA3_ROLE, on)):
                names.append(person.username or person.display_name)
        return tuple(names)

    def _is_holiday(self, day: date) -> str | None:
        """The holiday or closing day on `day`; a plain weekend is not a reason."""
        reason = self._calendar.closed_reason(day)
        if reason is None or reason == WEEKDAY_NAMES_SV[day.weekday()]:
            return None
        return reason

    def station_days(self, day: date) -> tuple[StationDay, ...]:
        """Every station on `day`, closed on holidays and closing days."""
        if day not in self._cache:
            holiday = self._is_holiday(day)
            entries = []
            for station in self._stations:
                hours = tuple(
                    (h.opens, h.closes) for h in station.opening_hours if h.weekday == day.weekday()
                )
                closed = holiday if hours and holiday else None
                entries.append(
                    StationDay(
                        station=station.name,
                        hours=() if closed else hours,
                        admins=self._admins_at(station, day) if hours and not closed else (),
                        closed_reason=closed,
                    )
                )
            self._cache[day] = tuple(entries)
        return self._cache[day]

    def blocked_days(self) -> Iterator[BlockedDay]:
        """Days of the period on which a first verification leaves no way to a second."""
        if self.deadline_days is None:
            return
        for day in self._period.days():
            options = tuple(sd for sd in self.station_days(day) if sd.is_open and sd.admins)
            if not options:
                continue
            if any(self._second_possible(day, first) for first in options):
                continue
            window = [day + timedelta(days=n) for n in range(self.deadline_days + 1)]
            reachable = sorted(
                {a for d in window for sd in self.station_days(d) if sd.is_open for a in sd.admins}
            )
            holidays = tuple(
                (d, reason) for d in window if (reason := self._is_holiday(d)) is not None
            )
            yield BlockedDay(day, options, tuple(reachable), holidays)

    def _second_possible(self, day: date, first: StationDay) -> bool:
        """Whether some first admin at `first` leaves a different admin within the deadline."""
        days = self.deadline_days or 0
        latest_close = max(closes for _, closes in first.hours)
        for admin in first.admins:
            for offset in range(days + 1):
                for other in self.station_days(day + timedelta(days=offset)):
                    if not other.is_open or not any(a != admin for a in other.admins):
                        continue
                    if offset < days:
                        return True
                    # R7: on the last day only before the first meeting's clock time.
                    if min(opens for opens, _ in other.hours) < latest_close:
                        return True
        return False
