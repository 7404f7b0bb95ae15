"""Refusals as JSON: every DomainError has a status, and each status answers as it should."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine.errors import DomainError
from engine.forms import FormInvalid
from engine.runner import ProcessDefinitionError
from engine.runner import ScriptRefused
from engine.services.tokens import NotAuthenticated
from tests.api.conftest import Api
from web.api.errors import STATUS_BY_ERROR

LOA2_ORDER = {"holder": "erik", "reason": "Glömt kort på nattskift"}


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_domain_error_subclass_has_its_own_http_status() -> None:
    defined_elsewhere = {FormInvalid, ProcessDefinitionError, ScriptRefused, NotAuthenticated}
    every = _subclasses(DomainError) | {DomainError}
    assert defined_elsewhere <= every
    unmapped = sorted(cls.__qualname__ for cls in every if cls not in STATUS_BY_ERROR)
    assert unmapped == []
    assert set(STATUS_BY_ERROR.values()) <= {401, 403, 404, 409, 422}


def test_an_unknown_case_task_or_card_is_404(api: Api) -> None:
    # S2: an unknown case, task or card reads as one outside the caller's scope.
    for answer, rule in (
        (api.get("/api/cases/999", "olof"), "S2"),
        (api.post("/api/tasks/no-such-task/claim", "sara"), "S2"),
        (api.post("/api/tasks/no-such-task/unclaim", "sara"), "S2"),
        (api.post("/api/tasks/no-such-task/complete", "sara", {"fields": {}}), "S2"),
        (api.get("/api/cards/RK999999", "sara"), "S2"),
        (api.start("anna", "no-such-process"), None),
    ):
        assert answer.status_code == 404
        assert answer.get_json()["rule"] == rule
        assert " / " in answer.get_json()["message"]


def test_completing_a_completed_task_is_a_409_conflict(api: Api) -> None:
    order = api.at("2026-11-23 15:01").start("david", "loa2-remote-order", **LOA2_ORDER)
    case_id = order.get_json()["case"]["id"]
    task = api.task_id(case_id, "issue_loa2")
    fields = {"card_number": "RK000002", "valid_until": "2026-12-07"}
    assert api.post(f"/api/tasks/{task}/complete", "sara", {"fields": fields}).status_code == 200
    again = api.post(f"/api/tasks/{task}/complete", "sara", {"fields": fields})
    assert again.status_code == 409
    assert set(again.get_json()) == {"rule", "message"}


def test_a_refused_form_is_422_with_each_failing_field(api: Api) -> None:
    refused = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="fax", extra="x"
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["rule"] is None
    assert set(body["fields"]) == {"id_document", "extra"}
    assert "ID-handling" in body["fields"]["id_document"]
    assert "Identity document" in body["fields_en"]["id_document"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"process": "loa3-reserve", "fields": "holder=frida"}', "'fields' must be"),
        ('{"fields": {}}', "'process' is missing"),
        ('{"process": "loa3-reserve", "holder": "frida"}', "Unknown keys"),
    ],
)
def test_a_malformed_body_is_422(api: Api, data: str, says: str) -> None:
    answer = api.client.post(
        "/api/cases",
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token('anna')}"},
    )
    assert answer.status_code == 422
    assert says in answer.get_json()["message"]


def test_an_unknown_case_state_is_422(api: Api) -> None:
    answer = api.get("/api/cases?state=finished", "olof")
    assert answer.status_code == 422
    assert "finished" in answer.get_json()["message"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/cases/not-a-number", "/api"])
def test_an_unknown_api_path_is_a_json_404(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.get_json()["rule"] is None


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client: FlaskClient) -> None:
    answer = client.delete("/api/cases")
    assert answer.status_code == 405
    assert answer.get_json()["rule"] is None
    assert {"GET", "POST"} <= set(answer.headers["Allow"].split(", "))


def test_pages_outside_the_api_keep_their_own_404(client: FlaskClient) -> None:
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert not answer.is_json
