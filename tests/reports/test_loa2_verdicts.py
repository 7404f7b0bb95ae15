"""judge_loa2 at the boundaries of R12 (office hours), R13 and R14, without a database."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from engine.policy.calendar import SwedishCalendar
from engine.policy.validity import ValidityLimit
from engine.reporting.compliance import judge_loa2
from tests.support.flows import local

FOURTEEN_DAYS = ValidityLimit(days=14, months=None, rule="R11")
CALENDAR = SwedishCalendar()


def _violations(
    at: str, days: float = 14, accepts: bool = False, marked: bool = True
) -> tuple[str, ...]:
    issued = local(at)
    return judge_loa2(
        issued_at=issued,
        valid_until=issued + timedelta(days=days),
        limit=FOURTEEN_DAYS,
        accepts_after_national_end=accepts,
        marked_not_national=marked,
        calendar=CALENDAR,
    ).violations


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-11-28 10:00", ()),  # R12 not in force before 2025-12-01 (a Friday)
        ("2025-12-01 08:59", ()),
        ("2025-12-01 09:00", ("R12",)),
        ("2025-12-01 15:00:59", ("R12",)),
        ("2025-12-01 15:01", ()),
        ("2025-12-24 10:00", ()),  # julafton
        ("2025-12-27 10:00", ()),  # a Saturday
        ("2026-06-19 10:00", ()),  # midsommarafton
    ],
)
def test_r12_office_hours_verdict_follows_the_rule_of_the_day(
    at: str, expected: tuple[str, ...]
) -> None:
    assert _violations(at, days=1) == expected


def test_r11_validity_over_fourteen_days_is_a_violation() -> None:
    assert _violations("2025-12-01 16:00", days=15) == ("R11",)


def test_r13_issued_before_2025_12_01_may_not_run_past_it() -> None:
    assert _violations("2025-11-25 10:00", days=6) == ("R13",)
    assert _violations("2025-11-25 10:00", days=5) == ()


def test_r14_past_2026_06_30_needs_acceptance_and_the_marking() -> None:
    assert _violations("2026-06-25 20:00", days=10) == ("R14",)
    assert _violations("2026-06-25 20:00", days=10, accepts=True) == ()
    assert _violations("2026-06-25 20:00", days=10, accepts=True, marked=False) == ("R14",)


def test_engine_reporting_imports_neither_weasyprint_nor_the_reports_package() -> None:
    """Dependencies point inward: engine/ never imports WeasyPrint (STYLE.md, The shape)."""
    code = (
        "import sys, engine.reporting.audit, engine.reporting.compliance, "
        "engine.reporting.deadlines, engine.reporting.expiring, engine.reporting.issuance, "
        "engine.reporting.staffing; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pygal', 'reports')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
