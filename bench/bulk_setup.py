"""The organisations, admins and engine-made template cases the bulk loader copies.

Region 0 is the demo region of CONTRACT.md (Region Demo with hemtjanst-demo, admins anna,
bertil, david, sara); regions 1.. are generated, each a region with one unit, a card
station, a LoA3 admin, a remote admin, a service desk and one blank card, so that most
cases lie outside every demo admin's scope (R5 is per organisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import AdminRight
from engine.model import CardStation
from engine.model import CaseTask
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cases import TASK_READY
from engine.policy.timekeeping import STOCKHOLM
from engine.rights import REMOTE_RESERVE_ADMIN
from engine.rights import RESERVE_LOA3
from engine.rights import SERVICE_DESK
from engine.services import cases
from engine.services.demo import DEMO_FROM
from engine.services.demo import REGION
from engine.services.demo import UNIT
from engine.services.runtime import Runtime

DEMO_REGION = REGION
# The instant the templates are made: a Monday evening, outside office hours (R12), so
# every LoA2 issuance moved back within the same evening window stays outside them too.
TEMPLATE_AT = datetime(2026, 11, 23, 22, 0, tzinfo=STOCKHOLM)
# The bench's clock: just after the newest case; every deadline still lies ahead.
BENCH_NOW = TEMPLATE_AT + timedelta(minutes=1)
KINDS = ("loa3", "order", "renewal")
BENCH_REGION_PREFIX = "bench-region-"
# Generated identity numbers use serials 500..999, so they never meet the demo's.
_SERIAL_FROM = 500
_BIRTH_FROM = date(1950, 1, 1)
_BIRTH_DAYS = 20_000  # born 1950-01-01 .. 2004-10-04: adults for LoA2 and LoA3

FIRST_NAMES = (
    "Anders Agneta Åsa Björn Birgitta Carina Christer Dan Elisabet Emma Erik Eva Fredrik "
    "Gunilla Göran Hans Helena Ingrid Jan Johanna Karin Kerstin Lars Lena Linnéa Magnus "
    "Malin Maria Mats Mikael Nils Olof Per Sofia Stefan Sven Ulla Viktor Ylva Zoran"
).split()
LAST_NAMES = (
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson "
    "Lindström Olofsson Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren "
    "Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin "
    "Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström "
    "Samuelsson Isaksson"
).split()


@dataclass(frozen=True)
class Region:
    index: int
    org_id: int
    unit_id: int
    loa3_starters: tuple[str, ...]
    remote: str
    desk: str
    stock_card: str


@dataclass(frozen=True)
class TemplateCase:
    region: int
    kind: str
    case_id: int
    holder_number: str
    holder_name: str
    card_number: str | None


def person_name(i: int) -> str:
    """Every surname once in each run of 50 people, so a surname search finds 1 in 50."""
    last = LAST_NAMES[i % len(LAST_NAMES)]
    first = FIRST_NAMES[(i // len(LAST_NAMES)) % len(FIRST_NAMES)]
    return f"{first} {last}"


def person_identity(i: int) -> tuple[str, date]:
    """A valid personnummer (Luhn digit) for generated person i, unique up to 10 million."""
    born = _BIRTH_FROM + timedelta(days=i % _BIRTH_DAYS)
    serial = _SERIAL_FROM + (i // _BIRTH_DAYS) % 500
    nine = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}-{serial:03d}{_luhn(nine)}", born


def _luhn(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def bench_region_code(index: int) -> str:
    return f"{BENCH_REGION_PREFIX}{index:02d}"


def prepare_regions(runtime: Runtime, at: datetime, count: int) -> list[Region]:
    """The demo region plus `count - 1` generated ones, with their admins and one card each."""
    with runtime.database.sessions() as session:
        demo = session.scalars(select(Organisation).where(Organisation.code == REGION)).one()
        unit = session.scalars(select(Organisation).where(Organisation.code == UNIT)).one()
        regions = [Region(0, demo.id, unit.id, ("anna", "bertil"), "david", "sara", "RK000050")]
        for index in range(1, count):
            code = bench_region_code(index)
            region = Organisation(code=code, name=f"Region Bench {index:02d}")
            unit = Organisation(
                code=f"bench-enhet-{index:02d}",
                name=f"Hemtjänst Bench {index:02d}",
                parent=region,
                accepts_loa2_after_national_end=True,  # R14: as hemtjanst-demo
            )
            station = CardStation(
                code=f"bench-station-{index:02d}",
                name=f"Kortstation {index:02d}",
                organisation=region,
            )
            session.add_all([region, unit, station])
            admins = {
                f"loa3-{index:02d}": (RESERVE_LOA3, region, station),
                f"remote-{index:02d}": (REMOTE_RESERVE_ADMIN, unit, None),
                f"desk-{index:02d}": (SERVICE_DESK, region, None),
            }
            for username, (right, org, where) in admins.items():
                person = Person(username=username, display_name=f"Admin {username}")
                session.add(person)
                session.add(Employment(person=person, organisation=org, start_date=DEMO_FROM))
                session.add(
                    AdminRight(
                        person=person,
                        right=right,
                        organisation=org,
                        station=where,
                        trained_on=DEMO_FROM,
                        approved_on=DEMO_FROM,
                        valid_from=DEMO_FROM,
                    )
                )
            card = f"RK0009{index:02d}"  # the form asks RK and six digits
            session.add(ReserveCard(number=card, organisation=region, produced_on=DEMO_FROM))
            session.flush()
            regions.append(
                Region(
                    index,
                    region.id,
                    unit.id,
                    (f"loa3-{index:02d}",),
                    f"remote-{index:02d}",
                    f"desk-{index:02d}",
                    card,
                )
            )
        session.commit()
        return regions


def start_templates(runtime: Runtime, at: datetime, regions: list[Region]) -> list[TemplateCase]:
    """Per region: a LoA3 case per LoA3 starter, a remote LoA2 order, and a LoA2 case in
    its renewal loop (issue_loa2 completed by the region's service desk), all real."""
    clock = FixedClock(at)
    made: list[TemplateCase] = []
    valid_until = (at + timedelta(days=14)).date().isoformat()
    for region in regions:
        number, _ = person_identity(region.index)
        name = person_name(region.index)
        for starter in region.loa3_starters:
            case = cases.start_case(
                runtime,
                clock,
                "loa3-reserve",
                starter,
                {"holder": number, "id_document": "passport"},
            )
            made.append(TemplateCase(region.index, "loa3", case.id, number, name, None))
        order = {"holder": number, "reason": "Glömt kortet hemma"}
        case = cases.start_case(runtime, clock, "loa2-remote-order", region.remote, order)
        made.append(TemplateCase(region.index, "order", case.id, number, name, None))
        case = cases.start_case(runtime, clock, "loa2-remote-order", region.remote, order)
        task = _ready_task(runtime, case.id, "issue_loa2")
        fields = {"card_number": region.stock_card, "valid_until": valid_until}
        cases.complete_task(runtime, clock, task, region.desk, fields)
        made.append(TemplateCase(region.index, "renewal", case.id, number, name, region.stock_card))
    return made


def _ready_task(runtime: Runtime, case_id: int, name: str) -> str:
    with runtime.database.sessions() as session:
        return session.scalars(
            select(CaseTask.id).where(
                CaseTask.case_id == case_id, CaseTask.name == name, CaseTask.state == TASK_READY
            )
        ).one()
