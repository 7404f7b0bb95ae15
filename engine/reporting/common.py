"""What every report shares: the period, streamed queries, the header facts, the staff.

The staff index loads organisations and administrators once per report: they are a few
hundred rows in a region, unlike certificates and audit rows, which are only streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TypeVarTuple
from typing import cast

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from engine.clock import Clock
from engine.errors import Invalid
from engine.model import AdminRight
from engine.model import Organisation
from engine.model import Person
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import require_supported_day
from engine.policy.timekeeping import to_local
from engine.rights import covers
from engine.rights import rights_granting
from engine.services.policy import PolicyReader

STREAM_BATCH_ROWS = 1000
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Period:
    """Whole local days, first and last included: `--from 2025-12-01 --to 2025-12-31`."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """The first instant of the period (local midnight of the first day), UTC."""
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The exclusive end: local midnight after the last day, UTC."""
        return end_of_local_day(self.last_day)

    def days(self) -> Iterator[date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)


def parse_day(text: str, option: str) -> date:
    """A calendar date `YYYY-MM-DD`, refused in a sentence naming the option."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"Ogiltigt datum för {option}: '{text}'. Ange ÅÅÅÅ-MM-DD, t.ex. 2025-12-01. / "
            f"Invalid date for {option}: '{text}'. Use YYYY-MM-DD, e.g. 2025-12-01."
        ) from None
    # A period reaching the calendar's ends overflowed into an internal fault (issue 10).
    require_supported_day(day, f"{option} {text}")
    return day


def parse_period(first: str, last: str) -> Period:
    """`--from` and `--to` as a Period; refuses malformed dates and a reversed period."""
    period = Period(parse_day(first, "--from"), parse_day(last, "--to"))
    if period.first_day > period.last_day:
        raise Invalid(
            f"Perioden är baklänges: --from {period.first_day} ligger efter --to "
            f"{period.last_day}. / The period is reversed: --from {period.first_day} is "
            f"after --to {period.last_day}."
        )
    return period


def stream(session: Session, statement: Select[*Ts]) -> Iterator[tuple[*Ts]]:
    """Rows in batches; psycopg then uses a server-side cursor, so no table is loaded whole."""
    result = session.execute(statement.execution_options(yield_per=STREAM_BATCH_ROWS))
    for row in result:
        yield cast("tuple[*Ts]", tuple(row))


def person_label(username: str | None, number: str | None, name: str | None) -> str:
    """How a person is shown in a table: `Erik Ek (erik)`, or the number without a login."""
    key = username or number or ""
    if name and key:
        return f"{name} ({key})"
    return name or key or "–"


@dataclass(frozen=True)
class ReportHeader:
    """The facts every page header prints, so a printed page says what judged it."""

    organisation: str
    generated_at: datetime
    policy_version: str
    calendar_version: str


def read_header(session: Session, clock: Clock, policy: PolicyReader) -> ReportHeader:
    """Top-level organisations' names, the clock, and the policy and calendar versions used."""
    names = session.scalars(
        select(Organisation.name).where(Organisation.parent_id.is_(None)).order_by(Organisation.id)
    ).all()
    return ReportHeader(
        organisation=", ".join(names) or "–",
        generated_at=to_local(clock.now()),
        policy_version=policy.version,
        calendar_version=policy.calendar.version,
    )


@dataclass
class StaffIndex:
    """Organisations and administrators with their rights, loaded once per report."""

    organisations: dict[int, Organisation]
    admins: list[Person]
    _by_id: dict[int, Person] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> StaffIndex:
        organisations = {org.id: org for org in session.scalars(select(Organisation))}
        admins = list(
            session.scalars(
                select(Person)
                .where(Person.id.in_(select(AdminRight.person_id)))
                .options(
                    selectinload(Person.rights).selectinload(AdminRight.station),
                    selectinload(Person.rights).selectinload(AdminRight.organisation),
                )
                .order_by(Person.username)
            )
        )
        return cls(organisations, admins, {person.id: person for person in admins})

    def accepts_loa2_after_national_end(self, organisation_id: int) -> bool:
        """R14: the organisation or one above it accepts LoA2 after 2026-06-30."""
        organisation = self.organisations.get(organisation_id)
        if organisation is None:
            return False
        return any(org.accepts_loa2_after_national_end for org in organisation.lineage())

    def organisation_name(self, organisation_id: int | None) -> str:
        organisation = self.organisations.get(organisation_id or -1)
        return organisation.name if organisation else "–"

    def station_of(self, person_id: int | None, role: str, on: date) -> str | None:
        """The card station of the person's right that grants `role` on `on` (R5, R8)."""
        person = self._by_id.get(person_id or -1)
        if person is None:
            return None
        for right in rights_granting(person, role, on):
            if right.station is not None:
                return right.station.name
        return None

    def people_with_role(self, role: str, organisation_id: int | None, on: date) -> list[Person]:
        """Administrators whose rights grant `role` for the organisation on `on`."""
        organisation = self.organisations.get(organisation_id or -1)
        return [
            person
            for person in self.admins
            if any(covers(right, organisation) for right in rights_granting(person, role, on))
        ]
