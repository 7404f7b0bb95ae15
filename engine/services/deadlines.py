"""Deadlines as the case's own process version defines them (R7), for every text users see.

The R7 deadline is the version's boundary timer (`"P5D"` in loa3-reserve version 1); its
waiting row holds the instant. A refusal, the audit, the forms' help, the queue and the
reports read it here, so a version whose timer says 7 days shows 7 days to its cases
while older cases keep 5.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from engine.model import ProcessDefinition
from engine.model import ProcessVersion
from engine.policy.timekeeping import format_local
from engine.runner import TimerView
from engine.runner.definitions import deadline_days
from engine.services.actions import PolicyDecision
from engine.services.deploy.versions import active_version

R7 = "R7"


def second_verification_days(version: ProcessVersion) -> int | None:
    """R7: how many local days a case of `version` has for its second verification."""
    return deadline_days(version.spec_json, R7)


def newest_second_verification_days(session: Session, process_id: str) -> int | None:
    """R7 for a case that would start now: the active version, which new cases start on."""
    definition = session.get(ProcessDefinition, process_id)
    if definition is None:
        return None
    return second_verification_days(active_version(session, process_id))


def deadline_decisions(timers: Iterable[TimerView], known: set[str]) -> list[PolicyDecision]:
    """The audit's "andra verifieringen senast …", from the timer the step just started.

    `known` are the timer tasks that were waiting before the step; only new ones are told.
    """
    decisions = []
    for timer in timers:
        if timer.task_id in known or timer.properties.get("rule") != R7 or not timer.interrupting:
            continue
        when = format_local(timer.due_at)
        decisions.append(
            PolicyDecision(
                R7,
                f"Andra verifieringen senast {when} / Second verification by {when}",
                {"deadline": timer.due_at, "timer": timer.name},
            )
        )
    return decisions
