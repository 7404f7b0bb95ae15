"""Every operation of /api/openapi.json, driven with requests drawn from the document itself.

For each operation hypothesis draws path and query values and a body from the schemas the
document gives, and a caller (several demo users, or none), sends the request to the app
in process, and checks what the document promises: no 5xx, no status the operation does
not document, and a body that matches the schema documented for that status. Examples are
few and derandomized (a fixed seed), so the run is the same offline, in CI and here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from engine.forms import FormRegistry
from tests.api.conftest import Api
from web.api.openapi import build_document

EXAMPLES_PER_OPERATION = 20
CALLERS = ("petra", "sara", "anna", "david", "olof", "erik", None)
METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, from the document of the bundled forms."""
    document = build_document(FormRegistry.load(), server_url="/api")
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    ]


def _dates() -> st.SearchStrategy[str]:
    """`date-or-aware-date-time`: a date or an aware time, near today and far from it."""
    days = st.dates(min_value=date(1800, 1, 1), max_value=date(3100, 12, 31)) | st.builds(
        lambda offset: (date(2026, 11, 23) + timedelta(days=offset)).isoformat(),
        st.integers(-30, 400),
    ).map(date.fromisoformat)
    offsets = st.sampled_from(["Z", "+01:00", "-05:00", "+14:00"])
    return st.one_of(
        days.map(date.isoformat),
        st.builds(lambda d, o: f"{d.isoformat()}T15:01:00{o}", days, offsets),
    )


CUSTOM_FORMATS = {"date-or-aware-date-time": _dates()}


def _with_components(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "components": document["components"]}


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any
    caller: str | None


def _calls(document: dict[str, Any], method: str, path: str) -> st.SearchStrategy[Call]:
    operation = document["paths"][path][method]
    parameters = operation.get("parameters", [])
    path_values = st.fixed_dictionaries(
        {
            p["name"]: from_schema(p["schema"], custom_formats=CUSTOM_FORMATS)
            for p in parameters
            if p["in"] == "path"
        }
    )
    query_values = st.fixed_dictionaries(
        {
            p["name"]: from_schema(p["schema"], custom_formats=CUSTOM_FORMATS)
            for p in parameters
            if p["in"] == "query" and p["required"]
        },
        optional={
            p["name"]: from_schema(p["schema"], custom_formats=CUSTOM_FORMATS)
            for p in parameters
            if p["in"] == "query" and not p["required"]
        },
    )
    body: st.SearchStrategy[Any] = st.none()
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = from_schema(_with_components(schema, document), custom_formats=CUSTOM_FORMATS)

    def url(values: dict[str, Any], query: dict[str, Any]) -> str:
        filled = path
        for name, value in values.items():
            filled = filled.replace("{" + name + "}", quote(str(value), safe=""))
        text = urlencode({k: str(v) for k, v in query.items()})
        return "/api" + filled + (f"?{text}" if text else "")

    return st.builds(
        Call,
        method=st.just(method),
        url=st.builds(url, path_values, query_values),
        body=body,
        caller=st.sampled_from(CALLERS),
    )


def _check_answer(
    document: dict[str, Any], call: Call, path: str, status: int, answer: Any
) -> None:
    responses = document["paths"][path][call.method]["responses"]
    described = f"{call.method.upper()} {call.url} as {call.caller}: {status}"
    assert status < 500, f"{described} {answer.get_data(as_text=True)[:300]}"
    assert str(status) in responses, f"{described} is not documented"
    content = responses[str(status)].get("content")
    if content is None:
        return
    assert answer.is_json, f"{described} answered {answer.mimetype}, not JSON"
    schema = _with_components(content["application/json"]["schema"], document)
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(answer.get_json())]
    assert errors == [], f"{described}: {errors}"


def test_every_operation_answers_as_the_document_says(api: Api) -> None:
    """One app and database for all operations (set-up is most of the cost on PostgreSQL);
    the operations run in the document's order, each with its own examples."""
    document = api.client.get("/api/openapi.json").get_json()
    served = {(m, p) for p, item in document["paths"].items() for m in item if m in METHODS}
    assert set(_operations()) == served
    api.at("2026-11-23 20:00")  # outside office hours, so more requests get past R12
    for method, path in _operations():
        _drive(api, document, method, path)


def _drive(api: Api, document: dict[str, Any], method: str, path: str) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(call=_calls(document, method, path))
    def answers_as_documented(call: Call) -> None:
        headers = {"Authorization": f"Bearer {api.token(call.caller)}"} if call.caller else {}
        send = getattr(api.client, call.method)
        if call.body is None:
            answer = send(call.url, headers=headers)
        else:
            answer = send(call.url, json=call.body, headers=headers)
        _check_answer(document, call, path, answer.status_code, answer)

    answers_as_documented()
