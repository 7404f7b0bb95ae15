"""Card stock: receive a range of blank reserve cards, list them a page at a time, scrap
a blank card (R2: a scrapped card is never issued; the issue check refuses any card that
is not blank in stock)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_IN_STOCK
from engine.policy.timekeeping import add_local_months
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local
from engine.rights import ROLE_GRANTED_BY
from engine.rights import covers
from engine.rights import right_is_in_force
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.registers.common import STOCK_OWNERS
from engine.services.registers.common import organisation_by_code
from engine.services.registers.common import owner
from engine.services.registers.common import today
from engine.services.runtime import Runtime

CARD_SCRAPPED = "scrapped"
MAX_RECEIPT = 10_000
CARD_LIFE_MONTHS = 120  # R2: the physical card is valid 10 years from production
_NUMBER = re.compile(r"^([A-Z]*)([0-9]{1,12})$")
STOCK_STATES = (CARD_IN_STOCK, "issued", "revoked", CARD_SCRAPPED)


@dataclass(frozen=True)
class Receipt:
    organisation: str
    first: str
    last: str
    count: int
    produced_on: date


@dataclass(frozen=True)
class StockCard:
    number: str
    organisation: str
    state: str
    produced_on: date
    end_of_life: date


def receive(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    first: str,
    last: str,
    organisation: str,
    produced_on: date,
) -> Receipt:
    """Add the blank cards `first`..`last` (same letters, same width) to stock."""
    numbers = card_range(first, last)
    day = today(clock)
    if produced_on > day:
        raise Invalid(
            f"Tillverkningsdatumet {produced_on} ligger i framtiden. / "
            f"The production date {produced_on} is in the future."
        )
    if end_of_life(produced_on) <= day:
        raise Invalid(
            f"Kort tillverkade {produced_on} har passerat sin livslängd på 10 år (R2). / "
            f"Cards produced on {produced_on} are past their 10-year life (R2).",
            rule="R2",
        )
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        owning = organisation_by_code(session, organisation)
        person, role = owner(session, actor, STOCK_OWNERS, day, owning)
        taken = session.scalars(
            select(ReserveCard.number)
            .where(ReserveCard.number.in_(bindparam("numbers", expanding=True)))
            .order_by(ReserveCard.number)
            .limit(5),
            {"numbers": numbers},
        ).all()
        if taken:
            raise Conflict(
                f"Kortnumren finns redan i registret: {', '.join(taken)}; inget togs emot. / "
                f"The card numbers are already registered: {', '.join(taken)}; nothing was "
                f"received."
            )
        session.add_all(
            ReserveCard(number=n, organisation_id=owning.id, produced_on=produced_on)
            for n in numbers
        )
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "stock_received",
            rule="R2",
            details={
                "organisation": owning.code,
                "first": numbers[0],
                "last": numbers[-1],
                "count": len(numbers),
                "produced_on": produced_on.isoformat(),
            },
        )
        uow.commit()
        return Receipt(owning.code, numbers[0], numbers[-1], len(numbers), produced_on)


def list_stock(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    *,
    state: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[StockCard]:
    """The cards of the organisations the actor keeps stock for, by number, one page."""
    if state is not None and state not in STOCK_STATES:
        raise Invalid(
            f"Okänt kortläge '{state}'; välj {', '.join(STOCK_STATES)}. / "
            f"Unknown card state '{state}'; choose {', '.join(STOCK_STATES)}."
        )
    size = page_size(limit)
    day = today(clock)
    with runtime.database.sessions() as session:
        person, _role = owner(session, actor, STOCK_OWNERS, day)
        query = (
            select(
                ReserveCard.number, Organisation.code, ReserveCard.state, ReserveCard.produced_on
            )
            .join(Organisation, Organisation.id == ReserveCard.organisation_id)
            .where(ReserveCard.organisation_id.in_(_kept_organisations(session, person, day)))
            .order_by(ReserveCard.number)
            .limit(size + 1)
        )
        if state is not None:
            query = query.where(ReserveCard.state == state)
        if cursor is not None:
            (after,) = decode_cursor(cursor, (str,))
            query = query.where(ReserveCard.number > after)
        rows = [StockCard(n, org, s, p, end_of_life(p)) for n, org, s, p in session.execute(query)]
        return split_page(rows, size, lambda card: (card.number,))


def scrap(runtime: Runtime, clock: Clock, actor: str, number: str, reason: str) -> StockCard:
    """Take a blank card out of stock for good (damaged, lost in stock): R2, never issued."""
    if not reason.strip():
        raise Invalid("Ange varför kortet kasseras. / Give the reason the card is scrapped.")
    day = today(clock)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        card = session.get(ReserveCard, number.strip().upper())
        if card is None:
            raise NotFound(f"Inget kort {number} i lager. / No card {number} in stock.")
        person, role = owner(session, actor, STOCK_OWNERS, day, card.organisation)
        if card.state != CARD_IN_STOCK:
            raise Conflict(
                f"Kortet {card.number} är inte blankt i lager ({card.state}); ett utfärdat kort "
                f"spärras i stället (R19). / Card {card.number} is not blank in stock "
                f"({card.state}); an issued card is revoked instead (R19).",
                rule="R19",
            )
        card.state = CARD_SCRAPPED
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role, card_number=card.number),
            "card_scrapped",
            rule="R2",
            details={"card": card.number, "reason": reason.strip()},
        )
        uow.commit()
        return StockCard(
            card.number,
            card.organisation.code,
            card.state,
            card.produced_on,
            end_of_life(card.produced_on),
        )


def end_of_life(produced_on: date) -> date:
    """R2: the day the physical card stops being valid, 10 years after production."""
    return to_local(add_local_months(local_midnight(produced_on), CARD_LIFE_MONTHS)).date()


def card_range(first: str, last: str) -> list[str]:
    """`RK000051`..`RK000060` as a list; the two ends share letters and width."""
    a, b = _NUMBER.match(first.strip().upper()), _NUMBER.match(last.strip().upper())
    if a is None or b is None or a.group(1) != b.group(1) or len(a.group(2)) != len(b.group(2)):
        raise Invalid(
            f"Ange ett intervall som RK000051–RK000060 (samma bokstäver och längd), inte "
            f"{first}–{last}. / Give a range such as RK000051–RK000060 (same letters and "
            f"width), not {first}–{last}."
        )
    low, high, width = int(a.group(2)), int(b.group(2)), len(a.group(2))
    if high < low:
        raise Invalid(
            f"Intervallet {first}–{last} slutar före sin början. / "
            f"The range {first}–{last} ends before it begins."
        )
    if high - low + 1 > MAX_RECEIPT:
        raise Invalid(
            f"Högst {MAX_RECEIPT} kort per mottagning. / At most {MAX_RECEIPT} cards per receipt."
        )
    return [f"{a.group(1)}{n:0{width}d}" for n in range(low, high + 1)]


def _kept_organisations(session: Session, person: Person, day: date) -> list[int]:
    """The organisations (and their units) where the person keeps stock on `day`."""
    granting = ROLE_GRANTED_BY["service_desk"] | ROLE_GRANTED_BY["system_admin"]
    rights = [r for r in person.rights if r.right in granting and right_is_in_force(r, day)]
    organisations = session.scalars(select(Organisation)).all()
    return [o.id for o in organisations if any(covers(r, o) for r in rights)]
