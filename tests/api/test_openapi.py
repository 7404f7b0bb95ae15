"""/api/openapi.json: a valid OpenAPI document that documents exactly the routes served.

Beyond the document's own validity, the answers of a real flow are checked against the
schemas it documents, so the document cannot drift from what the views return.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from tests.api.conftest import Api

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _document(client: FlaskClient) -> dict[str, Any]:
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.get_json()
    return document


def _served(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route under /api in the app's URL map."""
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = _CONVERTER.sub(r"{\1}", rule.rule.removeprefix("/api"))
            served |= {(m, path) for m in rule.methods or () if m not in _SKIPPED_METHODS}
    return served


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }


def test_the_document_is_a_valid_openapi_3_1_document(client: FlaskClient) -> None:
    validators = pytest.importorskip("openapi_spec_validator")
    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validators.validate(document)


def test_the_document_lists_every_route_served_under_api_and_no_other(
    app: Flask, client: FlaskClient
) -> None:
    document = _document(client)
    assert document["servers"] == [{"url": "/api"}]
    assert _documented(document) == _served(app)


def test_every_operation_but_the_document_needs_the_bearer_token(client: FlaskClient) -> None:
    document = _document(client)
    scheme = document["components"]["securitySchemes"]["bearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerToken": []}]
    public = [
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if operation.get("security") == []
    ]
    assert public == ["/openapi.json"]


def test_start_and_task_bodies_come_from_the_forms(client: FlaskClient) -> None:
    schemas = _document(client)["components"]["schemas"]
    processes = [
        option["properties"]["process"]["const"] for option in schemas["StartCaseRequest"]["oneOf"]
    ]
    assert processes == sorted(processes)
    assert {"loa2-onsite", "loa2-remote-order", "loa3-renewal", "loa3-reserve"} <= set(processes)
    assert {"employment-end", "forgotten-card", "ordinary-card"} <= set(processes)
    start = schemas["form.loa3-reserve.start"]
    assert start["required"] == ["holder", "id_document"]
    assert "passport_scan" in start["properties"]["id_document"]["enum"]
    assert "$id" not in start
    assert "form.loa3-reserve.second_verification" in schemas


def _check(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """Validate `body` against the schema the document gives for this answer."""
    answer = document["paths"][path][method]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    root = {**schema, "components": document["components"]}
    errors = [e.message for e in Draft202012Validator(root).iter_errors(body)]
    assert errors == [], f"{method} {path} {status}: {errors}"


def test_the_answers_of_a_real_flow_match_the_documented_schemas(api: Api) -> None:
    document = _document(api.client)
    started = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    _check(document, "post", "/cases", 201, started.get_json())
    case_id = started.get_json()["case"]["id"]
    _check(document, "get", "/cases", 200, api.get("/api/cases", "olof").get_json())
    _check(document, "get", "/tasks", 200, api.get("/api/tasks", "sara").get_json())
    task = api.task_id(case_id, "issue_loa2")
    claimed = api.post(f"/api/tasks/{task}/claim", "sara")
    _check(document, "post", "/tasks/{task_id}/claim", 200, claimed.get_json())
    unclaimed = api.post(f"/api/tasks/{task}/unclaim", "sara")
    _check(document, "post", "/tasks/{task_id}/unclaim", 200, unclaimed.get_json())
    done = api.complete(
        case_id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07"
    )
    _check(document, "post", "/tasks/{task_id}/complete", 200, done.get_json())
    shown = api.get(f"/api/cases/{case_id}", "olof").get_json()
    _check(document, "get", "/cases/{case_id}", 200, shown)
    card = api.get("/api/cards/RK000002", "olof").get_json()
    _check(document, "get", "/cards/{number}", 200, card)
    _check(document, "get", "/me", 200, api.get("/api/me", "sara").get_json())


def test_refusals_match_the_documented_error_schemas(api: Api) -> None:
    document = _document(api.client)
    refused = api.at("2026-11-23 10:00").start("anna", "loa3-reserve", holder="frida")
    assert refused.status_code == 422
    _check(document, "post", "/cases", 422, refused.get_json())
    forbidden = api.start("cecilia", "loa3-reserve", holder="frida", id_document="passport")
    _check(document, "post", "/cases", 403, forbidden.get_json())
    missing = api.client.get("/api/me")
    _check(document, "get", "/me", 401, missing.get_json())
