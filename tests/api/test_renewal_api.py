"""R9, R4 through the API: a second open renewal of a card answers 409 with its rule."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_openapi import _check
from tests.api.test_openapi import _document


def test_r9_a_second_renewal_of_a_card_answers_409_and_starts_nothing(api: Api) -> None:
    document = _document(api.client)
    first = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="passport"
    )
    case_id = int(first.get_json()["case"]["id"])
    issued = api.at("2026-11-23 10:05").complete(
        case_id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000020",
        valid_until="2027-05-01",
    )
    assert issued.status_code == 200, issued.get_json()
    renewal = api.at("2026-11-28 11:00").start("anna", "loa3-renewal", card_number="RK000020")
    assert renewal.status_code == 201, renewal.get_json()
    renewal_id = renewal.get_json()["case"]["id"]

    again = api.start("sara", "loa3-renewal", card_number="RK000020")
    assert again.status_code == 409
    body = again.get_json()
    assert body["rule"] == "R9"
    assert f"(case {renewal_id})" in body["message"]
    _check(document, "post", "/cases", 409, body)
    listed = api.get("/api/cases?state=open", "sara").get_json()["cases"]
    assert [c["id"] for c in listed if c["process"] == "loa3-renewal"] == [renewal_id]
