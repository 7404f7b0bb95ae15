"""A rule decided at a simulated step: rule ID, inputs, outcome; and how one is made.

engine.services.simulated_rules judges a simulated step with the engine's own checks; a
check that passes gives a decision with its sentence, one that raises a DomainError gives a
refused decision with the error's own bilingual sentence, split for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from engine.errors import DomainError


@dataclass(frozen=True)
class RuleDecision:
    """One rule decided at a simulated step: the rule, what it was judged on, the outcome.

    `table` names the DMN decision table that decided (with "draft" or its version);
    `passed` is False for a refusal, which stops the simulated case at `element`.
    """

    element: str
    at: datetime
    rule: str
    inputs: tuple[tuple[str, str], ...]
    outcome_sv: str
    outcome_en: str
    passed: bool = True
    table: str | None = None


@dataclass(frozen=True)
class Step:
    """The simulated step being judged: where, when, in which lane, with what properties."""

    element: str
    at: datetime
    lane: str | None
    properties: Mapping[str, str]


def passed(
    step: Step,
    rule: str,
    inputs: Mapping[str, str],
    sv: str,
    en: str,
    *,
    table: str | None = None,
) -> RuleDecision:
    return RuleDecision(step.element, step.at, rule, tuple(inputs.items()), sv, en, True, table)


def failed(step: Step, rule: str, inputs: Mapping[str, str], sv: str, en: str) -> RuleDecision:
    return RuleDecision(step.element, step.at, rule, tuple(inputs.items()), sv, en, False)


def refused(
    step: Step, error: DomainError, inputs: Mapping[str, str], *, table: str | None = None
) -> RuleDecision:
    """A refusal of the engine's own check, its bilingual message split for the page."""
    sv, _, en = error.message.partition(" / ")
    return RuleDecision(
        step.element,
        step.at,
        error.rule or "S3",
        tuple(inputs.items()),
        sv.strip(),
        (en or sv).strip(),
        False,
        table,
    )


def checked(
    step: Step,
    rule: str,
    inputs: Mapping[str, str],
    check: Callable[[], None],
    sv: str,
    en: str,
) -> RuleDecision:
    """Run one of the engine's checks: a pass with `sv`/`en`, or its refusal."""
    try:
        check()
    except DomainError as error:
        return refused(step, error, inputs)
    return passed(step, rule, inputs, sv, en)
