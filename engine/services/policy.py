"""The policy in force: the code rules of engine.policy plus the DMN tables process owners own.

Every decision says which rule bound it and which versions were used, so the audit trail
and the reports can judge an event by the rules of its own day.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func
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
    """Reads calendar and decision tables once per unit of work and records what it used."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._calendar: SwedishCalendar | None = None
        self._decisions: dict[str, DecisionVersion] = {}
        # The newest version of every table, read at the first decision: a step uses two.
        self._newest: dict[str, DecisionVersion] | None = None

    @property
    def calendar(self) -> SwedishCalendar:
        if self._calendar is None:
            days = self._session.scalars(_CLOSING_DAYS).all()
            self._calendar = _calendar_for(tuple(sorted((d.day, d.reason) for d in days)))
        return self._calendar

    @property
    def version(self) -> str:
        used = "; ".join(sorted(d.label for d in self._decisions.values()))
        return f"{CODE_POLICY_VERSION}; {used}" if used else CODE_POLICY_VERSION

    def _decision(self, decision_id: str) -> DecisionVersion:
        if decision_id not in self._decisions:
            if self._newest is None:
                self._newest = _newest_decisions(self._session)
            found = self._newest.get(decision_id)
            if found is None:
                raise NotFound(
                    f"Beslutstabellen '{decision_id}' är inte driftsatt. Kör 'sithsflow db init'. / "
                    f"Decision table '{decision_id}' is not deployed. Run 'sithsflow db init'."
                )
            self._decisions[decision_id] = found
        return self._decisions[decision_id]

    def validity_limit(self, loa: int, issued_at: datetime) -> ValidityLimit:
        """R9/R11: the longest validity by LoA and local issue date, from the DMN table."""
        table = self._decision(VALIDITY_LIMITS)
        row = decide(
            table.source_xml, {"loa": loa, "issued_on": to_local(issued_at).date().isoformat()}
        )
        if not row:
            raise NotFound(
                f"Ingen giltighetsregel för LoA{loa} ({table.label}). / "
                f"No validity rule for LoA{loa} ({table.label})."
            )
        return ValidityLimit(
            days=row.get("max_days"), months=row.get("max_months"), rule=row["rule"]
        )

    def reminder_lead_days(self, loa: int) -> int:
        """How many local days before expiry the renewal reminder goes out."""
        row = decide(self._decision(RENEWAL_REMINDER).source_xml, {"loa": loa})
        return int(row.get("lead_days") or 0)


# Built once so SQLAlchemy reuses their cache keys on every step.
_CLOSING_DAYS = select(ClosingDay)
_NEWEST = (
    select(DecisionVersion.decision_id, func.max(DecisionVersion.version).label("version"))
    .group_by(DecisionVersion.decision_id)
    .subquery()
)
_NEWEST_DECISIONS = select(DecisionVersion).join(
    _NEWEST,
    (DecisionVersion.decision_id == _NEWEST.c.decision_id)
    & (DecisionVersion.version == _NEWEST.c.version),
)


def _newest_decisions(session: Session) -> dict[str, DecisionVersion]:
    return {row.decision_id: row for row in session.scalars(_NEWEST_DECISIONS)}
