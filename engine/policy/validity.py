"""Certificate validity ceilings: how long a certificate issued at a given instant may run.

The ceiling is the earliest of the DMN-supplied limit (R9, R11 and the earlier 6-month LoA2
limit), R13, R14 and the end of the holder's employment (R3); it names the rule that bound
it so that a refusal can say why (DOMAIN.md, Conventions: Validity limits).
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
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local

# R13: LoA2 issued before this local date must not run past its local midnight.
LOA2_NO_LONGER_THAN_2025_12_01 = date(2025, 12, 1)
# R14: last local day LoA2 is valid for NLL, Pascal and NPÖ (inclusive).
LOA2_NATIONAL_END = date(2026, 6, 30)


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


def _limit_ceiling(loa: int, issued_at: datetime, limit: ValidityLimit) -> Ceiling:
    if limit.days is not None:
        return Ceiling(
            until=add_local_days(issued_at, limit.days),
            rule=limit.rule,
            reason_sv=f"LoA{loa}-certifikat får gälla högst {limit.days} dagar ({limit.rule})",
            reason_en=f"LoA{loa} certificates may be valid at most {limit.days} days "
            f"({limit.rule})",
        )
    assert limit.months is not None  # guaranteed by ValidityLimit.__post_init__
    return Ceiling(
        until=add_local_months(issued_at, limit.months),
        rule=limit.rule,
        reason_sv=f"LoA{loa}-certifikat får gälla högst {limit.months} månader ({limit.rule})",
        reason_en=f"LoA{loa} certificates may be valid at most {limit.months} months "
        f"({limit.rule})",
    )


def validity_ceiling(
    *,
    loa: int,
    issued_at: datetime,
    limit: ValidityLimit,
    accepts_loa2_after_national_end: bool,
    employment_end: date | None,
) -> Ceiling:
    """The earliest of every limit that applies to a certificate issued at `issued_at`.

    On a tie the first in this order wins: the DMN limit, R13, R14, R3.
    """
    if loa not in (2, 3):
        raise Invalid(
            f"SITHS har bara tillitsnivå 2 och 3, inte {loa} (R1). / "
            f"SITHS has only LoA2 and LoA3, not {loa} (R1).",
            rule="R1",
        )
    candidates = [_limit_ceiling(loa, issued_at, limit)]
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
                until=end_of_local_day(LOA2_NATIONAL_END),
                rule="R14",
                reason_sv="organisationen godtar inte LoA2 efter 2026-06-30 (R14)",
                reason_en="the organisation does not accept LoA2 after 2026-06-30 (R14)",
            )
        )
    if employment_end is not None:
        # R3: a validity may not outlast the holder's employment in the directory.
        candidates.append(
            Ceiling(
                until=end_of_local_day(employment_end),
                rule="R3",
                reason_sv=f"innehavarens anställning upphör {employment_end.isoformat()} (R3)",
                reason_en=f"the holder's employment ends {employment_end.isoformat()} (R3)",
            )
        )
    return min(candidates, key=lambda ceiling: ceiling.until)


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
    requested: date | datetime, *, issued_at: datetime, ceiling: Ceiling
) -> datetime:
    """The validity end to issue with, or a refusal citing the rule that binds.

    An aware datetime is taken as asked if it lies after `issued_at` and not past the
    ceiling. A date means "valid through that day as far as the rules allow": the end of
    that local day or the ceiling, whichever is earlier; a day wholly beyond the ceiling
    is refused. Example: issued 2026-11-23 15:01 local with a 14-day LoA2 limit, the date
    2026-12-07 gives 2026-12-07 15:01 local and 2026-12-08 is refused (R11).
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
    valid_until = min(end_of_local_day(requested), ceiling.until)
    if valid_until <= issued_at:
        raise _not_after_issue(issued_at)
    return valid_until


def is_valid_for_national_systems(loa: int, valid_until: datetime) -> bool:
    """R14: False for a LoA2 certificate running past 2026-06-30 (not for NLL, Pascal, NPÖ)."""
    if loa == 3:
        return True
    return valid_until <= end_of_local_day(LOA2_NATIONAL_END)
