"""The API answers what a case keeps (issue 11): each completed step's `fields` in the case's
history, each administrator's document on the card, the validity as typed."""

from __future__ import annotations

from tests.api.conftest import Api


def _loa3_passport_then_driving_licence(api: Api) -> int:
    started = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="passport"
    )
    case_id = int(started.get_json()["case"]["id"])
    done = api.at("2026-11-24 10:00").complete(
        case_id,
        "second_verification",
        "bertil",
        id_document="driving_licence",
        card_number="RK000001",
        valid_until="2027-05-01",
    )
    assert done.status_code == 200, done.get_json()
    return case_id


def test_r6_api_case_history_carries_each_steps_fields(api: Api) -> None:
    case_id = _loa3_passport_then_driving_licence(api)
    case = api.get(f"/api/cases/{case_id}", "olof").get_json()["case"]
    documents = [
        (h["actor"], h["action"], h["fields"]["id_document"])
        for h in case["history"]
        if "fields" in h
    ]
    assert documents == [("anna", "start", "passport"), ("bertil", "complete", "driving_licence")]


def test_r6_api_card_names_each_administrator_with_their_document(api: Api) -> None:
    _loa3_passport_then_driving_licence(api)
    card = api.get("/api/cards/RK000001", "olof").get_json()["card"]
    (certificate,) = card["certificates"]
    assert [(v["admin"], v["id_document"]) for v in certificate["verifications"]] == [
        ("anna", "passport"),
        ("bertil", "driving_licence"),
    ]


def test_r9_api_reads_a_typed_date_back_as_its_last_instant(api: Api) -> None:
    case_id = _loa3_passport_then_driving_licence(api)
    card = api.get("/api/cards/RK000001", "olof").get_json()["card"]
    assert card["valid_until"] == "2027-05-01T23:59:59+02:00"
    case = api.get(f"/api/cases/{case_id}", "olof").get_json()["case"]
    assert case["data"]["valid_until"] == "2027-05-01T23:59:59+02:00"


def test_api_loa2_order_for_someone_with_a_live_loa2_card_answers_a_warning(api: Api) -> None:
    first = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort"
    )
    assert first.get_json()["warnings"] == []
    case_id = first.get_json()["case"]["id"]
    api.complete(case_id, "issue_loa2", "sara", card_number="rk000002", valid_until="2026-12-07")
    second = api.start("david", "loa2-remote-order", holder=" Erik ", reason="Nytt kort")
    assert second.status_code == 201
    (warning,) = second.get_json()["warnings"]
    assert warning["rule"] is None and "RK000002" in warning["message"]
