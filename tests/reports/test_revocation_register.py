"""R19 revocation register, a section of the issuance report; R16 ordinary cards there too."""

from __future__ import annotations

from engine.services.revoke import revoke_card
from tests.reports.conftest import Render
from tests.support.flows import Flows


def issue_and_revoke(flows: Flows) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-06")
    revoke_card(
        flows.runtime,
        flows.at("2026-11-24 22:00").clock,
        "RK000001",
        "sara",
        "lost",
        "national-support-line",
    )


def test_r19_the_issuance_report_lists_each_revocation_with_reason_and_channel(
    flows: Flows, render: Render
) -> None:
    issue_and_revoke(flows)
    text = render("issuance", first="2026-11-01", last="2026-11-30", now="2026-12-01 12:00")
    assert "Spärrade kort" in text
    assert "förlorat" in text
    assert "nationella supportlinjen" in text
    assert "dörråtkomst" in text
    english = render(
        "issuance", first="2026-11-01", last="2026-11-30", now="2026-12-01 12:00", lang="en"
    )
    assert "Revoked cards" in english and "national support line" in english
    assert "door access" in english


def test_r19_a_period_without_revocations_says_so(flows: Flows, render: Render) -> None:
    text = render("issuance", first="2026-11-01", last="2026-11-30", now="2026-12-01 12:00")
    assert "Inga kort spärrades under perioden." in text


def test_r19_the_revocation_table_also_prints_through_the_fpdf2_table_path(
    flows: Flows, render: Render
) -> None:
    issue_and_revoke(flows)
    text = render(
        "issuance", first="2026-11-01", last="2026-11-30", now="2026-12-01 12:00", inline_rows=0
    )
    assert text.count("RK000001") >= 2  # issued, then revoked
    assert "nationella supportlinjen" in text
    assert "Erik Ek (erik)" in text
