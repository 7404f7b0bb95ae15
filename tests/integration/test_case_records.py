"""What a case keeps of each step (issue 11): both LoA3 administrators' ID documents, in the
case data, in `case show` history (CONTRACT.md: `fields`) and on the card."""

from __future__ import annotations

from engine.services.queries import show_card
from tests.support.flows import Flows


def _loa3_passport_then_driving_licence(flows: Flows) -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida", id_document="passport")
    flows.at("2026-11-24 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="driving_licence",
        card_number="RK000001",
        valid_until="2027-05-01",
    )
    return case.id


def test_r6_each_administrators_document_stays_in_the_case_data(flows: Flows) -> None:
    shown = flows.case(_loa3_passport_then_driving_licence(flows))
    assert shown["state"] == "completed"
    data = shown["data"]
    assert (data["first_admin"], data["id_document"]) == ("anna", "passport")
    assert (data["second_admin"], data["second_id_document"]) == ("bertil", "driving_licence")


def test_r6_case_show_history_carries_each_completed_steps_fields(flows: Flows) -> None:
    history = flows.case(_loa3_passport_then_driving_licence(flows))["history"]
    steps = [(h["actor"], h["action"], h.get("fields")) for h in history if "fields" in h]
    assert steps == [
        ("anna", "start", {"holder": "frida", "id_document": "passport"}),
        (
            "bertil",
            "complete",
            {
                "id_document": "driving_licence",
                "card_number": "RK000001",
                "valid_until": "2027-05-01",
            },
        ),
    ]
    # Only completed steps carry fields; decisions and the case's end do not.
    assert all(h["action"] in ("start", "complete") for h in history if "fields" in h)


def test_r6_card_show_names_each_administrator_with_the_document_they_checked(
    flows: Flows,
) -> None:
    case_id = _loa3_passport_then_driving_licence(flows)
    (certificate,) = show_card(flows.runtime, "RK000001")["certificates"]
    assert certificate["case"] == case_id
    assert [(v["admin"], v["id_document"]) for v in certificate["verifications"]] == [
        ("anna", "passport"),
        ("bertil", "driving_licence"),
    ]
