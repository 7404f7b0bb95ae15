"""Expiring certificates, card-station staffing (R8) and the audit extract."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.model import Person
from engine.services.registers import rosters
from engine.services.runtime import Runtime
from tests.reports.conftest import Render
from tests.reports.scenario import Scenario
from tests.support.flows import Flows
from tests.support.flows import local


def test_expiring_lists_the_newest_certificates_with_who_must_act(
    scenario: Scenario, render: Render
) -> None:
    text = render("expiring", now="2025-12-10 12:00", lang="en")
    assert "Window: 2025-12-10 12:00 – 2026-01-09 12:00" in text
    assert "2 Total 2 LoA2" in text
    # The remote order's case waits for david to request renewal (R15).
    assert "2025-12-17 15:31 7.1 RK000002 LoA2 · Case #2" in text
    assert "the remote administrator must request renewal (R15) remote administrator david" in text
    assert "RK000010" in text
    # RK000012 ran out before the window; RK000011's newest certificate is outside it.
    assert "RK000012" not in text and "RK000011" not in text


def test_r14_expiring_loa2_of_an_organisation_without_acceptance_needs_a_loa3_card(
    scenario: Scenario, render: Render
) -> None:
    text = render("expiring", first="2026-07-01", last="2026-07-31", now="2026-06-28 12:00")
    assert "RK000013" in text
    row = text[text.index("RK000013") :][:200]
    assert "kan inte förlängas efter 2026-06-30: nytt LoA3-" in row
    assert "ID-administratör LoA3 anna, bertil" in row


def test_r8_staffing_finds_the_day_no_second_loa3_admin_can_be_met(
    scenario: Scenario, render: Render, runtime: Runtime
) -> None:
    # Halmstad's second LoA3 administrator, elin, starts only after the period.
    with runtime.database.sessions.begin() as session:
        elin = session.scalars(select(Person).where(Person.username == "elin")).one()
        for right in elin.rights:
            right.valid_from = date(2026, 2, 1)
    text = render("staffing", first="2025-12-29", last="2026-01-09", lang="en")
    assert "Kortstation Kungsbacka Monday closed – Tuesday 09:00–12:00 1 bertil" in text
    # Friday 2 January 2026: anna only, Trettondedag jul on Tuesday closes Kungsbacka.
    assert "2026-01-02 Friday Kortstation Halmstad: anna anna 2026-01-06 Trettondedag jul" in text
    assert "7 Days with an open LoA3 station 1 Days without a second verification" in text


def test_audit_extract_of_a_case_shows_actors_roles_versions(
    scenario: Scenario, render: Render
) -> None:
    text = render("audit", case_id=scenario.loa3_completed)
    assert "Granskningsutdrag: ärende 1" in text
    assert "anna ID-administratör med behörighet för reservkort LoA3 Ärendet startat" in text
    assert (
        "bertil ID-administratör med behörighet för reservkort LoA3 Uppgiften slutförd "
        "Andra identitetskontrollen och utfärdande, reservkort LoA3" in text
    )
    assert "Status Avslutat" in text
    assert "loa3-reserve@1 rules-2026.11" in text and "validity-limits@1" in text
    assert "2025-12-01 09:00:00 UTC" in text and "klockan satt" in text


def test_audit_extract_of_a_card_includes_the_steps_before_the_card_was_known(
    scenario: Scenario, render: Render
) -> None:
    text = render("audit", card="RK000001", lang="en")
    # No card number on this row yet; in English only, labels rather than codes.
    assert "anna LoA3 ID administrator Case started" in text
    assert "R7 Second verification by 2025-12-06 10:00" in text
    assert "Andra verifieringen" not in text and "loa3_admin" not in text


def test_r10_audit_extract_of_a_holder_shows_the_dispensation(
    scenario: Scenario, render: Render
) -> None:
    text = render("audit", holder="ivan")
    assert "R10-dispensation-until-2026-03-30" in text
    assert "Ärendet förföll (R7)" in text  # the lapse, by its label (issue 11)


def test_audit_extract_of_an_unknown_case_is_refused(scenario: Scenario, render: Render) -> None:
    with pytest.raises(NotFound):
        render("audit", case_id=999)


def test_r8_staffing_lists_the_rostered_admins_with_their_shifts_and_hours(
    scenario: Scenario, render: Render, flows: Flows
) -> None:
    flows.at("2025-12-20 10:00")
    for day in ("2025-12-29", "2025-12-30"):
        rosters.add_shift(
            flows.runtime, flows.clock, "maria", "anna", "halmstad",
            local(f"{day} 08:00"), local(f"{day} 16:00"),
        )  # fmt: skip
    text = render("staffing", first="2025-12-29", last="2026-01-09", lang="en")
    assert "Rostered ID administrators" in text
    assert "Kortstation Halmstad anna 2 16.0" in text
