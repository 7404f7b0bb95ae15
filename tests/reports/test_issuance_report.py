"""Issuance register: rows, both LoA3 administrators, monthly totals, page furniture."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.conftest import Render
from tests.reports.conftest import page_count
from tests.reports.conftest import render_first_page_png
from tests.reports.scenario import Scenario

PERIOD = {"first": "2025-11-01", "last": "2026-01-31"}


def test_issuance_register_lists_every_issue_and_renewal_with_monthly_totals(
    scenario: Scenario, render: Render
) -> None:
    text = render("issuance", **PERIOD)
    for card in ("RK000001", "RK000002", "RK000003", "RK000010", "RK000011", "RK000012"):
        assert card in text
    # Totals: nov 1 LoA2 issue; dec 3 LoA2 + 2 LoA3 issues; jan 1 LoA2 renewal.
    assert "nov 2025 1 0 0 0 1" in text
    assert "dec 2025 3 0 2 0 5" in text
    assert "jan 2026 0 1 0 0 1" in text
    assert "Totalt 4 1 2 0 7" in text
    assert "Förlängning" in text


def test_r6_issuance_register_names_both_loa3_administrators_and_their_stations(
    scenario: Scenario, render: Render
) -> None:
    text = render("issuance", **PERIOD)
    assert "1:a: Anna Andersson (anna) 2:a: Bertil Berg (bertil)" in text
    assert "Kortstation Halmstad + Kortstation Kungsbacka" in text
    assert "TjänsteID/ Servicecenter" in text or "TjänsteID/Servicecenter" in text


def test_every_page_has_the_header_and_a_page_number(scenario: Scenario, render: Render) -> None:
    text = render("issuance", **PERIOD)
    pages = page_count(Path(render.folder) / "issuance-sv.pdf")  # type: ignore[attr-defined]
    assert text.count("Region Demo Period: 2025-11-01 – 2026-01-31") == pages
    assert f"sida {pages} av {pages}" in text
    assert "Policy: rules-2026.11" in text
    assert "Kalender: holidays-" in text
    assert "Skapad: 2026-01-20 12:00" in text


def test_r14_certificates_past_2026_06_30_are_marked_in_the_register(
    scenario: Scenario, render: Render
) -> None:
    text = render("issuance", first="2026-06-01", last="2026-06-30")
    assert text.count("ej NLL/Pascal/") == 2


def test_page_one_renders_to_png(scenario: Scenario, render: Render) -> None:
    render("issuance", **PERIOD)
    png = render_first_page_png(Path(render.folder) / "issuance-sv.pdf")  # type: ignore[attr-defined]
    if png is None:
        pytest.skip("pdftoppm is not installed")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert png.stat().st_size > 10_000


def test_tables_laid_out_apart_from_the_prose_keep_every_row_header_and_page_number(
    scenario: Scenario, render: Render
) -> None:
    # inline_rows=0: the table goes through reports/tables.py and is merged after the front.
    text = render("issuance", inline_rows=0, **PERIOD)
    pages = page_count(Path(render.folder) / "issuance-sv.pdf")  # type: ignore[attr-defined]
    assert pages == 2
    for card in ("RK000001", "RK000002", "RK000003", "RK000010", "RK000011", "RK000012"):
        assert card in text
    assert "1:a: Anna Andersson (anna) 2:a: Bertil Berg (bertil)" in text
    assert "TjänsteID/ Servicecenter" in text or "TjänsteID/Servicecenter" in text
    assert "Totalt 4 1 2 0 7" in text
    assert "rader till" not in text
    assert text.count("Region Demo") == pages
    assert "sida 1 av 2" in text and "sida 2 av 2" in text
