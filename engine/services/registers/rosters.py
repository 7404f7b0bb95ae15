"""Admin rosters: which ID administrator is on duty at which card station when (R8).

R8 planning (engine.services.station_plan) reads them; the staffing report counts them.
Only an ID administrator (LoA2 or LoA3 rights in force for the station's organisation)
is rostered; a person is never on two shifts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import AdminRoster
from engine.model import CardStation
from engine.model import Person
from engine.policy.timekeeping import to_local
from engine.rights import has_role
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.directory import find_user
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.paging import time_from_key
from engine.services.paging import time_key
from engine.services.registers.common import ROSTER_OWNERS
from engine.services.registers.common import owner
from engine.services.registers.common import station_by_code
from engine.services.registers.common import today
from engine.services.runtime import Runtime

MAX_SHIFT = timedelta(hours=24)
MAX_LISTED = timedelta(days=366)


@dataclass(frozen=True)
class Shift:
    id: int
    admin: str
    station: str
    starts_at: datetime
    ends_at: datetime


def add_shift(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    admin: str,
    station: str,
    starts_at: datetime,
    ends_at: datetime,
) -> Shift:
    if not starts_at < ends_at <= starts_at + MAX_SHIFT:
        raise Invalid(
            "Ett pass slutar efter sin början och är högst 24 timmar. / "
            "A shift ends after it starts and lasts at most 24 hours."
        )
    day = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        at = station_by_code(session, station)
        person, role = owner(session, actor, ROSTER_OWNERS, day, at.organisation)
        rostered = find_user(session, admin)
        on = to_local(starts_at).date()
        if not has_role(rostered, "loa2_admin", on, at.organisation):
            raise Invalid(
                f"{rostered.label} är inte ID-administratör för {at.organisation.name} den {on} "
                f"(R5). / {rostered.label} is not an ID administrator for "
                f"{at.organisation.name} on {on} (R5).",
                rule="R5",
            )
        overlap = session.scalars(
            select(AdminRoster.id).where(
                AdminRoster.person_id == rostered.id,
                AdminRoster.ends_at > starts_at,
                AdminRoster.starts_at < ends_at,
            )
        ).first()
        if overlap is not None:
            raise Conflict(
                f"{rostered.label} har redan ett pass som överlappar. / "
                f"{rostered.label} already has an overlapping shift."
            )
        row = AdminRoster(person=rostered, station=at, starts_at=starts_at, ends_at=ends_at)
        session.add(row)
        uow.flush()
        shift = _shift(row, rostered, at)
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "shift_added",
            rule="R8",
            details=_details(shift),
        )
        uow.commit()
        return shift


def remove_shift(runtime: Runtime, clock: Clock, actor: str, shift_id: int) -> Shift:
    day = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        row = session.get(AdminRoster, shift_id)
        if row is None:
            raise NotFound(f"Inget pass med id {shift_id}. / No shift {shift_id}.")
        person, role = owner(session, actor, ROSTER_OWNERS, day, row.station.organisation)
        shift = _shift(row, row.person, row.station)
        session.delete(row)
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "shift_removed",
            rule="R8",
            details=_details(shift),
        )
        uow.commit()
        return shift


def list_shifts(
    runtime: Runtime, start: datetime, end: datetime, station: str | None = None
) -> list[Shift]:
    """Shifts overlapping [start, end) (at most a year), by start. Who is on duty where is
    no personal data beyond the user name every colleague sees."""
    with runtime.database.sessions() as session:
        query = _overlapping(session, start, end, station)
        return [_shift(r, p, s) for r, p, s in session.execute(query)]


def shifts_page(
    runtime: Runtime,
    start: datetime,
    end: datetime,
    station: str | None = None,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Shift]:
    """`list_shifts` one keyset page at a time (by start, then id), for the API."""
    size = page_size(limit)
    with runtime.database.sessions() as session:
        query = _overlapping(session, start, end, station).limit(size + 1)
        if cursor is not None:
            after_text, after_id = decode_cursor(cursor, (str, int))
            after = time_from_key(after_text, cursor)
            query = query.where(
                (AdminRoster.starts_at > after)
                | ((AdminRoster.starts_at == after) & (AdminRoster.id > after_id))
            )
        rows = [_shift(r, p, s) for r, p, s in session.execute(query)]
    return split_page(rows, size, lambda shift: (time_key(shift.starts_at), shift.id))


def _overlapping(
    session: Session, start: datetime, end: datetime, station: str | None
) -> Select[AdminRoster, Person, CardStation]:
    if not start < end <= start + MAX_LISTED:
        raise Invalid(
            "Välj en period på högst ett år, början före slut. / "
            "Choose a period of at most a year, start before end."
        )
    query = (
        select(AdminRoster, Person, CardStation)
        .join(Person, Person.id == AdminRoster.person_id)
        .join(CardStation, CardStation.id == AdminRoster.station_id)
        .where(AdminRoster.ends_at > start, AdminRoster.starts_at < end)
        .order_by(AdminRoster.starts_at, AdminRoster.id)
    )
    if station is not None:
        query = query.where(AdminRoster.station_id == station_by_code(session, station).id)
    return query


def _shift(row: AdminRoster, person: Person, station: CardStation) -> Shift:
    return Shift(row.id, person.label, station.code, row.starts_at, row.ends_at)


def _details(shift: Shift) -> dict[str, object]:
    return {
        "admin": shift.admin,
        "station": shift.station,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }
