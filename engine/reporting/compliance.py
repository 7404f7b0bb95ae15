"""LoA2 dispensation compliance (R11–R14): every LoA2 issue and renewal, judged at its time.

The rows come from the certificates table, not from the refusals the services wrote: a
certificate that should never have been issued (inserted around the service, imported,
or issued before a rule changed) must show up here as a violation. Each row is judged by
the rules in force at its own local time:

- R12 office hours only from 2025-12-01 (earlier, any time was allowed);
- the validity limit of the DMN table version in force at the issue instant (S6: a table
  change never re-judges the past), for that day (6 months before 2025-11-16, then 14
  days, R11);
- R13: issued before 2025-12-01, it must not run past 2025-12-01 00:00;
- R14: running past 2026-06-30 only where the organisation accepts LoA2 after that date,
  and then marked "not valid for NLL, Pascal, NPÖ".
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
from engine.model import ReserveCard
from engine.policy.calendar import SwedishCalendar
from engine.policy.office_hours import LOA2_OFFICE_HOURS_RULE_FROM
from engine.policy.office_hours import is_office_hours
from engine.policy.timekeeping import WEEKDAY_NAMES_SV
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import add_local_months
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local
from engine.policy.validity import LOA2_NATIONAL_END
from engine.policy.validity import LOA2_NO_LONGER_THAN_2025_12_01
from engine.policy.validity import ValidityLimit
from engine.policy.validity import effective_limit
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.policy import PolicyReader
from engine.services.read_scope import ReadScope
from engine.services.read_scope import certificates_in_scope

# Office-hours verdicts (R12).
BEFORE_R12 = "before_r12"  # issued before 2025-12-01: any time was allowed
OUTSIDE_OFFICE_HOURS = "outside"
IN_OFFICE_HOURS = "inside"  # a violation
# R14 states of a certificate relative to 2026-06-30.
ENDS_BY_NATIONAL_END = "ends_by_national_end"
PAST_END_ACCEPTED = "past_end_accepted"  # allowed, marked not valid for NLL/Pascal/NPÖ
PAST_END_NOT_ACCEPTED = "past_end_not_accepted"  # a violation
PAST_END_UNMARKED = "past_end_unmarked"  # accepted, but the R14 marking is missing


@dataclass(frozen=True)
class Loa2Verdict:
    """How one LoA2 issue or renewal measures against the rules of its day."""

    office_hours: str
    closed_day: str | None  # the holiday or closing day (e.g. "julafton"), if any
    limit: ValidityLimit
    limit_until: datetime  # the limit in force that day, from the issue instant
    ceiling_until: datetime  # the earliest of every ceiling that applied
    national_end: str
    violations: tuple[str, ...]  # rule IDs, e.g. ("R12", "R13")

    @property
    def compliant(self) -> bool:
        return not self.violations


def judge_loa2(
    *,
    issued_at: datetime,
    valid_until: datetime,
    limit: ValidityLimit,
    accepts_after_national_end: bool,
    marked_not_national: bool,
    calendar: SwedishCalendar,
) -> Loa2Verdict:
    """Judge one LoA2 certificate by the rules in force at `issued_at` (R11–R14)."""
    local = to_local(issued_at)
    violations: list[str] = []
    closed_day = calendar.closed_reason(local.date())
    if closed_day == WEEKDAY_NAMES_SV[local.weekday()]:
        closed_day = None  # a plain weekend: the weekday column already says so
    if local.date() < LOA2_OFFICE_HOURS_RULE_FROM:
        office = BEFORE_R12
    elif is_office_hours(issued_at, calendar):
        office = IN_OFFICE_HOURS
        violations.append("R12")
    else:
        office = OUTSIDE_OFFICE_HOURS
    if limit.days is not None:
        limit_until = add_local_days(issued_at, limit.days)
    else:
        limit_until = add_local_months(issued_at, limit.months or 0)
    ceilings = [limit_until]
    if valid_until > limit_until:
        violations.append(limit.rule)
    if local.date() < LOA2_NO_LONGER_THAN_2025_12_01:
        r13_until = local_midnight(LOA2_NO_LONGER_THAN_2025_12_01)
        ceilings.append(r13_until)
        if valid_until > r13_until:
            violations.append("R13")
    national_end = end_of_local_day(LOA2_NATIONAL_END)
    if valid_until <= national_end:
        end_state = ENDS_BY_NATIONAL_END
    elif not accepts_after_national_end:
        end_state = PAST_END_NOT_ACCEPTED
        violations.append("R14")
    elif not marked_not_national:
        end_state = PAST_END_UNMARKED
        violations.append("R14")
    else:
        end_state = PAST_END_ACCEPTED
    if not accepts_after_national_end:
        ceilings.append(national_end)
    return Loa2Verdict(
        office_hours=office,
        closed_day=closed_day,
        limit=limit,
        limit_until=limit_until,
        ceiling_until=min(ceilings),
        national_end=end_state,
        violations=tuple(dict.fromkeys(violations)),
    )


@dataclass(frozen=True)
class ComplianceRow:
    at: datetime  # local
    kind: str
    card_number: str
    holder: str
    issued_by: str
    organisation: str
    accepts_after_national_end: bool
    valid_until: datetime  # local
    verdict: Loa2Verdict


@dataclass
class ComplianceSummary:
    """Totals counted while the rows stream: per rule, per verdict and per month."""

    total: int = 0
    compliant: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    by_office_hours: Counter[str] = field(default_factory=Counter)
    past_national_end: int = 0
    by_month: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def violating(self) -> int:
        return self.total - self.compliant

    @property
    def months(self) -> list[str]:
        return sorted(self.by_month)

    def add(self, row: ComplianceRow) -> None:
        verdict = row.verdict
        self.total += 1
        self.compliant += verdict.compliant
        self.by_rule.update(verdict.violations)
        self.by_office_hours[verdict.office_hours] += 1
        self.past_national_end += verdict.national_end != ENDS_BY_NATIONAL_END
        month = self.by_month.setdefault(row.at.strftime("%Y-%m"), Counter())
        month["compliant" if verdict.compliant else "violating"] += 1


class Loa2Compliance:
    """Streams every LoA2 certificate of the period with its verdict; then read `summary`."""

    def __init__(
        self,
        session: Session,
        staff: StaffIndex,
        policy: PolicyReader,
        period: Period,
        *,
        scope: ReadScope | None = None,
    ) -> None:
        self._session = session
        self._scope = scope
        self._staff = staff
        self._policy = policy
        self._period = period
        self.summary = ComplianceSummary()

    def rows(self) -> Iterator[ComplianceRow]:
        holder = aliased(Person)
        issuer = aliased(Person)
        query = (
            select(
                Certificate,
                Case.organisation_id,
                ReserveCard.organisation_id,
                holder.username,
                holder.identity_number,
                holder.display_name,
                issuer.username,
                issuer.display_name,
            )
            .join(ReserveCard, ReserveCard.number == Certificate.card_number)
            .join(holder, holder.id == Certificate.holder_id)
            .join(issuer, issuer.id == Certificate.issued_by_id)
            .outerjoin(Case, Case.id == Certificate.case_id)
            .where(
                Certificate.loa == 2,
                Certificate.valid_from >= self._period.start,
                Certificate.valid_from < self._period.end,
            )
            .order_by(Certificate.valid_from, Certificate.id)
        )
        if self._scope is not None:
            query = certificates_in_scope(query, self._scope)  # S2
        calendar = self._policy.calendar
        for record in stream(self._session, query):
            cert: Certificate = record[0]
            case_org, card_org, h_user, h_number, h_name, i_user, i_name = record[1:]
            # The case's organisation decides R14 (the ordering unit); without a case, the card's.
            organisation_id = int(case_org if case_org is not None else card_org)
            accepts = self._staff.accepts_loa2_after_national_end(organisation_id)
            verdict = judge_loa2(
                issued_at=cert.valid_from,
                valid_until=cert.valid_until,
                # S6: the table in force at the issue instant (cached per version and day),
                # S3: capped by R11 as the engine issued it.
                limit=effective_limit(
                    2, cert.valid_from, self._policy.validity_limit(2, cert.valid_from)
                ),
                accepts_after_national_end=accepts,
                marked_not_national=not cert.valid_for_national_systems,
                calendar=calendar,
            )
            row = ComplianceRow(
                at=to_local(cert.valid_from),
                kind=cert.kind,
                card_number=cert.card_number,
                holder=person_label(h_user, h_number, h_name),
                issued_by=person_label(i_user, None, i_name),
                organisation=self._staff.organisation_name(organisation_id),
                accepts_after_national_end=accepts,
                valid_until=to_local(cert.valid_until),
                verdict=verdict,
            )
            self.summary.add(row)
            yield row
