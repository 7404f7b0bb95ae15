"""Issuance register: every reserve card issued and certificate renewed in a period.

One row per certificate (a first issue or a renewal, R4), in time order, with the place it
was issued (the card station of the issuing administrator's right, or the service desk
for form orders, R15) and both administrators for LoA3 (R6). Monthly totals are counted
while the rows stream past, so the totals always agree with the rows.
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

from engine.model import Case
from engine.model import Certificate
from engine.model import Person
from engine.policy.timekeeping import to_local
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.read_scope import ReadScope
from engine.services.read_scope import certificates_in_scope

KIND_ISSUE = "issue"
KIND_RENEWAL = "renewal"
# The four series of the monthly totals, in the order the table and chart show them.
SERIES = ((2, KIND_ISSUE), (2, KIND_RENEWAL), (3, KIND_ISSUE), (3, KIND_RENEWAL))


@dataclass(frozen=True)
class IssuanceRow:
    at: datetime  # local
    kind: str
    loa: int
    process: str | None
    case_id: int | None
    card_number: str
    holder: str
    issued_by: str
    first_admin: str | None  # LoA3: the administrator who verified first (R6)
    station: str | None
    second_station: str | None
    by_service_desk: bool
    valid_until: datetime  # local
    valid_for_national_systems: bool


@dataclass
class IssuanceTotals:
    """Counts per month ('2025-12') and series (LoA, kind), filled while rows stream."""

    by_month: dict[str, Counter[tuple[int, str]]] = field(default_factory=dict)

    def add(self, row: IssuanceRow) -> None:
        month = row.at.strftime("%Y-%m")
        self.by_month.setdefault(month, Counter())[(row.loa, row.kind)] += 1

    @property
    def months(self) -> list[str]:
        return sorted(self.by_month)

    def count(self, month: str, loa: int, kind: str) -> int:
        return self.by_month.get(month, Counter())[(loa, kind)]

    def month_total(self, month: str) -> int:
        return sum(self.by_month.get(month, Counter()).values())

    def series_total(self, loa: int, kind: str) -> int:
        return sum(counts[(loa, kind)] for counts in self.by_month.values())

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.by_month.values())


class IssuanceRegister:
    """Streams the register's rows and counts them; read `totals` after iterating."""

    def __init__(
        self, session: Session, staff: StaffIndex, period: Period, *, scope: ReadScope | None = None
    ) -> None:
        self._session = session
        self._scope = scope
        self._staff = staff
        self._period = period
        self.totals = IssuanceTotals()

    def rows(self) -> Iterator[IssuanceRow]:
        holder = aliased(Person)
        issuer = aliased(Person)
        first = aliased(Person)
        query = (
            select(
                Certificate,
                Case.process_id,
                holder.username,
                holder.identity_number,
                holder.display_name,
                issuer.username,
                issuer.display_name,
                first.username,
                first.display_name,
            )
            .join(holder, holder.id == Certificate.holder_id)
            .join(issuer, issuer.id == Certificate.issued_by_id)
            .outerjoin(first, first.id == Certificate.first_admin_id)
            .outerjoin(Case, Case.id == Certificate.case_id)
            .where(
                Certificate.valid_from >= self._period.start,
                Certificate.valid_from < self._period.end,
            )
            .order_by(Certificate.valid_from, Certificate.id)
        )
        if self._scope is not None:
            query = certificates_in_scope(query, self._scope)  # S2
        for record in stream(self._session, query):
            cert: Certificate = record[0]
            row = self._row(cert, record)
            self.totals.add(row)
            yield row

    def _row(self, cert: Certificate, record: tuple[object, ...]) -> IssuanceRow:
        (_, process, h_user, h_number, h_name, i_user, i_name, f_user, f_name) = record
        at = to_local(cert.valid_from)
        day = at.date()
        if cert.loa == 3 and cert.kind != KIND_RENEWAL:
            station = self._staff.station_of(cert.first_admin_id, "loa3_admin", day)
            second = self._staff.station_of(cert.issued_by_id, "loa3_admin", day)
            by_desk = False
        else:
            # One administrator: LoA2 at a station or the service desk; a LoA3 renewal is
            # the service desk's (R9) unless a LoA3 administrator at a station did it.
            role = "loa3_admin" if cert.loa == 3 else "loa2_admin"
            station = self._staff.station_of(cert.issued_by_id, role, day)
            second = None
            by_desk = station is None
        return IssuanceRow(
            at=at,
            kind=cert.kind,
            loa=cert.loa,
            process=str(process) if process else None,
            case_id=cert.case_id,
            card_number=cert.card_number,
            holder=person_label(_s(h_user), _s(h_number), _s(h_name)),
            issued_by=person_label(_s(i_user), None, _s(i_name)),
            first_admin=person_label(_s(f_user), None, _s(f_name)) if f_user or f_name else None,
            station=station,
            second_station=second if second != station else None,
            by_service_desk=by_desk,
            valid_until=to_local(cert.valid_until),
            valid_for_national_systems=cert.valid_for_national_systems,
        )


def _s(value: object) -> str | None:
    return None if value is None else str(value)
