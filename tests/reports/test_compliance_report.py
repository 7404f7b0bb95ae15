"""LoA2 dispensation compliance: each event judged by the rules of its own day (R11–R14)."""

from __future__ import annotations

from tests.reports.conftest import Render
from tests.reports.scenario import Scenario

PERIOD = {"first": "2025-11-01", "last": "2026-06-30"}


def _sections(text: str) -> tuple[str, str]:
    violations, _, compliant = text.partition("Enligt reglerna (4)")
    assert compliant, "the compliant section heading is missing"
    return violations, compliant


def test_r12_loa2_issued_at_10_on_a_weekday_after_2025_12_01_is_a_violation_listed_first(
    scenario: Scenario, render: Render
) -> None:
    violations, compliant = _sections(render("loa2-compliance", **PERIOD))
    assert "Överträdelser (3)" in violations
    assert "2025-12-10 10:00 onsdag Utfärdande RK000010" in violations
    assert "INOM kontorstid" in violations
    assert "✗ utfärdat inom kontorstid (R12)" in violations
    assert "RK000010" not in compliant


def test_r12_loa2_issued_at_10_on_julafton_is_allowed(scenario: Scenario, render: Render) -> None:
    violations, compliant = _sections(render("loa2-compliance", **PERIOD))
    assert "2025-12-24 10:00 onsdag · Julafton Utfärdande RK000011" in compliant
    assert "2025-12-24 10:00 onsdag" not in violations


def test_r13_loa2_issued_before_2025_12_01_running_past_it_is_a_violation(
    scenario: Scenario, render: Render
) -> None:
    violations, _ = _sections(render("loa2-compliance", **PERIOD))
    # Before 2025-12-01 any time of day was allowed (R12 not yet in force) ...
    assert "2025-11-20 10:00 torsdag Utfärdande RK000012" in violations
    assert "före 2025-12-01, fritt" in violations
    # ... but the certificate had to end by 2025-12-01 00:00, i.e. within 2025-11-30: a
    # validity end prints as the last minute it covers (CONTRACT valid_until).
    assert "högst 14 dagar (R11): 2025-11-30 23:59" in violations
    assert "✗ gäller efter 2025-12-01 (R13)" in violations


def test_r14_loa2_past_2026_06_30_depends_on_the_organisation(
    scenario: Scenario, render: Render
) -> None:
    violations, compliant = _sections(render("loa2-compliance", **PERIOD))
    assert "RK000013" in violations
    assert "org. godtar inte LoA2 efter 2026-06-30" in violations
    assert "RK000014" in compliant
    assert "godtas av org.; ej NLL/Pascal/" in compliant


def test_summary_counts_agree_with_the_rows(scenario: Scenario, render: Render) -> None:
    text = render("loa2-compliance", **PERIOD)
    assert "7 Bedömda 3 Med överträdelse 4 Enligt reglerna 2 Gäller efter 2026-06-30" in text
    assert "giltighetstid över gränsen (R11) 0" in text
    assert "utfärdat inom kontorstid (R12) 1" in text
    assert "gäller efter 2025-12-01 (R13) 1" in text
    assert "gäller efter 2026-06-30 (R14) 1" in text
    assert "1 / 5 / 1" in text  # in office hours / outside / before R12


def test_an_empty_period_says_so_plainly(scenario: Scenario, render: Render) -> None:
    text = render("loa2-compliance", first="2027-01-01", last="2027-01-31")
    assert "Inga LoA2-certifikat utfärdades eller förlängdes under perioden." in text
    assert "Överträdelser" not in text.replace("Överträdelser först", "")


def test_swedish_and_english_reports_carry_the_same_verdicts(
    scenario: Scenario, render: Render
) -> None:
    swedish = render("loa2-compliance", lang="sv", **PERIOD)
    english = render("loa2-compliance", lang="en", **PERIOD)
    assert "Efterlevnad av LoA2-dispensen" in swedish and "sida 1 av 2" in swedish
    assert "LoA2 dispensation compliance" in english and "page 1 of 2" in english
    assert "Violations (3)" in english and "Within the rules (4)" in english
    assert "✗ issued in office hours (R12)" in english
    assert "✗ runs past 2025-12-01 (R13)" in english
    assert "Wednesday · Julafton" in english
    for card in ("RK000002", "RK000010", "RK000011", "RK000012", "RK000013", "RK000014"):
        assert (card in swedish) and (card in english)
