"""R8 station booking: where and when a LoA3 applicant meets two ID administrators.

R6 needs two different LoA3 admins (trained and approved, rights in force, R5) and R7
gives the second verification the case's R7 days after the first; R8 says stations keep
limited hours, so the applicant plans both visits beforehand. A visit is possible while a
station is open (its opening hours, not on a Swedish holiday, not on a global, station or
organisation closing day) and a rostered admin with LoA3 rights for the applicant's
organisation is on duty there. The R7 days come from the process model (the active
loa3-reserve version for a new case, the case's own version after the first
verification), never from a Python constant.

The queries read only the shifts of the planning window, with each shift's admin and
rights in one round trip, so a plan costs what it returns, not the size of the roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import AdminRoster
from engine.model import CardStation
from engine.model import Case
from engine.model import ClosingDay
from engine.model import Organisation
from engine.model import Person
from engine.policy.calendar import SwedishCalendar
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import to_local
from engine.rights import has_role
from engine.services.deadlines import newest_second_verification_days
from engine.services.deadlines import second_verification_days
from engine.services.directory import find_user
from engine.services.directory import resolve_holder
from engine.services.policy import PolicyReader
from engine.services.read_scope import PERSON_CLAUSE
from engine.services.read_scope import Reader
from engine.services.read_scope import not_found
from engine.services.read_scope import read_scope
from engine.services.runtime import Runtime

LOA3_PROCESS = "loa3-reserve"
LOA3_ROLE = "loa3_admin"
DEFAULT_PAIRS = 5
MAX_PAIRS = 50
# How far ahead a first visit is looked for (a month of local days).
SEARCH_DAYS = 31
_WEEKEND = {5: "lördag", 6: "söndag"}


@dataclass(frozen=True)
class Visit:
    """An admin on duty at an open station from `starts_at` to `ends_at`."""

    station: str
    station_name: str
    admin: str
    admin_name: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class VisitPair:
    """Two visits to two different admins; the second starts before `deadline` (R7)."""

    first: Visit
    second: Visit
    deadline: datetime


@dataclass(frozen=True)
class StationPlan:
    holder: str
    r7_days: int
    pairs: tuple[VisitPair, ...]


@dataclass(frozen=True)
class SecondVisits:
    """After the first verification: where the second can happen before the deadline."""

    r7_days: int
    deadline: datetime
    visits: tuple[Visit, ...]


def plan_visits(
    runtime: Runtime,
    clock: Clock,
    holder: str,
    start: datetime,
    limit: int = DEFAULT_PAIRS,
    *,
    reader: Reader | None = None,
) -> StationPlan:
    """R8: the earliest pairs of visits from `start` for a new LoA3 case of `holder`.

    With a `reader` (S2), a holder outside the reader's scope, or not in the directory at
    all, is the same "not found", so the plan does not tell who exists."""
    if not 1 <= limit <= MAX_PAIRS:
        raise Invalid(
            f"Antalet förslag ska vara 1–{MAX_PAIRS}. / The number of proposals must be "
            f"1–{MAX_PAIRS}."
        )
    with runtime.database.sessions() as session:
        person = _holder(session, holder, to_local(clock.now()).date(), reader)
        days = _r7_days(newest_second_verification_days(session, LOA3_PROCESS))
        organisations = _employers(person, to_local(start).date())
        end = add_local_days(start, SEARCH_DAYS + days)
        visits = _visits(session, start, end, organisations, exclude={person.id})
        pairs = _pairs(visits, days, limit)
        return StationPlan(person.identity_number or person.label, days, tuple(pairs))


def second_visits(runtime: Runtime, clock: Clock, case_id: int) -> SecondVisits | None:
    """R7/R8 on the case page: the visits left for the second verification, or None when
    the case is not a LoA3 case waiting for it."""
    now = clock.now()
    with runtime.database.sessions() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"Inget ärende {case_id}. / No case {case_id}.")
        days = second_verification_days(case.process_version)
        if case.state != "open" or days is None or case.holder is None:
            return None
        if not any(t.name == "second_verification" and t.state == "ready" for t in case.tasks):
            return None
        deadline = add_local_days(case.started_at, days)
        if deadline <= now:
            return None
        visits = _visits(
            session,
            now,
            deadline,
            [case.organisation],
            exclude={case.started_by_id, case.holder.id},
        )
        return SecondVisits(days, deadline, tuple(visits))


def _holder(session: Session, text: str, on: date, reader: Reader | None) -> Person:
    if reader is None:
        return resolve_holder(session, text, on)
    missing = not_found(f"Ingen person '{text}'", f"No person '{text}'")
    try:
        person = resolve_holder(session, text, on)
    except (NotPermitted, Invalid):
        raise missing from None
    scope = read_scope(session, find_user(session, reader.username), reader.now)
    visible = session.scalar(
        select(Person.id).where(Person.id == person.id, PERSON_CLAUSE), scope.parameters()
    )
    if visible is None:
        raise missing
    return person


def _r7_days(days: int | None) -> int:
    if days is None:
        raise NotFound(
            "Processen loa3-reserve har ingen R7-tidsgräns; inget besök kan planeras. / "
            "The loa3-reserve process has no R7 deadline; no visit can be planned.",
            rule="R7",
        )
    return days


def _employers(person: Person, on: date) -> list[Organisation]:
    found = [e.organisation for e in person.employments if e.is_active_on(on)]
    if not found:
        raise Invalid(
            f"{person.display_name} har ingen anställning den {on} (R3). / "
            f"{person.display_name} has no employment on {on} (R3).",
            rule="R3",
        )
    return found


def _visits(
    session: Session,
    start: datetime,
    end: datetime,
    organisations: Sequence[Organisation],
    exclude: set[int],
) -> list[Visit]:
    """Every open, staffed window in [start, end) with a LoA3 admin for `organisations`."""
    shifts = [
        _Duty(shift.person, station, shift.starts_at, shift.ends_at)
        for shift, station in session.execute(
            select(AdminRoster, CardStation)
            .join(CardStation, CardStation.id == AdminRoster.station_id)
            .where(AdminRoster.ends_at > start, AdminRoster.starts_at < end)
            .order_by(AdminRoster.starts_at, AdminRoster.id)
            .options(
                selectinload(AdminRoster.person).selectinload(Person.rights),
                selectinload(CardStation.opening_hours),
            )
        ).all()
    ]
    shifts += _unrostered_duty(session, start, end)
    if not shifts:
        return []
    closed = _closing_days(session, to_local(start).date(), to_local(end).date())
    calendar = PolicyReader(session).calendar
    visits: list[Visit] = []
    for shift in shifts:
        station = shift.station
        if shift.person.id in exclude:
            continue
        lineage = {o.id for o in station.organisation.lineage()}
        for day in _local_days(max(shift.starts_at, start), min(shift.ends_at, end)):
            if _closed(calendar, closed, day, station.id, lineage):
                continue
            if not any(has_role(shift.person, LOA3_ROLE, day, org) for org in organisations):
                continue  # R5, R6: trained, approved, rights in force for the applicant
            for hours in station.opening_hours:
                if hours.weekday != day.weekday():
                    continue
                opens = _at(day, hours.opens.hour, hours.opens.minute)
                closes = _at(day, hours.closes.hour, hours.closes.minute)
                begin = max(opens, shift.starts_at, start)
                finish = min(closes, shift.ends_at, end)
                if begin < finish:
                    visits.append(
                        Visit(
                            station.code,
                            station.name,
                            shift.person.label,
                            shift.person.display_name,
                            begin,
                            finish,
                        )
                    )
    visits.sort(key=lambda v: (v.starts_at, v.station, v.admin))
    return visits


@dataclass(frozen=True)
class _Duty:
    person: Person
    station: CardStation
    starts_at: datetime
    ends_at: datetime


def _unrostered_duty(session: Session, start: datetime, end: datetime) -> list[_Duty]:
    """A station that has never kept a roster (as the demo region's): its LoA3 admins, by
    the station their right names, count as on duty whenever it is open, as the staffing
    report counts them. A station with a roster is judged by its roster only."""
    rostered = select(AdminRoster.id).where(AdminRoster.station_id == CardStation.id).exists()
    stations = session.scalars(
        select(CardStation).where(~rostered).options(selectinload(CardStation.opening_hours))
    ).all()
    if not stations:
        return []
    rights = session.scalars(
        select(AdminRight)
        .where(AdminRight.station_id.in_([s.id for s in stations]))
        .options(selectinload(AdminRight.person).selectinload(Person.rights))
    ).all()
    by_id = {s.id: s for s in stations}
    people = {(r.person_id, r.station_id): r.person for r in rights if r.station_id is not None}
    return [
        _Duty(person, by_id[station_id], start, end)
        for (_, station_id), person in sorted(people.items())
    ]


def _pairs(visits: Sequence[Visit], days: int, limit: int) -> list[VisitPair]:
    """The earliest first visits, each with the earliest second visit to another admin
    that starts before the first visit's time + R7 days. Two admins on duty together make
    one proposal, not one per order in which they could verify."""
    pairs: list[VisitPair] = []
    proposed: set[frozenset[tuple[str, str, datetime]]] = set()
    for first in visits:
        deadline = add_local_days(first.starts_at, days)
        for candidate in visits:
            if candidate.admin == first.admin or candidate.ends_at <= first.starts_at:
                continue
            begins = max(candidate.starts_at, first.starts_at)
            if begins >= deadline:
                continue
            second = Visit(
                candidate.station,
                candidate.station_name,
                candidate.admin,
                candidate.admin_name,
                begins,
                candidate.ends_at,
            )
            key = frozenset((v.admin, v.station, v.starts_at) for v in (first, second))
            if key not in proposed:
                proposed.add(key)
                pairs.append(VisitPair(first, second, deadline))
            break
        if len(pairs) >= limit:
            break
    return pairs


def _closing_days(session: Session, first: date, last: date) -> list[ClosingDay]:
    """The station and organisation closing days of the window (global ones are in the
    calendar)."""
    return list(
        session.scalars(
            select(ClosingDay).where(
                ClosingDay.day >= first,
                ClosingDay.day <= last,
                (ClosingDay.station_id.is_not(None)) | (ClosingDay.organisation_id.is_not(None)),
            )
        )
    )


def _closed(
    calendar: SwedishCalendar,
    closing: Iterable[ClosingDay],
    day: date,
    station_id: int,
    lineage: set[int],
) -> bool:
    """A Swedish holiday (or a holiday eve counted as one), a global closing day (both in
    the calendar in force), or a closing day of this station or its organisation (or one
    above it). A weekend day is not closed here: the opening hours say whether it opens."""
    reason = calendar.closed_reason(day)
    if reason is not None and reason != _WEEKEND.get(day.weekday()):
        return True
    return any(
        row.day == day and (row.station_id == station_id or row.organisation_id in lineage)
        for row in closing
    )


def _local_days(start: datetime, end: datetime) -> list[date]:
    first, last = to_local(start).date(), to_local(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)
