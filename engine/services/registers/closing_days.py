"""Local closing days (DOMAIN conventions: a process owner adds them to the calendar).

A day with neither station nor organisation closes the whole calendar (office hours R12,
service-desk hours R9; engine.services.policy reads those). A day for a station, or for an
organisation and its units' stations, closes only those stations for R8 planning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select
from sqlalchemy import select

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import ClosingDay
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.registers.common import CLOSING_DAY_OWNERS
from engine.services.registers.common import organisation_by_code
from engine.services.registers.common import owner
from engine.services.registers.common import station_by_code
from engine.services.registers.common import today
from engine.services.runtime import Runtime

MAX_LISTED_DAYS = 3660
MAX_REASON = 200  # the column's width (engine.model.organisation.ClosingDay.reason)


@dataclass(frozen=True)
class ClosingDayRow:
    id: int
    day: date
    reason: str
    station: str | None
    organisation: str | None


def add_closing_day(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    day: date,
    reason: str,
    *,
    station: str | None = None,
    organisation: str | None = None,
) -> ClosingDayRow:
    if not reason.strip():
        raise Invalid("Ange varför dagen är stängd. / Give the reason the day is closed.")
    if len(reason.strip()) > MAX_REASON:
        raise Invalid(
            f"Skälet får vara högst {MAX_REASON} tecken. / The reason may be at most "
            f"{MAX_REASON} characters."
        )
    if station and organisation:
        raise Invalid(
            "Ange kortstation eller organisation, inte båda. / "
            "Give a card station or an organisation, not both."
        )
    on = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        at_station = station_by_code(session, station) if station else None
        org = organisation_by_code(session, organisation) if organisation else None
        scope = at_station.organisation if at_station is not None else org
        person, role = owner(session, actor, CLOSING_DAY_OWNERS, on, scope)
        same = select(ClosingDay).where(
            ClosingDay.day == day,
            ClosingDay.station_id.is_(None)
            if at_station is None
            else ClosingDay.station_id == at_station.id,
            ClosingDay.organisation_id.is_(None)
            if org is None
            else ClosingDay.organisation_id == org.id,
        )
        if session.scalars(same).first() is not None:
            raise Conflict(
                f"{day} är redan en stängd dag här. / {day} is already a closing day here."
            )
        row = ClosingDay(day=day, reason=reason.strip(), station=at_station, organisation=org)
        session.add(row)
        uow.flush()
        shown = _row(row)
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "closing_day_added",
            rule="R8" if scope is not None else None,
            details=_details(shown),
        )
        uow.commit()
        return shown


def remove_closing_day(runtime: Runtime, clock: Clock, actor: str, row_id: int) -> ClosingDayRow:
    on = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        row = session.get(ClosingDay, row_id)
        if row is None:
            raise NotFound(f"Ingen stängd dag med id {row_id}. / No closing day {row_id}.")
        scope = row.station.organisation if row.station is not None else row.organisation
        person, role = owner(session, actor, CLOSING_DAY_OWNERS, on, scope)
        shown = _row(row)
        session.delete(row)
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "closing_day_removed",
            details=_details(shown),
        )
        uow.commit()
        return shown


def list_closing_days(runtime: Runtime, start: date, end: date) -> list[ClosingDayRow]:
    """Every closing day from `start` to `end` (at most ten years), by day. Closing days
    are no personal data: anyone signed in may read them."""
    with runtime.database.sessions() as session:
        return [_row(r) for r in session.scalars(_in_period(start, end))]


def closing_days_page(
    runtime: Runtime,
    start: date,
    end: date,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ClosingDayRow]:
    """`list_closing_days` one keyset page at a time (by day, then id), for the API."""
    size = page_size(limit)
    query = _in_period(start, end).limit(size + 1)
    if cursor is not None:
        after_day, after_id = decode_cursor(cursor, (str, int))
        try:
            after = date.fromisoformat(str(after_day))
        except ValueError:
            raise Invalid("Ogiltig sidmarkör. / Invalid page cursor.") from None
        query = query.where(
            (ClosingDay.day > after) | ((ClosingDay.day == after) & (ClosingDay.id > after_id))
        )
    with runtime.database.sessions() as session:
        rows = [_row(r) for r in session.scalars(query)]
    return split_page(rows, size, lambda row: (row.day.isoformat(), row.id))


def _in_period(start: date, end: date) -> Select[ClosingDay]:
    if end < start or (end - start).days > MAX_LISTED_DAYS:
        raise Invalid(
            "Välj en period på högst tio år, början före slut. / "
            "Choose a period of at most ten years, start before end."
        )
    return (
        select(ClosingDay)
        .where(ClosingDay.day >= start, ClosingDay.day <= end)
        .order_by(ClosingDay.day, ClosingDay.id)
    )


def _row(row: ClosingDay) -> ClosingDayRow:
    return ClosingDayRow(
        id=row.id,
        day=row.day,
        reason=row.reason,
        station=row.station.code if row.station is not None else None,
        organisation=row.organisation.code if row.organisation is not None else None,
    )


def _details(row: ClosingDayRow) -> dict[str, object]:
    return {
        "day": row.day.isoformat(),
        "reason": row.reason,
        "station": row.station,
        "organisation": row.organisation,
    }
