"""The issuance register (a real PDF, read back) lists the issue-12 kinds: a `loa2-onsite`
issue at a card station (R5, R12) and a `loa3-renewal` renewal by the service desk (R9)."""

from __future__ import annotations

from tests.reports.conftest import Render
from tests.support.flows import Flows

PERIOD = {"first": "2026-11-01", "last": "2026-11-30", "now": "2026-12-01 12:00"}


def test_r12_a_loa2_onsite_issue_is_a_row_of_the_issuance_register(
    flows: Flows, render: Render
) -> None:
    case = flows.at("2026-11-26 15:30").start(
        "loa2-onsite",
        "cecilia",
        holder="erik",
        id_document="passport",
        card_number="RK000005",
        valid_until="2026-12-08",
    )
    text = render("issuance", **PERIOD)
    row = text[text.index("Utfärdande LoA2") :]
    assert row.startswith(f"Utfärdande LoA2 loa2- onsite #{case.id} RK000005 Erik Ek (erik)")
    assert "Kortstation Halmstad Cecilia Carlsson (cecilia)" in row  # her station (R5)
    assert "Totalt 1 0 0 0 1" in text  # one LoA2 issue, nothing else


def test_r9_a_loa3_renewal_is_a_renewal_row_of_the_issuance_register(
    flows: Flows, render: Render
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-23 10:05").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000020",
        valid_until="2027-05-01",
    )
    renewal = flows.at("2026-11-30 10:00").start("loa3-renewal", "anna", card_number="RK000020")
    flows.complete(renewal.id, "renew_loa3", "sara", valid_until="2027-05-30")
    text = render("issuance", **PERIOD)
    row = text[text.index("Förlängning LoA3") :]
    assert row.startswith(f"Förlängning LoA3 loa3- renewal #{renewal.id} RK000020 Frida Fors")
    # R9: the service desk renewed it, and the register says so.
    assert "Servicecenter" in row[: row.index("Sara Svensson (sara)")]
    assert text.count("RK000020") == 2  # the issue and its renewal
    assert "Totalt 0 0 1 1 2" in text  # one LoA3 issue, one LoA3 renewal
