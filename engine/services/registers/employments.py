"""Employments as the directory records them (R3): add, end, list, and the import of a
directory export file (engine.services.registers.employment_import).

R3 reads these rows: no card is issued without an employment in the issuing organisation,
and no certificate runs past the employment's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.rights import ROLE_GRANTED_BY
from engine.rights import covers
from engine.rights import right_is_in_force
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.directory import resolve_holder
from engine.services.employment_end_schedule import Writer
from engine.services.employment_end_schedule import apply_step
from engine.services.employment_end_schedule import plan_step
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.registers.common import EMPLOYMENT_OWNERS
from engine.services.registers.common import organisation_by_code
from engine.services.registers.common import owner
from engine.services.registers.common import today
from engine.services.runtime import Runtime


@dataclass(frozen=True)
class EmploymentRow:
    id: int
    holder: str
    name: str
    organisation: str
    start_date: date
    end_date: date | None


def add_employment(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    holder: str,
    organisation: str,
    start: date,
    end: date | None = None,
    title: str = "",
) -> EmploymentRow:
    """Record an employment of a person already in the directory (R3)."""
    _check_period(start, end)
    day = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        org = organisation_by_code(session, organisation)
        person, role = owner(session, actor, EMPLOYMENT_OWNERS, day, org)
        holder_person = resolve_holder(session, holder, day)
        if _overlapping(holder_person, org, start, end):
            raise Conflict(
                f"{holder_person.display_name} har redan en anställning i {org.name} under "
                f"perioden. / {holder_person.display_name} already has an employment in "
                f"{org.name} in that period.",
                rule="R3",
            )
        employment = Employment(
            person=holder_person, organisation=org, start_date=start, end_date=end, title=title
        )
        session.add(employment)
        uow.flush()
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role, holder=holder_person.identity_number),
            "employment_added",
            rule="R3",
            details=_details(employment),
        )
        # R19: a fixed-term employment's end starts its employment-end case at once.
        planned = plan_step(session, None, end, existing=False, today=day)
        if planned is not None:
            apply_step(session, clock, Writer(person.id, person.label, role), employment, planned)
        uow.commit()
        return row_of(employment)


def end_employment(
    runtime: Runtime, clock: Clock, actor: str, employment_id: int, ends_on: date
) -> EmploymentRow:
    """Set the last day of an employment (R3: no certificate runs past it)."""
    day = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        employment = session.get(Employment, employment_id)
        if employment is None:
            raise NotFound(
                f"Ingen anställning med id {employment_id}. / No employment {employment_id}."
            )
        person, role = owner(session, actor, EMPLOYMENT_OWNERS, day, employment.organisation)
        _check_period(employment.start_date, ends_on)
        # R19: the end date starts (or moves) the employment's employment-end case.
        planned = plan_step(session, employment, ends_on, existing=True, today=day)
        employment.end_date = ends_on
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role, holder=employment.person.identity_number),
            "employment_ended",
            rule="R3",
            details=_details(employment),
        )
        if planned is not None:
            uow.flush()
            apply_step(session, clock, Writer(person.id, person.label, role), employment, planned)
        uow.commit()
        return row_of(employment)


def list_employments(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    *,
    organisation: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[EmploymentRow]:
    """Employments in the organisations the actor keeps, oldest row first, one page."""
    size = page_size(limit)
    day = today(clock)
    with runtime.database.sessions() as session:
        person, _role = owner(session, actor, EMPLOYMENT_OWNERS, day)
        kept = kept_organisations(session, person, day)
        if organisation is not None:
            org = organisation_by_code(session, organisation)
            kept = [org.id] if org.id in kept else []
        query = (
            select(Employment)
            .join(Person, Person.id == Employment.person_id)
            .where(Employment.organisation_id.in_(kept))
            .order_by(Employment.id)
            .limit(size + 1)
        )
        if cursor is not None:
            (after,) = decode_cursor(cursor, (int,))
            query = query.where(Employment.id > after)
        rows = [row_of(e) for e in session.scalars(query)]
        return split_page(rows, size, lambda row: (row.id,))


def kept_organisations(session: Session, person: Person, day: date) -> list[int]:
    """The organisations (and their units) whose employments the person keeps on `day`."""
    granting = frozenset().union(*(ROLE_GRANTED_BY[r] for r in EMPLOYMENT_OWNERS))
    rights = [r for r in person.rights if r.right in granting and right_is_in_force(r, day)]
    return [
        o.id for o in session.scalars(select(Organisation)) if any(covers(r, o) for r in rights)
    ]


def row_of(employment: Employment) -> EmploymentRow:
    person = employment.person
    return EmploymentRow(
        id=employment.id,
        holder=person.identity_number or person.label,
        name=person.display_name,
        organisation=employment.organisation.code,
        start_date=employment.start_date,
        end_date=employment.end_date,
    )


def _overlapping(person: Person, org: Organisation, start: date, end: date | None) -> bool:
    for other in person.employments:
        if other.organisation_id != org.id:
            continue
        if (other.end_date is None or start <= other.end_date) and (
            end is None or other.start_date <= end
        ):
            return True
    return False


def _check_period(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise Invalid(
            f"Anställningen slutar ({end}) före sin början ({start}). / "
            f"The employment ends ({end}) before it begins ({start})."
        )


def _details(employment: Employment) -> dict[str, object]:
    return {
        "employment": employment.id,
        "organisation": employment.organisation.code,
        "start_date": employment.start_date.isoformat(),
        "end_date": employment.end_date.isoformat() if employment.end_date else None,
    }
