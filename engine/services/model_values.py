"""Numbers users read in forms and on pages, taken from the model in force, not from Python.

A help text says "inom {r7_days} dagar" and "högst {loa2_max_validity}"; the values come
from the case's own process version (its R7 timer) or, before a case exists, from the
version new cases start on, and from the validity-limits table in force, capped by the
rules (S3). So a process owner's 7-day version shows 7 days to its cases, and a DMN table
lowering LoA2 to 10 days shows 10 days. A task's form also shows the latest date its
validity may be typed as now: the ceiling the action itself would judge by (R9, R11, R13,
R14, R3) for the case's card user and organisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import NotFound
from engine.model import Case
from engine.model import ReserveCard
from engine.policy.timekeeping import latest_date_before
from engine.policy.timekeeping import to_local
from engine.policy.validity import ValidityLimit
from engine.policy.validity import describe_limit
from engine.policy.validity import effective_limit
from engine.services.actions import holder_ceiling
from engine.services.deadlines import newest_second_verification_days
from engine.services.deadlines import second_verification_days
from engine.services.directory import employment_in
from engine.services.policy import PolicyReader
from engine.services.runtime import Runtime

# Shown when the model has no such value (e.g. a version without an R7 timer).
UNKNOWN = "–"


@dataclass(frozen=True)
class ModelValues:
    """R7 days for the case (or a new one), and the validity limits in force (R9, R11)."""

    second_verification_days: int | None
    loa2_max_validity: ValidityLimit
    loa3_max_validity: ValidityLimit
    # The case's validity may be typed as this date at the latest now; None before a case
    # exists, or when nothing can be issued to its card user (the action says why).
    latest_valid_until: date | None = None

    def placeholders(self, lang: str) -> dict[str, str]:
        """What `{r7_days}`, `{loa2_max_validity}`, `{loa3_max_validity}` and
        `{latest_valid_until}` read as in `lang`."""
        days = self.second_verification_days
        latest = self.latest_valid_until
        return {
            "r7_days": str(days) if days is not None else UNKNOWN,
            "loa2_max_validity": describe_limit(self.loa2_max_validity, lang),
            "loa3_max_validity": describe_limit(self.loa3_max_validity, lang),
            "latest_valid_until": latest.isoformat() if latest is not None else UNKNOWN,
        }


def model_values(
    runtime: Runtime, clock: Clock, process_id: str, case_id: int | None = None
) -> ModelValues:
    """The values a form of `process_id` (for case `case_id`, if one exists) shows now."""
    now = clock.now()
    latest = None
    with runtime.database.sessions() as session:
        policy = PolicyReader(session)
        if case_id is None:
            days = newest_second_verification_days(session, process_id)
        else:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound(f"Inget ärende {case_id}. / No case {case_id}.")
            days = second_verification_days(case.process_version)
            latest = _latest_valid_until(session, policy, case, now)
        return ModelValues(
            second_verification_days=days,
            loa2_max_validity=_limit(policy, 2, now),
            loa3_max_validity=_limit(policy, 3, now),
            latest_valid_until=latest,
        )


def _latest_valid_until(
    session: Session, policy: PolicyReader, case: Case, now: datetime
) -> date | None:
    """The last day the case's certificate may be typed to if issued or renewed now."""
    loa = json.loads(case.data_json).get("loa")
    holder = case.holder
    if loa not in (2, 3) or holder is None:
        return None
    employment = employment_in(holder, case.organisation, to_local(now).date())
    if employment is None:
        return None  # R3: nothing can be issued; the action refuses and says why
    try:
        limit = policy.validity_limit(loa, now)
    except (NotFound, ValueError, TypeError):
        return None  # the action refuses an unusable table (S3)
    # R2: a case whose card is known shows the card's end of life too.
    card = session.get(ReserveCard, str(json.loads(case.data_json).get("card_number")))
    end_of_life = card.end_of_life if card is not None else None
    ceiling = holder_ceiling(loa, now, limit, case.organisation, employment.end_date, end_of_life)
    if ceiling.until <= now:
        return None
    return latest_date_before(ceiling.until)


def _limit(policy: PolicyReader, loa: int, now: datetime) -> ValidityLimit:
    return effective_limit(loa, now, policy.validity_limit(loa, now))
