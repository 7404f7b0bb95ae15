"""What every register shares: who owns it (rights on the day), and parsing of dates.

A register belongs to roles (engine.rights lanes); a user holding one of them for the
organisation concerned, or one above it, may change it. Everyone else is refused and
nothing changes.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import CardStation
from engine.model import Organisation
from engine.model import Person
from engine.policy.timekeeping import to_local
from engine.rights import has_role
from engine.rights import role_label
from engine.services.directory import find_organisation
from engine.services.directory import find_user

# Who owns which register (engine.rights role names).
STOCK_OWNERS = ("service_desk", "system_admin")
EMPLOYMENT_OWNERS = ("service_desk", "system_admin")
CLOSING_DAY_OWNERS = ("process_owner", "system_admin")
SETTING_OWNERS = ("process_owner", "system_admin")
ROSTER_OWNERS = ("manager", "system_admin")


def today(clock: Clock) -> date:
    return to_local(clock.now()).date()


def owner(
    session: Session,
    username: str,
    roles: tuple[str, ...],
    on: date,
    organisation: Organisation | None = None,
) -> tuple[Person, str]:
    """The acting user and the role by which they keep this register, or a refusal."""
    actor = find_user(session, username, employments=False)
    for role in roles:
        if has_role(actor, role, on, organisation):
            return actor, role
    where_sv = f" för {organisation.name}" if organisation else ""
    where_en = f" for {organisation.name}" if organisation else ""
    names_sv = " eller ".join(role_label(r, "sv") for r in roles)
    names_en = " or ".join(role_label(r, "en") for r in roles)
    raise NotPermitted(
        f"{actor.username} får inte ändra registret{where_sv}; det gör {names_sv}. / "
        f"{actor.username} may not change this register{where_en}; a {names_en} does."
    )


def parse_day(text: str, what_sv: str, what_en: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise Invalid(
            f"{what_sv}: skriv datumet som 2026-01-31, inte '{text}'. / "
            f"{what_en}: write the date as 2026-01-31, not '{text}'."
        ) from error


def station_by_code(session: Session, code: str) -> CardStation:
    station = session.scalars(select(CardStation).where(CardStation.code == code)).first()
    if station is None:
        raise NotFound(f"Okänd kortstation '{code}'. / Unknown card station '{code}'.")
    return station


def organisation_by_code(session: Session, code: str) -> Organisation:
    return find_organisation(session, code)


def iso(at: datetime | None) -> str | None:
    return None if at is None else to_local(at).isoformat()
