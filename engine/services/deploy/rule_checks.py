"""S3 at deploy: a model that tries to switch a rule off is refused, naming the element.

No lane, property or DMN row may let one admin issue LoA3 alone (R6), let a role issue
what R5 does not allow, or lift a validity ceiling (R9, R11). The engine refuses the same
at run time (engine/services/actions.py); this refuses the model before any case runs it.
"""

from __future__ import annotations

from datetime import date

from engine.errors import DomainError
from engine.problems import Problem
from engine.process_properties import FOUR_EYES_START
from engine.process_properties import ISSUING_ACTIONS
from engine.process_properties import check_properties
from engine.rights import role_may_issue
from engine.runner import decide
from engine.runner.outline import ProcessOutline

LOA3_LANE = "loa3_admin"
FIRST_VERIFICATION = "first_verification"
# loa2-onsite: one ID administrator verifies in person and issues at the start (R5).
ISSUE_AT_STATION = "issue_at_station"
STATION_LANES = ("loa2_admin", "loa3_admin")
VALIDITY_LIMITS = "validity-limits"
RENEWAL_REMINDER = "renewal-reminder"
# R11 from this date: LoA2 at most 14 days; before it, 6 months (004). R9: LoA3 6 months.
R11_FROM = date(2025, 11, 16)
LOA2_MAX_DAYS_FROM_R11 = 14
MAX_MONTHS = 6
MAX_DAYS_OF_SIX_MONTHS = 184
# Issue dates the validity table is asked about: each side of every dated change.
PROBE_DAYS = (
    date(2024, 1, 1),
    date(2025, 11, 15),
    R11_FROM,
    date(2025, 12, 1),
    date(2026, 6, 30),
    date(2026, 7, 1),
    date(2028, 1, 1),
)


def check_properties_of(filename: str, outline: ProcessOutline) -> list[Problem]:
    """The typed property schema (engine.process_properties) on every element."""
    return [
        Problem(filename, element.id, problem.message)
        for element in outline.elements
        for problem in check_properties(element.kind, element.props)
    ]


def check_s3(filename: str, outline: ProcessOutline) -> list[Problem]:
    """R5 and R6 whatever the lanes and properties say."""
    problems: list[Problem] = []
    starts = outline.of_kind("StartEvent")
    first_verified = any(
        s.lane == LOA3_LANE and s.props.get("action") == FIRST_VERIFICATION for s in starts
    )
    for element in outline.elements:
        props = element.props
        action = props.get("action")
        if action == FIRST_VERIFICATION and element.lane != LOA3_LANE:
            problems.append(
                Problem(
                    filename,
                    element.id,
                    f"Första verifieringen (R6) görs av en LoA3-ID-administratör: lägg "
                    f"starthändelsen i lanen {LOA3_LANE}, inte '{element.lane}'. / The first "
                    f"verification (R6) is made by a LoA3 ID administrator: put the start "
                    f"event in the lane {LOA3_LANE}, not '{element.lane}'.",
                )
            )
        if action == ISSUE_AT_STATION and element.lane not in STATION_LANES:
            problems.append(
                Problem(
                    filename,
                    element.id,
                    f"Utfärdande på kortstation görs av en ID-administratör (R5): lägg "
                    f"starthändelsen i lanen loa2_admin eller loa3_admin, inte "
                    f"'{element.lane}'. / Issuance at a card station is made by an ID "
                    f"administrator (R5): put the start event in the lane loa2_admin or "
                    f"loa3_admin, not '{element.lane}'.",
                )
            )
        if action not in ISSUING_ACTIONS or props.get("loa") not in ("2", "3"):
            continue
        loa = int(props["loa"])
        renewal = action == "renew_certificate"
        if not role_may_issue(element.lane, loa, renewal=renewal):
            verb_sv, verb_en = ("förlänga", "renew") if renewal else ("utfärda", "issue")
            problems.append(
                Problem(
                    filename,
                    element.id,
                    f"Rollen '{element.lane}' får inte {verb_sv} LoA{loa} (R5); lägg uppgiften "
                    f"i en lane vars roll får det. / The role '{element.lane}' may not "
                    f"{verb_en} LoA{loa} (R5); put the task in a lane whose role may.",
                )
            )
        if loa == 3 and not renewal:
            problems += _check_dual_admins(filename, element.id, props, first_verified)
    return problems


def _check_dual_admins(
    filename: str, element_id: str, props: dict[str, str], first_verified: bool
) -> list[Problem]:
    """R6: LoA3 is issued by a second LoA3 admin, never the one who verified first."""
    problems: list[Problem] = []
    if props.get("four_eyes") != FOUR_EYES_START:
        problems.append(
            Problem(
                filename,
                element_id,
                "LoA3 utfärdas av två olika ID-administratörer (R6): uppgiften måste ha "
                "four_eyes=start. / LoA3 is issued by two different ID administrators (R6): "
                "the task needs four_eyes=start.",
            )
        )
    if not first_verified:
        problems.append(
            Problem(
                filename,
                element_id,
                f"LoA3 utfärdas först efter en första verifiering (R6): starthändelsen ska ha "
                f"action={FIRST_VERIFICATION} i lanen {LOA3_LANE}. / LoA3 is issued only after "
                f"a first verification (R6): the start event needs "
                f"action={FIRST_VERIFICATION} in the lane {LOA3_LANE}.",
            )
        )
    return problems


def check_decision_table(filename: str, decision_id: str, source: str) -> list[Problem]:
    """The tables the engine reads answer for every LoA (and date) they are asked about."""
    if decision_id == RENEWAL_REMINDER:
        return _check_reminder_table(filename, decision_id, source)
    if decision_id == VALIDITY_LIMITS:
        return _check_validity_table(filename, decision_id, source)
    return []


def _check_reminder_table(filename: str, decision_id: str, source: str) -> list[Problem]:
    problems: list[Problem] = []
    for loa in (2, 3):
        try:
            row = decide(source, {"loa": loa})
        except DomainError as error:
            return [Problem(filename, decision_id, error.message)]
        days = row.get("lead_days")
        if not isinstance(days, int | float) or isinstance(days, bool) or days < 0:
            problems.append(
                Problem(
                    filename,
                    decision_id,
                    f"Ingen påminnelsetid (lead_days ≥ 0) för LoA{loa}; raden ger {days!r}. / "
                    f"No reminder lead time (lead_days ≥ 0) for LoA{loa}; the row gives {days!r}.",
                )
            )
    return problems


def _check_validity_table(filename: str, decision_id: str, source: str) -> list[Problem]:
    """R9/R11: no row of the validity table may lift a ceiling; every LoA and date is covered."""
    problems: list[Problem] = []
    for loa in (2, 3):
        for day in PROBE_DAYS:
            try:
                row = decide(source, {"loa": loa, "issued_on": day.isoformat()})
            except DomainError as error:
                problems.append(Problem(filename, decision_id, error.message))
                return problems
            problem = _beyond_ceiling(loa, day, row)
            if problem is not None:
                problems.append(Problem(filename, decision_id, problem))
    return problems


def _beyond_ceiling(loa: int, day: date, row: dict[str, object]) -> str | None:
    if not row:
        return (
            f"Ingen rad gäller LoA{loa} utfärdat {day}: tabellen ska täcka varje nivå och "
            f"datum. / No row covers LoA{loa} issued on {day}: the table must cover every "
            f"level and date."
        )
    days, months = row.get("max_days"), row.get("max_months")
    if days is None and months is None:
        return (
            f"LoA{loa} {day}: max_days eller max_months saknas. / max_days or max_months missing."
        )
    strict = loa == 2 and day >= R11_FROM
    rule = "R11" if loa == 2 else "R9"
    if strict and (months is not None or not isinstance(days, int | float) or days > 14):
        return (
            f"LoA2 utfärdat {day} får gälla högst {LOA2_MAX_DAYS_FROM_R11} dagar (R11); raden "
            f"ger {days} dagar / {months} månader. / LoA2 issued on {day} may be valid at "
            f"most {LOA2_MAX_DAYS_FROM_R11} days (R11); the row gives {days} days / {months} "
            f"months."
        )
    too_long = (isinstance(months, int | float) and months > MAX_MONTHS) or (
        isinstance(days, int | float) and days > MAX_DAYS_OF_SIX_MONTHS
    )
    if too_long:
        return (
            f"LoA{loa} utfärdat {day} får gälla högst {MAX_MONTHS} månader ({rule}); raden "
            f"ger {days} dagar / {months} månader. / LoA{loa} issued on {day} may be valid at "
            f"most {MAX_MONTHS} months ({rule}); the row gives {days} days / {months} months."
        )
    return None
