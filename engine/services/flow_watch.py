"""Watching the flows: where open cases wait, and how each version's cases ended.

For process owners (S1), who see processes and counts, never personal data (S2): the
answers are counts and durations per BPMN element or per version, with no case, holder
or card in them. The cases behind an incident count are listed by the incident page
(`incidents_for` with an `ElementFilter`), which keeps its own read rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import func
from sqlalchemy import select

from engine.clock import Clock
from engine.model import Case
from engine.model import CaseTask
from engine.model import Incident
from engine.model import ProcessVersion
from engine.model.cases import CASE_CANCELLED
from engine.model.cases import CASE_COMPLETED
from engine.model.cases import CASE_EXPIRED
from engine.model.cases import CASE_LAPSED
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_READY
from engine.services.deploy.versions import definition_of
from engine.services.deploy.versions import require_owner
from engine.services.incidents import KIND_DELIVERY
from engine.services.runtime import Runtime

HOUR_SECONDS = 3600


@dataclass(frozen=True)
class ElementWait:
    """Open cases waiting at one task, and the median time they have waited so far."""

    element: str
    cases: int
    median_hours: float


@dataclass(frozen=True)
class VersionOutcomes:
    version: int
    open: int
    completed: int
    lapsed: int
    expired: int
    cancelled: int

    @property
    def finished(self) -> int:
        return self.completed + self.lapsed + self.expired + self.cancelled

    def rate(self, count: int) -> float | None:
        """A share of the finished cases (None while none has finished)."""
        return count / self.finished if self.finished else None


def waiting_by_element(
    runtime: Runtime, clock: Clock, process_id: str, username: str
) -> tuple[ElementWait, ...]:
    """S1: per ready task of the process's open cases (every version), how many wait there
    and the median of how long, as of the clock's instant."""
    now = clock.now()
    with runtime.database.sessions() as session:
        require_owner(session, clock, username)
        definition_of(session, process_id)
        rows = session.execute(
            select(CaseTask.name, CaseTask.created_at)
            .join(Case, Case.id == CaseTask.case_id)
            .where(
                Case.process_id == process_id,
                Case.state == CASE_OPEN,
                CaseTask.state == TASK_READY,
            )
        ).all()
    waits: dict[str, list[float]] = defaultdict(list)
    for name, created_at in rows:
        waits[name].append(_hours(now, created_at))
    return tuple(
        ElementWait(name, len(hours), round(median(hours), 1))
        for name, hours in sorted(waits.items())
    )


@dataclass(frozen=True)
class ElementIncidents:
    """Open incidents at one element of a version, and on how many cases."""

    element: str
    incidents: int
    cases: int


def incidents_by_element(
    runtime: Runtime, clock: Clock, process_id: str, version: int, username: str
) -> tuple[ElementIncidents, ...]:
    """S1: the open incidents of `version`'s cases per element (a failed timer or script),
    in one grouped query over the open incidents (ix_incidents_resolved_at), whatever the
    number of cases. E-mail deliveries are left out: they belong to a message, not an
    element of the diagram."""
    with runtime.database.sessions() as session:
        require_owner(session, clock, username)
        definition_of(session, process_id)
        rows = session.execute(
            select(
                Incident.element, func.count(Incident.id), func.count(Incident.case_id.distinct())
            )
            .join(Case, Case.id == Incident.case_id)
            .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
            .where(
                Incident.resolved_at.is_(None),
                Incident.kind != KIND_DELIVERY,
                ProcessVersion.process_id == process_id,
                ProcessVersion.version == version,
            )
            .group_by(Incident.element)
            .order_by(Incident.element)
        ).all()
    return tuple(ElementIncidents(str(e), int(n), int(c)) for e, n, c in rows)


def outcomes_by_version(
    runtime: Runtime, clock: Clock, process_id: str, username: str
) -> tuple[VersionOutcomes, ...]:
    """S1: each version's cases by state, for lapse (R7) and expiry rates per version."""
    with runtime.database.sessions() as session:
        require_owner(session, clock, username)
        definition_of(session, process_id)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for version, state, count in session.execute(
            select(ProcessVersion.version, Case.state, func.count(Case.id))
            .join(Case, Case.process_version_id == ProcessVersion.id)
            .where(ProcessVersion.process_id == process_id)
            .group_by(ProcessVersion.version, Case.state)
        ):
            counts[version][state] = int(count)
        versions = session.scalars(
            select(ProcessVersion.version)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version)
        ).all()
    return tuple(
        VersionOutcomes(
            version=v,
            open=counts[v].get(CASE_OPEN, 0),
            completed=counts[v].get(CASE_COMPLETED, 0),
            lapsed=counts[v].get(CASE_LAPSED, 0),
            expired=counts[v].get(CASE_EXPIRED, 0),
            cancelled=counts[v].get(CASE_CANCELLED, 0),
        )
        for v in versions
    )


def _hours(now: datetime, since: datetime) -> float:
    return max((now - since).total_seconds(), 0.0) / HOUR_SECONDS
