"""The demo region of CONTRACT.md: Region Demo, two card stations, eight users, four card
users and fifty blank reserve cards, all valid from 2024-01-01 (idempotent)."""

from __future__ import annotations

from datetime import date
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.model import AdminRight
from engine.model import CardStation
from engine.model import Employment
from engine.model import OpeningHours
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.passwords import hash_password
from engine.policy.identity import parse_identity_number
from engine.rights import AUDITOR
from engine.rights import ID_ADMIN_FULL
from engine.rights import MANAGER
from engine.rights import PROCESS_OWNER
from engine.rights import REMOTE_RESERVE_ADMIN
from engine.rights import RESERVE_LOA2
from engine.rights import RESERVE_LOA3
from engine.rights import SERVICE_DESK
from engine.rights import SYSTEM_ADMIN
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.deploy import deploy_bundled
from engine.services.runtime import Runtime

DEMO_FROM = date(2024, 1, 1)
DEMO_PASSWORD = "demo"
REGION = "region-demo"
UNIT = "hemtjanst-demo"
STOCK_SIZE = 50

STATIONS = {
    "halmstad": ("Kortstation Halmstad", [(d, time(8), time(16)) for d in range(5)]),
    "kungsbacka": ("Kortstation Kungsbacka", [(1, time(9), time(12)), (3, time(9), time(12))]),
}
# user: (name, organisation, station, [rights])
STAFF = {
    "anna": ("Anna Andersson", REGION, "halmstad", [RESERVE_LOA3]),
    "bertil": ("Bertil Berg", REGION, "kungsbacka", [RESERVE_LOA3]),
    "cecilia": ("Cecilia Carlsson", REGION, "halmstad", [RESERVE_LOA2]),
    "david": ("David Dahl", UNIT, None, [REMOTE_RESERVE_ADMIN]),
    "sara": ("Sara Svensson", REGION, None, [SERVICE_DESK]),
    "petra": ("Petra Persson", REGION, None, [PROCESS_OWNER, SYSTEM_ADMIN]),
    "maria": ("Maria Månsson", REGION, None, [MANAGER]),
    "olof": ("Olof Olsson", REGION, None, [AUDITOR]),
    # R5: full rights (ordinary cards, reserve LoA2 and LoA3), trained and approved.
    "elin": ("Elin Ekström", REGION, "halmstad", [ID_ADMIN_FULL]),
}
CARD_USERS = {
    "erik": ("Erik Ek", "19121212-1212", UNIT),
    "frida": ("Frida Fors", "19850315-1238", REGION),
    "hanna": ("Hanna Holm", "20100605-2342", REGION),
    "ivan": ("Ivan Ivanov", "19700163-2392", REGION),
}


def load_demo(runtime: Runtime, clock: Clock) -> bool:
    """Load the demo region; False when it was already there (nothing changes then)."""
    deploy_bundled(runtime, clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        if session.scalars(select(Organisation).where(Organisation.code == REGION)).first():
            added = _add_missing_staff(session)
            if added:
                record(
                    session,
                    clock,
                    AuditContext(actor="system", role="system_admin"),
                    "demo_loaded",
                    details={"added": added},
                )
                uow.commit()
            return bool(added)
        # R20: Region Demo allows forgotten-card temporary cards; hemtjanst-demo does not.
        region = Organisation(code=REGION, name="Region Demo", allows_forgotten_card=True)
        unit = Organisation(
            code=UNIT,
            name="Hemtjänst Demo kommun",
            parent=region,
            accepts_loa2_after_national_end=True,  # R14: its own systems accept LoA2
        )
        session.add_all([region, unit])
        organisations = {REGION: region, UNIT: unit}
        stations = _stations(session, region)
        password = hash_password(DEMO_PASSWORD)
        for username in STAFF:
            _add_staff(session, username, organisations, stations, password)
        for username, (name, number, org) in CARD_USERS.items():
            identity = parse_identity_number(number, on=DEMO_FROM)
            person = Person(
                username=username,
                display_name=name,
                identity_number=identity.number,
                birth_date=identity.birth_date,
                email=f"{username}@region-demo.example",
                password_hash=password,
            )
            session.add(person)
            session.add(
                Employment(person=person, organisation=organisations[org], start_date=DEMO_FROM)
            )
        for n in range(1, STOCK_SIZE + 1):
            session.add(
                ReserveCard(number=f"RK{n:06d}", organisation=region, produced_on=DEMO_FROM)
            )
        uow.flush()
        record(session, clock, AuditContext(actor="system", role="system_admin"), "demo_loaded")
        uow.commit()
        return True


def _add_staff(
    session: Session,
    username: str,
    organisations: dict[str, Organisation],
    stations: dict[str, CardStation],
    password: str,
) -> None:
    name, org, station, rights = STAFF[username]
    person = Person(
        username=username,
        display_name=name,
        email=f"{username}@region-demo.example",
        password_hash=password,
    )
    session.add(person)
    session.add(Employment(person=person, organisation=organisations[org], start_date=DEMO_FROM))
    for right in rights:
        session.add(
            AdminRight(
                person=person,
                right=right,
                organisation=organisations[org],
                station=stations.get(station or ""),
                trained_on=DEMO_FROM,
                approved_on=DEMO_FROM,
                valid_from=DEMO_FROM,
            )
        )


def _add_missing_staff(session: Session) -> list[str]:
    """Staff added to the demo after a database was loaded (elin, issue 12), so that
    `demo load` on an older demo database brings it up to CONTRACT.md's table."""
    known = set(session.scalars(select(Person.username).where(Person.username.in_(STAFF))))
    missing = [username for username in STAFF if username not in known]
    if not missing:
        return []
    organisations = {
        org.code: org
        for org in session.scalars(
            select(Organisation).where(Organisation.code.in_([REGION, UNIT]))
        )
    }
    stations = {station.code: station for station in session.scalars(select(CardStation))}
    password = hash_password(DEMO_PASSWORD)
    for username in missing:
        _add_staff(session, username, organisations, stations, password)
    return missing


def _stations(session: Session, region: Organisation) -> dict[str, CardStation]:
    stations = {}
    for code, (name, hours) in STATIONS.items():
        station = CardStation(code=code, name=name, organisation=region)
        session.add(station)
        for weekday, opens, closes in hours:
            session.add(OpeningHours(station=station, weekday=weekday, opens=opens, closes=closes))
        stations[code] = station
    return stations
