"""Deadlines (R7, R8): waiting times, lapsed cases, median and 95th percentile per station."""

from __future__ import annotations

from tests.reports.conftest import Render
from tests.reports.scenario import Scenario


def test_r7_deadlines_report_times_cases_and_counts_the_lapsed_one(
    scenario: Scenario, render: Render
) -> None:
    text = render("deadlines", first="2025-12-01", last="2025-12-31")
    assert "3 Ärenden 2 Utfärdade 1 Förfallna 24,0 h Median 78,0 h 95:e percentil" in text
    # Halmstad (anna's station): 24 h and 78 h; Kungsbacka (bertil's): one lapsed case.
    assert "Kortstation Halmstad 2 2 0 24,0 h 78,0 h" in text
    assert "Kortstation Kungsbacka 1 0 1 – –" in text
    assert f"#{scenario.loa3_lapsed} Ivan Ivanov (ivan) 2025-12-08 10:00" in text
    lapsed_row = text[text.index(f"#{scenario.loa3_lapsed} Ivan") :][:160]
    assert "2025-12-13 10:00" in lapsed_row and "FÖRFALLET (R7)" in lapsed_row
    assert "Väntetid till andra verifieringen" in text  # the histogram's title


def test_deadlines_report_for_a_period_without_loa3_cases_says_so(
    scenario: Scenario, render: Render
) -> None:
    text = render("deadlines", first="2026-02-01", last="2026-02-28", lang="en")
    assert "No LoA3 case started in the period." in text
