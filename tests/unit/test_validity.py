"""Validity ceilings: R9, R11, R13, R14 and the employment end (R3)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.policy.timekeeping import STOCKHOLM
from engine.policy.timekeeping import to_local
from engine.policy.validity import Ceiling
from engine.policy.validity import ValidityLimit
from engine.policy.validity import effective_limit
from engine.policy.validity import is_valid_for_national_systems
from engine.policy.validity import resolve_valid_until
from engine.policy.validity import statutory_limit
from engine.policy.validity import validity_ceiling

LOA3_LIMIT = ValidityLimit(days=None, months=6, rule="R9")
LOA2_LIMIT_FROM_2025_11_16 = ValidityLimit(days=14, months=None, rule="R11")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


def last_instant(year: int, month: int, day: int) -> datetime:
    """23:59:59 local: a validity typed as that date ends there (CONTRACT.md)."""
    return local(year, month, day, 23, 59, 59)


def dmn_loa2_limit(issued_on: date) -> ValidityLimit:
    """What the LoA2 validity DMN table answers: 6 months before 2025-11-16, then 14 days."""
    if issued_on < date(2025, 11, 16):
        return ValidityLimit(days=None, months=6, rule="R11")
    return LOA2_LIMIT_FROM_2025_11_16


def ceiling_for(
    loa: int,
    issued_at: datetime,
    *,
    accepts: bool = False,
    employment_end: date | None = None,
) -> Ceiling:
    limit = dmn_loa2_limit(to_local(issued_at).date()) if loa == 2 else LOA3_LIMIT
    return validity_ceiling(
        loa=loa,
        issued_at=issued_at,
        limit=limit,
        accepts_loa2_after_national_end=accepts,
        employment_end=employment_end,
    )


def test_r11_loa2_issued_2025_11_15_falls_under_six_months_and_r13_caps_it() -> None:
    ceiling = ceiling_for(2, local(2025, 11, 15, 10, 0))
    assert ceiling.until == local(2025, 12, 1, 0, 0)
    assert ceiling.rule == "R13"


def test_r11_loa2_issued_2025_11_16_is_valid_at_most_14_days() -> None:
    ceiling = ceiling_for(2, local(2025, 11, 16, 10, 0))
    assert ceiling.until == local(2025, 11, 30, 10, 0)
    assert ceiling.rule == "R11"


def test_loa2_issued_in_may_2025_ran_six_months() -> None:
    ceiling = ceiling_for(2, local(2025, 5, 20, 10, 0))
    assert ceiling.until == local(2025, 11, 20, 10, 0)
    assert ceiling.rule == "R11"


def test_r13_loa2_issued_2025_11_20_capped_at_2025_12_01_midnight_local() -> None:
    ceiling = ceiling_for(2, local(2025, 11, 20, 16, 0))
    assert ceiling.until == datetime(2025, 11, 30, 23, 0, tzinfo=UTC)
    assert ceiling.rule == "R13"
    assert "R13" in ceiling.reason_sv and "R13" in ceiling.reason_en


def test_r13_judges_the_issue_date_in_local_time() -> None:
    # 2025-11-30 23:30 UTC is already 2025-12-01 00:30 in Stockholm: R13 no longer applies.
    ceiling = ceiling_for(2, datetime(2025, 11, 30, 23, 30, tzinfo=UTC))
    assert ceiling.rule == "R11"
    assert ceiling.until == local(2025, 12, 15, 0, 30)


def test_r13_does_not_touch_loa3() -> None:
    ceiling = ceiling_for(3, local(2025, 11, 20, 16, 0))
    assert ceiling.until == local(2026, 5, 20, 16, 0)
    assert ceiling.rule == "R9"


def test_r14_loa2_without_acceptance_ends_with_2026_06_30() -> None:
    ceiling = ceiling_for(2, local(2026, 6, 20, 16, 0))
    assert ceiling.until == last_instant(2026, 6, 30)
    assert ceiling.rule == "R14"


def test_r14_loa2_with_acceptance_runs_its_14_days_and_is_not_for_national_systems() -> None:
    ceiling = ceiling_for(2, local(2026, 6, 20, 16, 0), accepts=True)
    assert ceiling.until == local(2026, 7, 4, 16, 0)
    assert ceiling.rule == "R11"
    assert is_valid_for_national_systems(2, ceiling.until) is False


def test_r14_loa2_after_2026_06_30_without_acceptance_is_refused() -> None:
    issued_at = local(2026, 7, 1, 16, 0)
    ceiling = ceiling_for(2, issued_at)
    with pytest.raises(NotPermitted) as caught:
        resolve_valid_until(date(2026, 7, 2), issued_at=issued_at, ceiling=ceiling)
    assert caught.value.rule == "R14"


def test_r14_does_not_touch_loa3() -> None:
    ceiling = ceiling_for(3, local(2026, 6, 20, 16, 0))
    assert ceiling.until == local(2026, 12, 20, 16, 0)
    assert ceiling.rule == "R9"


@pytest.mark.parametrize(
    ("loa", "valid_until", "expected"),
    [
        (2, last_instant(2026, 6, 30), True),
        (2, last_instant(2026, 6, 30) + timedelta(seconds=1), False),
        (2, local(2026, 1, 10, 16, 0), True),
        (3, local(2027, 5, 1, 10, 0), True),
    ],
)
def test_r14_national_systems_accept_loa2_only_through_2026_06_30(
    loa: int, valid_until: datetime, expected: bool
) -> None:
    assert is_valid_for_national_systems(loa, valid_until) is expected


def test_r3_validity_never_outlasts_the_employment() -> None:
    ceiling = ceiling_for(3, local(2026, 11, 23, 10, 0), employment_end=date(2026, 12, 31))
    assert ceiling.until == last_instant(2026, 12, 31)
    assert ceiling.rule == "R3"


def test_r3_employment_ending_later_than_the_limit_does_not_bind() -> None:
    ceiling = ceiling_for(3, local(2026, 11, 23, 10, 0), employment_end=date(2027, 12, 31))
    assert ceiling.rule == "R9"


def test_r3_employment_already_ended_refuses_issuance() -> None:
    issued_at = local(2026, 11, 23, 10, 0)
    ceiling = ceiling_for(3, issued_at, employment_end=date(2026, 11, 20))
    with pytest.raises(NotPermitted) as caught:
        resolve_valid_until(date(2026, 12, 1), issued_at=issued_at, ceiling=ceiling)
    assert caught.value.rule == "R3"


def test_r9_six_months_clamped_to_the_last_day_of_february() -> None:
    ceiling = ceiling_for(3, local(2026, 8, 31, 10, 0))
    assert ceiling.until == local(2027, 2, 28, 10, 0)


ISSUED = datetime.fromisoformat("2026-11-23T15:01:00+01:00")


@pytest.fixture
def loa2_ceiling() -> Ceiling:
    # After 2026-06-30 LoA2 exists only where the organisation accepts it (R14).
    return ceiling_for(2, ISSUED, accepts=True)


def test_r11_date_on_the_last_day_resolves_to_the_ceiling(loa2_ceiling: Ceiling) -> None:
    assert loa2_ceiling.until == local(2026, 12, 7, 15, 1)
    valid_until = resolve_valid_until(date(2026, 12, 7), issued_at=ISSUED, ceiling=loa2_ceiling)
    assert valid_until == local(2026, 12, 7, 15, 1)


def test_r11_date_after_the_last_day_is_refused_with_the_latest_time(
    loa2_ceiling: Ceiling,
) -> None:
    with pytest.raises(NotPermitted) as caught:
        resolve_valid_until(date(2026, 12, 8), issued_at=ISSUED, ceiling=loa2_ceiling)
    assert caught.value.rule == "R11"
    message = caught.value.message
    assert "längst till måndag 2026-12-07 15:01" in message
    assert "until Monday 2026-12-07 15:01" in message
    assert message.index("14 dagar") < message.index(" / ") < message.index("14 days")


def test_earlier_date_means_through_the_end_of_that_local_day(loa2_ceiling: Ceiling) -> None:
    valid_until = resolve_valid_until(date(2026, 12, 6), issued_at=ISSUED, ceiling=loa2_ceiling)
    assert valid_until == last_instant(2026, 12, 6)
    assert to_local(valid_until).isoformat() == "2026-12-06T23:59:59+01:00"
    assert valid_until.tzinfo is UTC


def test_issue_day_itself_is_allowed(loa2_ceiling: Ceiling) -> None:
    valid_until = resolve_valid_until(date(2026, 11, 23), issued_at=ISSUED, ceiling=loa2_ceiling)
    assert valid_until == last_instant(2026, 11, 23)


def test_date_before_the_issue_day_is_invalid(loa2_ceiling: Ceiling) -> None:
    with pytest.raises(Invalid):
        resolve_valid_until(date(2026, 11, 22), issued_at=ISSUED, ceiling=loa2_ceiling)


def test_instant_up_to_the_ceiling_is_accepted_and_returned_in_utc(
    loa2_ceiling: Ceiling,
) -> None:
    requested = local(2026, 12, 7, 15, 1)
    valid_until = resolve_valid_until(requested, issued_at=ISSUED, ceiling=loa2_ceiling)
    assert valid_until == requested
    assert valid_until.tzinfo is UTC


def test_r11_instant_one_second_past_the_ceiling_is_refused(loa2_ceiling: Ceiling) -> None:
    with pytest.raises(NotPermitted) as caught:
        resolve_valid_until(
            local(2026, 12, 7, 15, 1) + timedelta(seconds=1),
            issued_at=ISSUED,
            ceiling=loa2_ceiling,
        )
    assert caught.value.rule == "R11"


@pytest.mark.parametrize(
    "requested",
    [ISSUED, ISSUED - timedelta(hours=1), datetime(2026, 12, 1, 12, 0)],
)
def test_instant_not_after_issue_or_naive_is_invalid(
    loa2_ceiling: Ceiling, requested: datetime
) -> None:
    with pytest.raises(Invalid):
        resolve_valid_until(requested, issued_at=ISSUED, ceiling=loa2_ceiling)


def test_r1_only_loa2_and_loa3_have_ceilings() -> None:
    with pytest.raises(Invalid) as caught:
        validity_ceiling(
            loa=4,
            issued_at=ISSUED,
            limit=LOA3_LIMIT,
            accepts_loa2_after_national_end=False,
            employment_end=None,
        )
    assert caught.value.rule == "R1"


@pytest.mark.parametrize(
    ("days", "months"),
    [(None, None), (14, 6), (0, None), (None, -1)],
)
def test_validity_limit_needs_exactly_one_positive_amount(
    days: int | None, months: int | None
) -> None:
    with pytest.raises(ValueError):
        ValidityLimit(days=days, months=months, rule="R11")


# --- S3: a DMN row may lower a limit, never lift it ---------------------------------


@pytest.mark.parametrize(
    ("loa", "issued_at", "table", "until", "rule", "bound"),
    [
        pytest.param(
            2,
            local(2026, 7, 1, 15, 1),
            ValidityLimit(30, None, "R11"),
            local(2026, 7, 15, 15, 1),
            "R11",
            "rules",
            id="loa2-30-days-capped-at-14",
        ),
        pytest.param(
            2,
            local(2026, 7, 1, 15, 1),
            ValidityLimit(7, None, "R11"),
            local(2026, 7, 8, 15, 1),
            "R11",
            "dmn",
            id="loa2-7-days-lowers",
        ),
        pytest.param(
            2,
            local(2025, 5, 2, 10),
            ValidityLimit(None, 12, "R11"),
            local(2025, 11, 2, 10),
            "R11",
            "rules",
            id="loa2-before-2025-11-16-six-months",
        ),
        pytest.param(
            3,
            local(2026, 8, 31, 10),
            ValidityLimit(None, 12, "R9"),
            local(2027, 2, 28, 10),
            "R9",
            "rules",
            id="loa3-12-months-capped-at-6",
        ),
        pytest.param(
            3,
            local(2026, 8, 31, 10),
            ValidityLimit(90, None, "R9"),
            local(2026, 11, 29, 10),
            "R9",
            "dmn",
            id="loa3-90-days-lowers",
        ),
    ],
)
def test_s3_rules_cap_a_longer_table_row_and_a_shorter_one_binds(
    loa: int, issued_at: datetime, table: ValidityLimit, until: datetime, rule: str, bound: str
) -> None:
    ceiling = validity_ceiling(
        loa=loa,
        issued_at=issued_at,
        limit=table,
        accepts_loa2_after_national_end=True,
        employment_end=None,
    )
    assert (ceiling.until, ceiling.rule, ceiling.bound) == (until, rule, bound)
    assert effective_limit(loa, issued_at, table) == (
        table if bound == "dmn" else statutory_limit(loa, issued_at)
    )
