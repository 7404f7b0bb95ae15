"""Revocation register (R19): every card revoked in a period, why, how and by whom.

One row per revocation, in time order: the card, its holder and LoA, the reason (lost,
stolen, damaged, name change, employment end, or not activated within 100 days, R16), the
channel (the service desk itself, the national support line recorded afterwards, or the
process at an employment's end or an activation deadline), the add-on services flagged to
end (door access) and the cases that ended with the card. Kept, like issuance, 10 years.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from engine.model import CardRevocation
from engine.model import Person
from engine.policy.timekeeping import to_local
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.read_scope import ReadScope
from engine.services.read_scope import card_rows_in_scope


@dataclass(frozen=True)
class RevocationRow:
    at: datetime  # local
    card_number: str
    loa: int | None
    holder: str
    organisation: str
    reason: str
    via: str
    revoked_by: str
    role: str
    add_ons_to_end: tuple[str, ...]
    ended_cases: tuple[int, ...]


@dataclass
class RevocationTotals:
    """Counts per reason and channel, filled while the rows stream past."""

    by_reason: Counter[str] = field(default_factory=Counter)
    by_via: Counter[str] = field(default_factory=Counter)

    def add(self, row: RevocationRow) -> None:
        self.by_reason[row.reason] += 1
        self.by_via[row.via] += 1

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())


class RevocationRegister:
    """Streams the revocations of `period`; read `totals` after iterating."""

    def __init__(
        self, session: Session, staff: StaffIndex, period: Period, *, scope: ReadScope | None = None
    ) -> None:
        self._session = session
        self._staff = staff
        self._period = period
        self._scope = scope
        self.totals = RevocationTotals()

    def rows(self) -> Iterator[RevocationRow]:
        holder = aliased(Person)
        actor = aliased(Person)
        query = (
            select(
                CardRevocation,
                holder.username,
                holder.identity_number,
                holder.display_name,
                actor.username,
                actor.display_name,
            )
            .outerjoin(holder, holder.id == CardRevocation.holder_id)
            .join(actor, actor.id == CardRevocation.revoked_by_id)
            .where(
                CardRevocation.revoked_at >= self._period.start,
                CardRevocation.revoked_at < self._period.end,
            )
            .order_by(CardRevocation.revoked_at, CardRevocation.id)
        )
        if self._scope is not None:
            query = card_rows_in_scope(query, CardRevocation.card_number, self._scope)  # S2
        for revocation, h_user, h_number, h_name, a_user, a_name in stream(self._session, query):
            row = RevocationRow(
                at=to_local(revocation.revoked_at),
                card_number=revocation.card_number,
                loa=revocation.loa,
                holder=person_label(h_user, h_number, h_name),
                organisation=self._staff.organisation_name(revocation.organisation_id),
                reason=revocation.reason,
                via=revocation.via,
                revoked_by="system"
                if revocation.role == "system"
                else person_label(a_user, None, a_name),
                role=revocation.role,
                add_ons_to_end=tuple(revocation.add_ons_to_end.split()),
                ended_cases=tuple(int(c) for c in revocation.ended_cases.split()),
            )
            self.totals.add(row)
            yield row
