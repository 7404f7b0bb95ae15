"""R19 `POST /api/cards/{number}/revoke`, answers checked against the OpenAPI schemas."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_lifecycle_api import issued_loa2
from tests.api.test_openapi import _check
from tests.api.test_openapi import _document

PATH = "/api/cards/RK000001/revoke"


def test_r19_the_service_desk_revokes_through_the_api_and_others_get_403(api: Api) -> None:
    document = _document(api.client)
    case_id = issued_loa2(api)

    refused = api.post(PATH, "david", {"reason": "lost"})
    assert refused.status_code == 403 and refused.get_json()["rule"] == "R19"
    _check(document, "post", "/cards/{number}/revoke", 403, refused.get_json())
    assert api.post(PATH, "sara", {"reason": "bored"}).status_code == 422
    assert api.post(PATH, "sara", {"reason": "lost", "when": "now"}).status_code == 422

    done = api.at("2026-11-24 22:00").post(
        PATH, "sara", {"reason": "lost", "via": "national-support-line"}
    )
    assert done.status_code == 200, done.get_json()
    card = done.get_json()["card"]
    assert (card["number"], card["state"], card["via"]) == (
        "RK000001",
        "revoked",
        "national_support_line",
    )
    assert card["ended_cases"] == [case_id]
    _check(document, "post", "/cards/{number}/revoke", 200, done.get_json())
    assert api.post(PATH, "sara", {"reason": "lost"}).status_code == 409
