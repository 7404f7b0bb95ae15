"""A warning, not a refusal: the card user already has a live LoA2 reserve card (issue 11).

Ordering LoA2 for someone whose LoA2 card still has a valid certificate is allowed (no rule
forbids a second reserve card), but it is usually a mistake: the existing card can be
renewed (R11, R15). The order action returns the warning with the new case; the web form
shows it before the order is sent and lets the administrator order anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import DomainError
from engine.model import Certificate
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import to_local
from engine.services.directory import resolve_holder
from engine.services.runtime import Runtime


@dataclass(frozen=True)
class CaseWarning:
    """Something a person would want to know before going on; `rule` where one applies."""

    message: str
    rule: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"rule": self.rule, "message": self.message}


def live_loa2_cards(session: Session, holder: Person, now: datetime) -> list[tuple[str, datetime]]:
    """(card number, validity end) of each issued LoA2 card of `holder` still valid at `now`."""
    until = func.max(Certificate.valid_until)
    rows = session.execute(
        select(ReserveCard.number, until)
        .join(Certificate, Certificate.card_number == ReserveCard.number)
        .where(
            ReserveCard.holder_id == holder.id,
            ReserveCard.state == CARD_ISSUED,
            ReserveCard.loa == 2,
        )
        .group_by(ReserveCard.number)
        .having(until > now)
        .order_by(ReserveCard.number)
    )
    return [(number, valid_until) for number, valid_until in rows]


def live_loa2_warnings(session: Session, holder: Person, now: datetime) -> list[CaseWarning]:
    """One warning per live LoA2 card of `holder`."""
    name = holder.display_name
    return [
        CaseWarning(
            f"{name} har redan ett giltigt LoA2-reservkort, {number}, giltigt till "
            f"{format_local(until)}. Behövs ett nytt kort, eller ska det befintliga förlängas "
            f"(R11)? / {name} already has a live LoA2 reserve card, {number}, valid until "
            f"{format_local(until)}. Is a new card needed, or should the existing one be "
            f"renewed (R11)?"
        )
        for number, until in live_loa2_cards(session, holder, now)
    ]


def order_warnings(runtime: Runtime, clock: Clock, holder_text: str) -> list[CaseWarning]:
    """What the LoA2 order form warns about before the order is sent; a holder the order
    would refuse gets no warning here (the order itself says why, R3)."""
    now = clock.now()
    with runtime.database.sessions() as session:
        try:
            holder = resolve_holder(session, holder_text, to_local(now).date())
        except DomainError:
            return []
        return live_loa2_warnings(session, holder, now)
