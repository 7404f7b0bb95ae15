"""Certificate validity ceilings: how long a certificate issued at a given instant may run.

The ceiling is the earliest of the DMN-supplied limit, the limit the rules themselves set
(R9, R11 and the earlier 6-month LoA2 limit, `statutory_limit`), R13, R14 and the end of
the holder's employment (R3); it names the rule that bound it so that a refusal can say
why (DOMAIN.md, Conventions: Validity limits). A process owner's DMN table may lower a
limit, never lift it (S3): a row of 30 days for LoA2 still gives at most 14.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import add_local_months
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import last_instant_of_local_day
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local

# R13: LoA2 issued before this local date must not run past its local midnight.
LOA2_NO_LONGER_THAN_2025_12_01 = date(2025, 12, 1)
# R14: last local day LoA2 is valid for NLL, Pascal and NPÖ (inclusive).
LOA2_NATIONAL_END = date(2026, 6, 30)
# R11: from this local date a LoA2 certificate lives at most 14 days; before it 6 months (004).
LOA2_FOURTEEN_DAYS_FROM = date(2025, 11, 16)
LOA2_MAX_DAYS_FROM_2025_11_16 = 14
LOA2_MAX_MONTHS_BEFORE_2025_11_16 = 6
LOA3_RESERVE_MAX_MONTHS = 6  # R9
# R2: the physical card is valid 10 years from production.
CARD_LIFE_YEARS = 10

# Where a ceiling comes from, for the audit: the DMN table in force or the engine's rules.
BOUND_BY_TABLE = "dmn"
BOUND_BY_RULES = "rules"


@dataclass(frozen=True)
class ValidityLimit:
    """The longest validity a DMN table allows for a LoA on an issuing date.

    Exactly one of `days` (same local clock time N days later) and `months` (calendar
    months, clamped) is set; `rule` is the rule it comes from, e.g. "R11" or "R9".
    """

    days: int | None
    months: int | None
    rule: str

    def __post_init__(self) -> None:
        if (self.days is None) == (self.months is None):
            raise ValueError("exactly one of days and months must be set")
        amount = self.days if self.days is not None else self.months
        if amount is not None and amount <= 0:
            raise ValueError(f"a validity limit must be positive, got {amount}")


@dataclass(frozen=True)
class Ceiling:
    """The latest instant a certificate may be valid to, and the rule that set it."""

    until: datetime
    rule: str
    reason_sv: str
    reason_en: str
    bound: str = BOUND_BY_RULES  # BOUND_BY_TABLE when the DMN row set it


def statutory_limit(loa: int, issued_at: datetime) -> ValidityLimit:
    """The longest validity the rules allow, whatever a DMN table says (S3).

    LoA3 reserve: 6 months (R9). LoA2: 6 months before 2025-11-16 (004), 14 days from
    2025-11-16 (R11), by the local issue date.
    """
    if loa == 3:
        return ValidityLimit(days=None, months=LOA3_RESERVE_MAX_MONTHS, rule="R9")
    if to_local(issued_at).date() < LOA2_FOURTEEN_DAYS_FROM:
        return ValidityLimit(days=None, months=LOA2_MAX_MONTHS_BEFORE_2025_11_16, rule="R11")
    return ValidityLimit(days=LOA2_MAX_DAYS_FROM_2025_11_16, months=None, rule="R11")


def capped_by_rules(
    loa: int, issued_at: datetime, table_limit: ValidityLimit
) -> ValidityLimit | None:
    """The rules' limit when it is shorter than the DMN row's (the row is capped, S3)."""
    rules = statutory_limit(loa, issued_at)
    table = limit_ceiling(loa, issued_at, table_limit, BOUND_BY_TABLE)
    return rules if limit_ceiling(loa, issued_at, rules).until < table.until else None


def effective_limit(loa: int, issued_at: datetime, table_limit: ValidityLimit) -> ValidityLimit:
    """The shorter of a DMN table's limit and the rules' limit, as users are told it."""
    return capped_by_rules(loa, issued_at, table_limit) or table_limit


def describe_limit(limit: ValidityLimit, lang: str = "sv") -> str:
    """ "14 dagar" / "6 months": a limit as a help text or a refusal shows it."""
    if limit.days is not None:
        return f"{limit.days} {'dagar' if lang == 'sv' else 'days'}"
    return f"{limit.months} {'månader' if lang == 'sv' else 'months'}"


def limit_ceiling(
    loa: int, issued_at: datetime, limit: ValidityLimit, bound: str = BOUND_BY_RULES
) -> Ceiling:
    """The ceiling one limit sets for a certificate issued at `issued_at`."""
    if limit.days is not None:
        until = add_local_days(issued_at, limit.days)
    else:
        assert limit.months is not None  # guaranteed by ValidityLimit.__post_init__
        until = add_local_months(issued_at, limit.months)
    return Ceiling(
        until=until,
        rule=limit.rule,
        reason_sv=f"LoA{loa}-certifikat får gälla högst {describe_limit(limit, 'sv')} "
        f"({limit.rule})",
        reason_en=f"LoA{loa} certificates may be valid at most {describe_limit(limit, 'en')} "
        f"({limit.rule})",
        bound=bound,
    )


def validity_ceiling(
    *,
    loa: int,
    issued_at: datetime,
    limit: ValidityLimit,
    accepts_loa2_after_national_end: bool,
    employment_end: date | None,
    card_end_of_life: date | None = None,
) -> Ceiling:
    """The earliest of every limit that applies to a certificate issued at `issued_at`.

    `limit` is the DMN table's; the rules' own limit (R9, R11) caps it (S3). On a tie the
    first in this order wins: the DMN limit, the rules' limit, R13, R14, R3, R2.
    `card_end_of_life` is the card's last day (`card_end_of_life`, R2), when one is known.
    """
    if loa not in (2, 3):
        raise Invalid(
            f"SITHS har bara tillitsnivå 2 och 3, inte {loa} (R1). / "
            f"SITHS has only LoA2 and LoA3, not {loa} (R1).",
            rule="R1",
        )
    candidates = [
        limit_ceiling(loa, issued_at, limit, BOUND_BY_TABLE),
        # S3: a DMN row may lower the limit, never lift it past R9/R11.
        limit_ceiling(loa, issued_at, statutory_limit(loa, issued_at)),
    ]
    if loa == 2 and to_local(issued_at).date() < LOA2_NO_LONGER_THAN_2025_12_01:
        # R13: certificates issued before 2025-12-01 must not run past it.
        candidates.append(
            Ceiling(
                until=local_midnight(LOA2_NO_LONGER_THAN_2025_12_01),
                rule="R13",
                reason_sv="LoA2-certifikat utfärdade före 2025-12-01 får inte gälla "
                "efter 2025-12-01 00:00 (R13)",
                reason_en="LoA2 certificates issued before 2025-12-01 must not run past "
                "2025-12-01 00:00 (R13)",
            )
        )
    if loa == 2 and not accepts_loa2_after_national_end:
        # R14: without the organisation's acceptance, no LoA2 runs past 2026-06-30.
        candidates.append(
            Ceiling(
                until=last_instant_of_local_day(LOA2_NATIONAL_END),
                rule="R14",
                reason_sv="organisationen godtar inte LoA2 efter 2026-06-30 (R14)",
                reason_en="the organisation does not accept LoA2 after 2026-06-30 (R14)",
            )
        )
    if employment_end is not None:
        # R3: a validity may not outlast the holder's employment in the directory.
        candidates.append(
            Ceiling(
                until=last_instant_of_local_day(employment_end),
                rule="R3",
                reason_sv=f"innehavarens anställning upphör {employment_end.isoformat()} (R3)",
                reason_en=f"the holder's employment ends {employment_end.isoformat()} (R3)",
            )
        )
    if card_end_of_life is not None:
        # R2: no certificate runs past the physical card's end of life.
        candidates.append(
            Ceiling(
                until=last_instant_of_local_day(card_end_of_life),
                rule="R2",
                reason_sv=f"kortets livslängd tar slut {card_end_of_life.isoformat()}, 10 år "
                "efter tillverkningen (R2)",
                reason_en=f"the card's life ends {card_end_of_life.isoformat()}, 10 years "
                "after production (R2)",
            )
        )
    return min(candidates, key=lambda ceiling: ceiling.until)


def card_end_of_life(produced_on: date) -> date:
    """R2: the last day a card produced on `produced_on` is valid, 10 years on (the day
    before the tenth anniversary; a card produced on 29 February ends on 28 February)."""
    try:
        anniversary = produced_on.replace(year=produced_on.year + CARD_LIFE_YEARS)
    except ValueError:  # 29 February in a year without it
        anniversary = date(produced_on.year + CARD_LIFE_YEARS, 3, 1)
    return date.fromordinal(anniversary.toordinal() - 1)


def _beyond_ceiling(ceiling: Ceiling) -> NotPermitted:
    return NotPermitted(
        f"Certifikatet får gälla längst till {describe_local_sv(ceiling.until)}: "
        f"{ceiling.reason_sv}. / The certificate may be valid until "
        f"{describe_local_en(ceiling.until)} at the latest: {ceiling.reason_en}.",
        rule=ceiling.rule,
    )


def _not_after_issue(issued_at: datetime) -> Invalid:
    return Invalid(
        f"Giltighetstiden måste sluta efter utfärdandet ({describe_local_sv(issued_at)}). / "
        f"The validity must end after issuance ({describe_local_en(issued_at)})."
    )


def resolve_valid_until(
    requested: date | datetime,
    *,
    issued_at: datetime,
    ceiling: Ceiling,
    current_until: datetime | None = None,
) -> datetime:
    """The validity end to issue with, or a refusal citing the rule that binds.

    An aware datetime is taken as asked if it lies after `issued_at` and not past the
    ceiling. A date means "valid through that day as far as the rules allow": the last
    instant of that local day (23:59:59) or the ceiling, whichever is earlier; a day wholly
    beyond the ceiling is refused. Example: issued 2026-11-23 15:01 local with a 14-day LoA2
    limit, the date 2026-12-06 gives 2026-12-06 23:59:59, the date 2026-12-07 gives
    2026-12-07 15:01 local and 2026-12-08 is refused (R11).

    `current_until` is the end of the certificate a renewal replaces. A renewal to the day
    that certificate already ends on keeps its end: the ceiling is counted from the renewal's
    own instant, so "as far as the rules allow" would otherwise add the minutes between
    issuance and renewal each time (issue 11, renewal drift).
    """
    if ceiling.until <= issued_at:
        # Nothing can be issued at all (e.g. R14 after 2026-06-30, R3 after employment).
        raise _beyond_ceiling(ceiling)
    if isinstance(requested, datetime):
        # datetime is a subclass of date, so this test must come first.
        if requested.tzinfo is None or requested.utcoffset() is None:
            raise Invalid(
                f"Tidpunkten '{requested.isoformat()}' saknar tidszon. / "
                f"The time '{requested.isoformat()}' has no time zone."
            )
        if requested <= issued_at:
            raise _not_after_issue(issued_at)
        if requested > ceiling.until:
            raise _beyond_ceiling(ceiling)
        return requested.astimezone(UTC)
    if local_midnight(requested) >= ceiling.until:
        raise _beyond_ceiling(ceiling)
    valid_until = min(last_instant_of_local_day(requested), ceiling.until)
    if (
        current_until is not None
        and valid_until == ceiling.until
        and issued_at < current_until < valid_until
        and to_local(current_until).date() == requested
    ):
        # A renewal to the day the certificate already ends on, cut by the ceiling again,
        # keeps its end: the cap moved only by the time since the last issuance.
        valid_until = current_until
    if valid_until <= issued_at:
        raise _not_after_issue(issued_at)
    return valid_until


def is_valid_for_national_systems(loa: int, valid_until: datetime) -> bool:
    """R14: False for a LoA2 certificate running past 2026-06-30 (not for NLL, Pascal, NPÖ)."""
    if loa == 3:
        return True
    return valid_until <= last_instant_of_local_day(LOA2_NATIONAL_END)
