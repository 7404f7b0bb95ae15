"""The policy in force: the code rules of engine.policy plus the DMN tables process owners own.

Every decision says which rule bound it and which versions were used, so the audit trail
and the reports can judge an event by the rules of its own day.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.model import ClosingDay
from engine.model import DecisionVersion
from engine.policy.calendar import SwedishCalendar
from engine.policy.timekeeping import to_local
from engine.policy.validity import ValidityLimit
from engine.runner import decide

# Bump when a rule coded in engine/policy changes meaning.
CODE_POLICY_VERSION = "rules-2026.11"
VALIDITY_LIMITS = "validity-limits"
RENEWAL_REMINDER = "renewal-reminder"


@lru_cache(maxsize=8)
def _calendar_for(closing_days: tuple[tuple[date, str], ...]) -> SwedishCalendar:
    return SwedishCalendar(dict(closing_days))


class PolicyReader:
    """Reads calendar and decision tables once per unit of work and records what it used.

    S6: a decision table judges an event by the version in force at the event's instant
    (the highest version whose `effective_from` is not after it), never simply the newest,
    so a table change never re-judges the past. The first version of a table judges
    everything before it, as nothing else existed. `version` names every table version a
    decision used, for the audit trail and the report header.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._calendar: SwedishCalendar | None = None
        # Every version of every table, read at the first decision: a few small rows.
        self._versions: dict[str, list[DecisionVersion]] | None = None
        self._used: dict[int, DecisionVersion] = {}
        # One DMN evaluation per table version, LoA and local day (reports judge many rows).
        self._limits: dict[tuple[int, int, str], ValidityLimit] = {}

    @property
    def calendar(self) -> SwedishCalendar:
        if self._calendar is None:
            days = self._session.scalars(_CLOSING_DAYS).all()
            self._calendar = _calendar_for(tuple(sorted((d.day, d.reason) for d in days)))
        return self._calendar

    @property
    def version(self) -> str:
        used = "; ".join(sorted(d.label for d in self._used.values()))
        return f"{CODE_POLICY_VERSION}; {used}" if used else CODE_POLICY_VERSION

    def decision_in_force(self, decision_id: str, at: datetime) -> DecisionVersion:
        """S6: the version of `decision_id` that judges an event at the instant `at`."""
        if self._versions is None:
            self._versions = _decision_versions(self._session)
        versions = self._versions.get(decision_id)
        if not versions:
            raise NotFound(
                f"Beslutstabellen '{decision_id}' är inte driftsatt. Kör 'sithsflow db init'. / "
                f"Decision table '{decision_id}' is not deployed. Run 'sithsflow db init'."
            )
        in_force = versions[0]  # the first version judges everything before it
        for candidate in versions[1:]:
            if candidate.effective_from <= at:
                in_force = candidate
        self._used[in_force.id] = in_force
        return in_force

    def validity_limit(self, loa: int, issued_at: datetime) -> ValidityLimit:
        """R9/R11: the longest validity by LoA and local issue date, from the DMN table in
        force at `issued_at` (S6)."""
        table = self.decision_in_force(VALIDITY_LIMITS, issued_at)
        day = to_local(issued_at).date().isoformat()
        key = (table.id, loa, day)
        if key not in self._limits:
            row = decide(table.source_xml, {"loa": loa, "issued_on": day})
            if not row:
                raise NotFound(
                    f"Ingen giltighetsregel för LoA{loa} ({table.label}). / "
                    f"No validity rule for LoA{loa} ({table.label})."
                )
            self._limits[key] = ValidityLimit(
                days=row.get("max_days"), months=row.get("max_months"), rule=row["rule"]
            )
        return self._limits[key]

    def reminder_lead_days(self, loa: int, at: datetime) -> int:
        """How many local days before expiry the renewal reminder goes out, by the table in
        force at `at` (the issue or renewal, S6)."""
        row = decide(self.decision_in_force(RENEWAL_REMINDER, at).source_xml, {"loa": loa})
        return int(row.get("lead_days") or 0)


# Built once so SQLAlchemy reuses their cache keys on every step.
# Only the global closing days close office and service-desk hours; a station's or an
# organisation's own closing days close its stations for R8 planning only.
_CLOSING_DAYS = select(ClosingDay).where(
    ClosingDay.station_id.is_(None), ClosingDay.organisation_id.is_(None)
)
_DECISION_VERSIONS = select(DecisionVersion).order_by(
    DecisionVersion.decision_id, DecisionVersion.version
)


def _decision_versions(session: Session) -> dict[str, list[DecisionVersion]]:
    """Every version of every table, oldest first per table."""
    versions: dict[str, list[DecisionVersion]] = {}
    for row in session.scalars(_DECISION_VERSIONS):
        versions.setdefault(row.decision_id, []).append(row)
    return versions
