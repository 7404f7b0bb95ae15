"""Deadlines (R7, R8): LoA3 cases and the time between the first and second verification.

A LoA3 reserve case starts with the first administrator's verification; the second must
follow before the deadline of the case's own process version (R7: its timer, 5 local
days in version 1), or the case lapses. Each row's deadline is that case's timer row. Per card station (the station of the
first administrator's LoA3 right, where the applicant's clock started) the report gives
the median and 95th percentile of the completed cases' waiting time, and a histogram.
Durations are kept as one float per completed case (8 bytes each), which stays small
even for a hundred thousand cases.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from engine.model import Case
from engine.model import CaseTask
from engine.model import Person
from engine.model import Timer
from engine.model.cases import CASE_LAPSED
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_COMPLETED
from engine.policy.timekeeping import to_local
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.read_scope import ReadScope
from engine.services.read_scope import cases_in_scope

LOA3_PROCESS = "loa3-reserve"
SECOND_VERIFICATION_TASK = "second_verification"
NO_STATION = "–"
DEADLINE_RULE = "R7"
# Histogram buckets in whole days since the first verification: 0–1, 1–2, … up to the
# longest deadline among the cases (5 for version 1: 4–5), at least this many.
HISTOGRAM_DAYS = 1
SECONDS_PER_HOUR = 3600.0

OUTCOME_COMPLETED = "completed"
OUTCOME_LAPSED = "lapsed"
OUTCOME_OVERDUE = "overdue"  # open past its deadline; the timer has not run yet
OUTCOME_WAITING = "waiting"
OUTCOME_OTHER = "other"  # cancelled


@dataclass(frozen=True)
class DeadlineRow:
    case_id: int
    holder: str
    first_at: datetime  # local
    first_admin: str
    station: str
    deadline_at: datetime | None  # local; None when the case's version has no R7 timer
    second_at: datetime | None  # local
    second_admin: str | None
    second_station: str | None
    hours: float | None
    outcome: str

    @property
    def deadline_days(self) -> int | None:
        """The deadline's length in local days (119 hours across spring DST is 5)."""
        if self.deadline_at is None:
            return None
        return max(1, round((self.deadline_at - self.first_at).total_seconds() / 86400))


def percentile(sorted_values: list[float] | array[float], share: float) -> float | None:
    """Nearest-rank percentile (the value at rank ⌈share·n⌉): a value that really occurred."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return float(sorted_values[rank - 1])


@dataclass
class StationStats:
    hours: array[float] = field(default_factory=lambda: array("d"))
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def cases(self) -> int:
        return sum(self.outcomes.values())

    def median(self) -> float | None:
        return percentile(sorted(self.hours), 0.5)

    def p95(self) -> float | None:
        return percentile(sorted(self.hours), 0.95)


@dataclass
class DeadlineSummary:
    stations: dict[str, StationStats] = field(default_factory=dict)
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_DAYS)
    # R7: the deadline lengths (local days) the cases' versions gave them, e.g. {5, 7}.
    deadline_days: set[int] = field(default_factory=set)

    def add(self, row: DeadlineRow) -> None:
        stats = self.stations.setdefault(row.station, StationStats())
        stats.outcomes[row.outcome] += 1
        days = row.deadline_days
        if days is not None:
            self.deadline_days.add(days)
            self._widen(days)
        if row.hours is not None:
            stats.hours.append(row.hours)
            bucket = int(row.hours // 24)
            if days is not None:
                bucket = min(bucket, days - 1)
            self._widen(bucket + 1)
            self.histogram[bucket] += 1

    def _widen(self, buckets: int) -> None:
        if buckets > len(self.histogram):
            self.histogram.extend([0] * (buckets - len(self.histogram)))

    @property
    def total(self) -> StationStats:
        merged = StationStats()
        for stats in self.stations.values():
            merged.hours.extend(stats.hours)
            merged.outcomes.update(stats.outcomes)
        return merged


class DeadlineReport:
    """Streams LoA3 cases started in the period; read `summary` after iterating."""

    def __init__(
        self,
        session: Session,
        staff: StaffIndex,
        period: Period,
        now: datetime,
        *,
        scope: ReadScope | None = None,
    ):
        self._session = session
        self._scope = scope
        self._staff = staff
        self._period = period
        self._now = now
        self.summary = DeadlineSummary()

    def rows(self) -> Iterator[DeadlineRow]:
        holder = aliased(Person)
        first = aliased(Person)
        second = aliased(Person)
        done = aliased(CaseTask)
        # R7: each case's deadline is its own timer row (its version's timer), never a constant.
        deadline = (
            select(Timer.due_at)
            .where(Timer.case_id == Case.id, Timer.rule == DEADLINE_RULE, Timer.interrupting)
            .order_by(Timer.id)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                Case.id,
                Case.state,
                Case.started_at,
                Case.started_by_id,
                first.username,
                first.display_name,
                holder.username,
                holder.identity_number,
                holder.display_name,
                done.completed_at,
                done.completed_by_id,
                second.username,
                second.display_name,
                deadline,
            )
            .join(first, first.id == Case.started_by_id)
            .outerjoin(holder, holder.id == Case.holder_id)
            .outerjoin(
                done,
                and_(
                    done.case_id == Case.id,
                    done.name == SECOND_VERIFICATION_TASK,
                    done.state == TASK_COMPLETED,
                ),
            )
            .outerjoin(second, second.id == done.completed_by_id)
            .where(
                Case.process_id == LOA3_PROCESS,
                Case.started_at >= self._period.start,
                Case.started_at < self._period.end,
            )
            .order_by(Case.started_at, Case.id)
        )
        if self._scope is not None:
            query = cases_in_scope(query, self._scope)  # S2
        for record in stream(self._session, query):
            row = self._row(tuple(record))
            self.summary.add(row)
            yield row

    def _row(self, record: tuple[Any, ...]) -> DeadlineRow:
        (case_id, state, started_at, started_by_id, f_user, f_name) = record[:6]
        (h_user, h_number, h_name, completed_at, completed_by_id, s_user, s_name) = record[6:13]
        deadline: datetime | None = record[13]
        day = to_local(started_at).date()
        hours = None
        second_station = None
        if completed_at is not None:
            hours = (completed_at - started_at).total_seconds() / SECONDS_PER_HOUR
            second_station = self._staff.station_of(
                completed_by_id, "loa3_admin", to_local(completed_at).date()
            )
            outcome = OUTCOME_COMPLETED
        elif state == CASE_LAPSED:
            outcome = OUTCOME_LAPSED
        elif state == CASE_OPEN:
            overdue = deadline is not None and self._now >= deadline
            outcome = OUTCOME_OVERDUE if overdue else OUTCOME_WAITING
        else:
            outcome = OUTCOME_OTHER
        return DeadlineRow(
            case_id=case_id,
            holder=person_label(h_user, h_number, h_name),
            first_at=to_local(started_at),
            first_admin=person_label(f_user, None, f_name),
            station=self._staff.station_of(started_by_id, "loa3_admin", day) or NO_STATION,
            deadline_at=to_local(deadline) if deadline is not None else None,
            second_at=to_local(completed_at) if completed_at else None,
            second_admin=person_label(s_user, None, s_name) if completed_at else None,
            second_station=second_station,
            hours=hours,
            outcome=outcome,
        )
