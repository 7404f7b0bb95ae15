"""The validity decisions of a simulated issue or renewal: the table's limit, the ceiling
and the renewal reminder's lead time, as engine.services.actions takes them (S3: the
rules' own limits cap the table's), without a holder's employment or a card's life,
which only a real case knows.
"""

from __future__ import annotations

from datetime import datetime

from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import to_local
from engine.policy.validity import ValidityLimit
from engine.policy.validity import capped_by_rules
from engine.policy.validity import describe_limit
from engine.policy.validity import resolve_valid_until
from engine.policy.validity import statutory_limit
from engine.policy.validity import validity_ceiling
from engine.runner import RuleTaskDone
from engine.runner import decide
from engine.services.rule_decisions import RuleDecision
from engine.services.rule_decisions import Step
from engine.services.rule_decisions import passed
from engine.services.rule_decisions import refused

# The reminder's lead time is the warning before expiry (R18); the table has no rule column.
REMINDER_RULE = "R18"
# The rule a table's decision is cited by when its row names none (a `rule` output).
TABLE_RULES = {"renewal-reminder": REMINDER_RULE, "validity-limits": "R11"}


def validity_limit(
    step: Step, loa: int, table: tuple[str, str]
) -> tuple[ValidityLimit | None, RuleDecision]:
    """The validity-limits row for `loa` on the step's day (`table`: its text and label)."""
    xml, label = table
    day = to_local(step.at).date().isoformat()
    inputs = {"loa": str(loa), "issued_on": day}
    try:
        row = decide(xml, {"loa": loa, "issued_on": day})
        limit = ValidityLimit(
            days=row.get("max_days"), months=row.get("max_months"), rule=row["rule"]
        )
    except (KeyError, ValueError, TypeError, DomainError) as error:
        refusal = Invalid(
            f"Tabellen ger ingen användbar giltighetstid ({error}) / The table gives no "
            f"usable validity ({error})",
            rule="S3",
        )
        return None, refused(step, refusal, inputs, table=label)
    return limit, passed(
        step,
        limit.rule,
        inputs,
        f"Högst {describe_limit(limit, 'sv')}",
        f"At most {describe_limit(limit, 'en')}",
        table=label,
    )


def ceiling_of(
    step: Step, loa: int, limit: ValidityLimit, loa2_accepted: tuple[bool, str]
) -> tuple[datetime | None, list[RuleDecision]]:
    """The ceiling (the table's limit capped by R9/R11, R13, R14) and the validity the
    simulated worker gets: as long as the rules allow; None when nothing can be issued."""
    accepts, shown = loa2_accepted
    ceiling = validity_ceiling(
        loa=loa,
        issued_at=step.at,
        limit=limit,
        accepts_loa2_after_national_end=accepts,
        employment_end=None,
    )
    inputs = {
        "issued_at": format_local(step.at),
        "table_limit": _both(limit),
        "rules_limit": _both(statutory_limit(loa, step.at)),
    }
    if loa == 2:
        inputs["organisation_accepts_loa2_after_2026_06_30"] = shown
    try:
        # The simulated worker asks for as long as the rules allow.
        valid_until = resolve_valid_until(ceiling.until, issued_at=step.at, ceiling=ceiling)
    except DomainError as error:
        return None, [refused(step, error, inputs)]
    decisions = [
        passed(
            step,
            ceiling.rule,
            inputs,
            f"Giltig till {format_local(valid_until)} ({ceiling.reason_sv})",
            f"Valid until {format_local(valid_until)} ({ceiling.reason_en})",
        )
    ]
    rules = capped_by_rules(loa, step.at, limit)
    if rules is not None:
        decisions.append(
            passed(
                step,
                rules.rule,
                {"table_limit": _both(limit)},
                f"Tabellens {describe_limit(limit, 'sv')} sänks till "
                f"{describe_limit(rules, 'sv')} (S3)",
                f"The table's {describe_limit(limit, 'en')} is capped at "
                f"{describe_limit(rules, 'en')} (S3)",
            )
        )
    return valid_until, decisions


def reminder_of(
    step: Step, loa: int, valid_until: datetime, table: tuple[str, str]
) -> tuple[int, RuleDecision]:
    """The renewal reminder's lead time for `loa` from the renewal-reminder table."""
    xml, label = table
    lead = int(decide(xml, {"loa": loa}).get("lead_days") or 0)
    reminder_at = add_local_days(valid_until, -lead)
    return lead, passed(
        step,
        REMINDER_RULE,
        {"loa": str(loa), "valid_until": format_local(valid_until)},
        f"Påminnelse {lead} dagar före utgång: {format_local(reminder_at)}",
        f"Reminder {lead} days before expiry: {format_local(reminder_at)}",
        table=label,
    )


def _both(limit: ValidityLimit) -> str:
    """An input value in both languages ("14 dagar / 14 days"), shown in the reader's."""
    return f"{describe_limit(limit, 'sv')} / {describe_limit(limit, 'en')}"


def rule_task_decision(done: RuleTaskDone, at: datetime) -> RuleDecision:
    """A business rule task of the draft that ran: its table (the draft's, compiled into
    the simulated version), inputs and outputs; cited by the row's `rule` output, else the
    table's rule."""
    outputs = dict(done.outputs)
    rule = str(outputs.get("rule") or TABLE_RULES.get(done.decision, done.decision))
    said = ", ".join(f"{name} = {value}" for name, value in done.outputs)
    step = Step(done.name, at, None, {})
    inputs = {name: str(value) for name, value in done.inputs}
    table = f"{done.decision} (utkast) / {done.decision} (draft)"
    if not said:
        sv, en = "Ingen rad gällde; inget resultat", "No row applied; no result"
    else:
        sv, en = f"Resultat: {said}", f"Result: {said}"
    return passed(step, rule, inputs, sv, en, table=table)
