"""Both demo flows end to end through the case service, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support.flows import Flows


def test_r6_loa3_reserve_issued_by_two_admins_completes_the_case(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    assert "second_verification" not in flows.task_names("anna")
    assert "second_verification" in flows.task_names("bertil")
    done = flows.at("2026-11-25 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-25",
    )
    assert done.state == "completed"


def test_r15_loa2_order_issue_and_renewal_keep_the_case_open(flows: Flows) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07")
    flows.at("2026-12-04 16:00").complete(case.id, "request_renewal", "david")
    renewed = flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-18")
    assert renewed.state == "open"
    assert flows.task_names("david") == ["request_renewal"]
