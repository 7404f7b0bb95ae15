"""The staff directory as the use cases see it: users, holders and employments (R3)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_username
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.policy.identity import IdentityNumber
from engine.policy.identity import parse_identity_number

_LOOKS_LIKE_NUMBER = re.compile(r"^[0-9+\- ]+$")


# Built once so SQLAlchemy reuses their cache keys on every step.
_USER = select(Person).where(Person.username == bindparam("username"))
_ACTOR = _USER.options(joinedload(Person.rights), lazyload(Person.employments))
# A holder is judged by identity and employments (one query); rights load only if read.
_HOLDER_OPTIONS = (joinedload(Person.employments), lazyload(Person.rights))
_HOLDER_BY_NUMBER = (
    select(Person).where(Person.identity_number == bindparam("key")).options(*_HOLDER_OPTIONS)
)
_HOLDER_BY_USERNAME = (
    select(Person).where(Person.username == bindparam("key")).options(*_HOLDER_OPTIONS)
)


def find_user(session: Session, username: str, *, employments: bool = True) -> Person:
    """The acting user; an unknown name is refused before anything happens.

    `employments=False` reads the user with their rights in one query and leaves the
    employments to load only if read: an actor is judged by their rights (R5).
    """
    query = _USER if employments else _ACTOR
    username = normal_username(username)
    person = session.scalars(query, {"username": username}).unique().first()
    if person is None:
        raise NotFound(f"Okänd användare '{username}'. / Unknown user '{username}'.")
    return person


def find_organisation(session: Session, code: str) -> Organisation:
    organisation = session.scalars(select(Organisation).where(Organisation.code == code)).first()
    if organisation is None:
        raise NotFound(f"Okänd organisation '{code}'. / Unknown organisation '{code}'.")
    return organisation


def resolve_holder(session: Session, text: str, on: date) -> Person:
    """R3: the card user must be in the directory; `text` is a user name or a number."""
    text = text.strip()
    if _LOOKS_LIKE_NUMBER.match(text):
        query, shown = _HOLDER_BY_NUMBER, parse_identity_number(text, on=on).number
    else:
        query, shown = _HOLDER_BY_USERNAME, normal_username(text)
    person = session.scalars(query, {"key": shown}).unique().first()
    if person is None or person.identity_number is None:
        raise NotPermitted(
            f"{shown} finns inte i personkatalogen (HSA); inget kort kan utfärdas (R3). / "
            f"{shown} is not in the staff directory (HSA); no card can be issued (R3).",
            rule="R3",
        )
    return person


def identity_of(person: Person, on: date) -> IdentityNumber:
    assert person.identity_number is not None
    return parse_identity_number(person.identity_number, on=on)


def employment_in(person: Person, organisation: Organisation, on: date) -> Employment | None:
    """An employment active on `on` in `organisation` or a unit below it."""
    for employment in person.employments:
        if not employment.is_active_on(on):
            continue
        if any(org.id == organisation.id for org in employment.organisation.lineage()):
            return employment
    return None


def require_employment(person: Person, organisation: Organisation, on: date) -> Employment:
    """R3: refuse unless the holder is employed in the issuing organisation on `on`."""
    employment = employment_in(person, organisation, on)
    if employment is None:
        raise NotPermitted(
            f"{person.display_name} har ingen anställning i {organisation.name} enligt "
            f"personkatalogen den {on.isoformat()} (R3). / {person.display_name} has no "
            f"employment in {organisation.name} in the staff directory on {on.isoformat()} (R3).",
            rule="R3",
        )
    return employment
