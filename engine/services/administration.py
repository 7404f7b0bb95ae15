"""The system administrator's registers: people, their rights (R5) and card stations (R8).

Every change is checked here, refused with a message per field (as a form is), and
audited with who changed what. LoA3 rights need both a training and an approval date
(R5: LoA2 admins do not get LoA3 rights automatically).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.forms import FormInvalid
from engine.model import AdminRight
from engine.model import CardStation
from engine.model import OpeningHours
from engine.model import Organisation
from engine.model import Person
from engine.passwords import hash_password
from engine.policy.identity import parse_identity_number
from engine.policy.timekeeping import to_local
from engine.rights import RIGHTS
from engine.rights import RIGHTS_NEEDING_TRAINING
from engine.services.accounts import end_sessions_of
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.runtime import Runtime

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9._-]{2,64}$")
_CODE = re.compile(r"^[a-z0-9-]{2,64}$")
_HOURS = re.compile(r"^([0-2][0-9]):([0-5][0-9])\s*-\s*([0-2][0-9]):([0-5][0-9])$")
WEEKDAYS = range(7)


class _Problems:
    """Collects (field, Swedish, English) and raises one FormInvalid naming them all."""

    def __init__(self) -> None:
        self.sv: dict[str, str] = {}
        self.en: dict[str, str] = {}

    def add(self, field: str, sv: str, en: str) -> None:
        self.sv.setdefault(field, sv)
        self.en.setdefault(field, en)

    def raise_any(self) -> None:
        if self.sv:
            raise FormInvalid(self.sv, self.en)


def registers(runtime: Runtime) -> dict[str, Any]:
    """People, stations and the choices the edit forms offer."""
    with runtime.database.sessions() as session:
        people = session.scalars(select(Person).order_by(Person.display_name)).all()
        return {
            "people": [_person_row(p) for p in people],
            "stations": [_station_row(s) for s in _stations(session)],
            "organisations": _organisations(session),
            "rights": list(RIGHTS),
        }


def person_detail(runtime: Runtime, person_id: int) -> dict[str, Any]:
    with runtime.database.sessions() as session:
        person = _person(session, person_id)
        row = _person_row(person)
        row["rights"] = [
            {
                "id": r.id,
                "right": r.right,
                "organisation": r.organisation.code,
                "station": r.station.code if r.station else "",
                "trained_on": r.trained_on,
                "approved_on": r.approved_on,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
            }
            for r in person.rights
        ]
        return row


def save_person(
    runtime: Runtime, clock: Clock, actor: str, person_id: int | None, values: Mapping[str, str]
) -> int:
    """Create (person_id None) or update a person; returns the person's id."""
    problems = _Problems()
    username = values.get("username", "").strip()
    name = values.get("display_name", "").strip()
    email = values.get("email", "").strip()
    number = values.get("identity_number", "").strip()
    password = values.get("password", "")
    if username and not _USERNAME.match(username):
        problems.add(
            "username",
            "Användarnamnet får ha 2–64 tecken a–z, 0–9, . _ -.",
            "The user name may have 2–64 characters a–z, 0–9, . _ -.",
        )
    if not name:
        problems.add("display_name", "Ange ett namn.", "Enter a name.")
    if email and "@" not in email:
        problems.add("email", "E-postadressen saknar @.", "The e-mail address lacks @.")
    if number:
        try:
            number = parse_identity_number(number, on=to_local(clock.now()).date()).number
        except Invalid as error:
            sv, _, en = error.message.partition(" / ")
            problems.add("identity_number", sv, en or sv)
    if password and len(password) < MIN_PASSWORD_LENGTH:
        problems.add(
            "password",
            f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.",
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if password and not username:
        problems.add(
            "username",
            "Den som ska logga in behöver ett användarnamn.",
            "Someone who signs in needs a user name.",
        )
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person = _person(session, person_id) if person_id is not None else Person(display_name="")
        for column, value, sv, en in (
            (Person.username, username, "Användarnamnet finns redan.", "The user name is taken."),
            (
                Person.identity_number,
                number,
                "Numret finns redan hos en annan person.",
                "The number already belongs to another person.",
            ),
        ):
            if value:
                other = session.scalars(select(Person).where(column == value)).first()
                if other is not None and other.id != person_id:
                    problems.add(column.key, sv, en)
        problems.raise_any()
        # A new password (a reset) or another user name ends every session of the person.
        ends_sessions = person_id is not None and (
            bool(password) or person.username != (username or None)
        )
        person.username = username or None
        person.display_name = name
        person.email = email or None
        person.identity_number = number or None
        if number:
            person.birth_date = parse_identity_number(
                number, on=to_local(clock.now()).date()
            ).birth_date
        if password:
            person.password_hash = hash_password(password)
            person.failed_logins = 0
            person.locked_until = None
        session.add(person)
        uow.flush()
        ended = end_sessions_of(session, person.id) if ends_sessions else 0
        action = "person_created" if person_id is None else "person_updated"
        record(
            session,
            clock,
            AuditContext(actor=actor, role="system_admin"),
            action,
            details={
                "person": person.id,
                "username": username,
                "password_set": bool(password),
                "sessions_ended": ended,
            },
        )
        uow.commit()
        return person.id


def save_right(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    person_id: int,
    right_id: int | None,
    values: Mapping[str, str],
) -> int:
    """Grant or change one right; LoA3 rights need training and approval dates (R5)."""
    problems = _Problems()
    right_name = values.get("right", "").strip()
    if right_name not in RIGHTS:
        problems.add("right", "Välj en behörighet.", "Choose a right.")
    dates = {
        f: _date(values, f, problems)
        for f in ("trained_on", "approved_on", "valid_from", "valid_to")
    }
    if dates["valid_from"] is None and "valid_from" not in problems.sv:
        problems.add(
            "valid_from",
            "Ange från vilket datum behörigheten gäller.",
            "Enter the date the right is valid from.",
        )
    if right_name in RIGHTS_NEEDING_TRAINING:
        for f, sv, en in (
            ("trained_on", "utbildning", "training"),
            ("approved_on", "godkännande", "approval"),
        ):
            if dates[f] is None and f not in problems.sv:
                problems.add(
                    f,
                    f"LoA3-behörighet kräver datum för {sv} (R5).",
                    f"A LoA3 right needs the date of {en} (R5).",
                )
    start, end = dates["valid_from"], dates["valid_to"]
    if start and end and end < start:
        problems.add(
            "valid_to",
            "Slutdatumet ligger före startdatumet.",
            "The end date is before the start date.",
        )
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person = _person(session, person_id)
        organisation = session.scalars(
            select(Organisation).where(Organisation.code == values.get("organisation", ""))
        ).first()
        if organisation is None:
            problems.add("organisation", "Välj en organisation.", "Choose an organisation.")
        station_code = values.get("station", "").strip()
        station = None
        if station_code:
            station = session.scalars(
                select(CardStation).where(CardStation.code == station_code)
            ).first()
            if station is None:
                problems.add("station", "Okänd kortstation.", "Unknown card station.")
        problems.raise_any()
        assert organisation is not None and start is not None
        if right_id is None:
            right = AdminRight(person=person, valid_from=start)
        else:
            right = _right(session, person, right_id)
        right.right = right_name
        right.organisation = organisation
        right.station = station
        right.trained_on = dates["trained_on"]
        right.approved_on = dates["approved_on"]
        right.valid_from = start
        right.valid_to = end
        session.add(right)
        uow.flush()
        record(
            session,
            clock,
            AuditContext(actor=actor, role="system_admin"),
            "right_granted" if right_id is None else "right_changed",
            rule="R5",
            details={
                "person": person.id,
                "right": right_name,
                "organisation": organisation.code,
                **{k: v.isoformat() if v else None for k, v in dates.items()},
            },
        )
        uow.commit()
        return right.id


def station_detail(runtime: Runtime, station_id: int) -> dict[str, Any]:
    with runtime.database.sessions() as session:
        station = session.get(CardStation, station_id)
        if station is None:
            raise NotFound(
                f"Ingen kortstation med id {station_id}. / No card station {station_id}."
            )
        return _station_row(station)


def save_station(
    runtime: Runtime, clock: Clock, actor: str, station_id: int | None, values: Mapping[str, str]
) -> int:
    """Create or change a card station and its opening hours (`hours_0` … `hours_6`,
    "08:00-16:00", empty when closed) (R8)."""
    problems = _Problems()
    code = values.get("code", "").strip()
    name = values.get("name", "").strip()
    if not _CODE.match(code):
        problems.add(
            "code",
            "Koden får ha 2–64 tecken a–z, 0–9 och -.",
            "The code may have 2–64 characters a–z, 0–9 and -.",
        )
    if not name:
        problems.add("name", "Ange ett namn.", "Enter a name.")
    hours: list[tuple[int, time, time]] = []
    for weekday in WEEKDAYS:
        text = values.get(f"hours_{weekday}", "").strip()
        if not text:
            continue
        match = _HOURS.match(text)
        parsed = _interval(match) if match else None
        if parsed is None:
            problems.add(
                f"hours_{weekday}",
                "Skriv tiden som 08:00-16:00, öppning före stängning.",
                "Write the hours as 08:00-16:00, opening before closing.",
            )
        else:
            hours.append((weekday, *parsed))
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        organisation = session.scalars(
            select(Organisation).where(Organisation.code == values.get("organisation", ""))
        ).first()
        if organisation is None:
            problems.add("organisation", "Välj en organisation.", "Choose an organisation.")
        other = session.scalars(select(CardStation).where(CardStation.code == code)).first()
        if other is not None and other.id != station_id:
            problems.add("code", "Koden finns redan.", "The code is taken.")
        problems.raise_any()
        if station_id is None:
            station = CardStation(code=code)
        else:
            found = session.get(CardStation, station_id)
            if found is None:
                raise NotFound(
                    f"Ingen kortstation med id {station_id}. / No card station {station_id}."
                )
            station = found
        station.code = code
        station.name = name
        assert organisation is not None
        station.organisation = organisation
        session.add(station)
        for old in list(station.opening_hours):
            session.delete(old)
        uow.flush()
        for weekday, opens, closes in hours:
            session.add(OpeningHours(station=station, weekday=weekday, opens=opens, closes=closes))
        record(
            session,
            clock,
            AuditContext(actor=actor, role="system_admin"),
            "station_created" if station_id is None else "station_changed",
            rule="R8",
            details={"station": code, "hours": [f"{d} {o:%H:%M}-{c:%H:%M}" for d, o, c in hours]},
        )
        uow.commit()
        return station.id


def _interval(match: re.Match[str]) -> tuple[time, time] | None:
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or (h2 == 24 and m2 > 0):
        return None
    opens, closes = time(h1, m1), time(min(h2, 23), 59 if h2 == 24 else m2)
    return (opens, closes) if opens < closes else None


def _date(values: Mapping[str, str], field: str, problems: _Problems) -> date | None:
    text = values.get(field, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(field, "Skriv datumet som 2026-01-31.", "Write the date as 2026-01-31.")
        return None


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Ingen person med id {person_id}. / No person with id {person_id}.")
    return person


def _right(session: Session, person: Person, right_id: int) -> AdminRight:
    right = session.get(AdminRight, right_id)
    if right is None or right.person_id != person.id:
        raise NotFound(f"Ingen behörighet med id {right_id}. / No right with id {right_id}.")
    return right


def _person_row(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "username": person.username or "",
        "display_name": person.display_name,
        "email": person.email or "",
        "identity_number": person.identity_number or "",
        "can_sign_in": person.password_hash is not None,
        "locked_until": person.locked_until,
        "rights": [r.right for r in person.rights],
    }


def _stations(session: Session) -> list[CardStation]:
    return list(session.scalars(select(CardStation).order_by(CardStation.name)))


def _station_row(station: CardStation) -> dict[str, Any]:
    hours: dict[int, str] = {}
    for interval in station.opening_hours:
        hours[interval.weekday] = f"{interval.opens:%H:%M}-{interval.closes:%H:%M}"
    return {
        "id": station.id,
        "code": station.code,
        "name": station.name,
        "organisation": station.organisation.code,
        "hours": hours,
    }


def _organisations(session: Session) -> list[tuple[str, str]]:
    return [
        (o.code, o.name) for o in session.scalars(select(Organisation).order_by(Organisation.name))
    ]
