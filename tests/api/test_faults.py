"""The API's small faults (issue 10): ids beyond range are 404, every error is JSON.

Run on SQLite and PostgreSQL (the `api` fixture's matrix): an id past 2^31 overflowed
PostgreSQL's INTEGER columns and one past 2^63 SQLite's driver, and a NUL character is
refused by PostgreSQL's."""

from __future__ import annotations

import io

import pytest
from flask import request
from werkzeug.test import TestResponse

from tests.api.conftest import Api

BEYOND = 2**31  # past PostgreSQL's INTEGER
FAR_BEYOND = 2**64


def _json_error(answer: TestResponse, status: int) -> str:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.is_json, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) >= {"rule", "message"}
    assert " / " in body["message"], body["message"]
    return str(body["message"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/cases/{BEYOND}"),
        ("get", f"/api/cases/{FAR_BEYOND}"),
        ("get", f"/api/cases/{2**63}"),
        ("get", "/api/cases/-1"),
        ("get", "/api/cases/1e3"),
        ("post", f"/api/cases/{FAR_BEYOND}/cancel"),
        ("get", "/api/cards/RK%00001"),
        ("post", "/api/tasks/x%00y/claim"),
    ],
)
def test_an_id_that_cannot_name_a_row_is_a_json_404(api: Api, method: str, path: str) -> None:
    if method == "get":
        answer = api.get(path, "olof")
    else:
        answer = api.post(path, "sara", {"reason": "Fel ärende"})
    _json_error(answer, 404)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/processes/loa3-reserve/activate", {"version": FAR_BEYOND}),
        ("/api/processes/loa3-reserve/activate", {"version": BEYOND}),
        ("/api/processes/loa3-reserve/migrate", {"to": FAR_BEYOND}),
        ("/api/processes/loa3-reserve/migrate", {"to": 1, "cases": [FAR_BEYOND]}),
        ("/api/processes/loa3-reserve/migrate", {"to": -1}),
    ],
)
def test_a_version_or_case_number_beyond_range_in_a_body_is_422(
    api: Api, path: str, body: dict[str, object]
) -> None:
    _json_error(api.post(path, "petra", body), 422)


@pytest.mark.parametrize(
    "query",
    [f"from=1&to={FAR_BEYOND}", f"from={BEYOND}&to=1", "from=1&to=²", "from=-1&to=1", "from=1"],
)
def test_a_diff_between_versions_that_cannot_exist_is_422(api: Api, query: str) -> None:
    _json_error(api.get(f"/api/processes/loa3-reserve/diff?{query}", "petra"), 422)


@pytest.mark.parametrize(
    "query",
    ["limit=²", "cursor=%00", "state=open%00", "cursor=WzIxNDc0ODM2NDhd"],  # [2147483648]
)
def test_query_values_no_database_takes_are_422(api: Api, query: str) -> None:
    _json_error(api.get(f"/api/cases?{query}", "olof"), 422)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"process": "loa3-reserve", "fields": ' + "[" * 50_000 + "]" * 50_000 + "}", "deeper"),
        ('{"process": "loa3-reserve", "fields": {"holder": "a\\u0000"}}', "cannot be stored"),
        ('{"process": "loa3-reserve", "fields": {"holder": "\\udfff"}}', "cannot be stored"),
        ('{"process": "loa3-reserve", "fields": {"holder": NaN}}', "not valid JSON"),
        ('{"process": "loa3-reserve", "fields": {"holder": ' + "1" * 5_000 + "}}", "not valid"),
    ],
)
def test_a_body_too_deep_or_with_unstorable_text_is_422(api: Api, body: str, says: str) -> None:
    answer = api.client.post(
        "/api/cases",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token('anna')}"},
    )
    assert says in _json_error(answer, 422)


def test_a_body_over_the_limit_is_a_json_413(api: Api) -> None:
    answer = api.client.post(
        "/api/cases",
        data='{"process": "' + "x" * 300_000 + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token('anna')}"},
    )
    assert "too large" in _json_error(answer, 413)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Padding": "a" * 9_000},
        {f"X-Padding-{n}": "a" * 7_000 for n in range(5)},
    ],
)
def test_over_long_headers_are_a_json_431_even_before_a_route_matches(
    api: Api, headers: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {api.token('olof')}"}
    for path in ("/api/cases", "/api/no-such-path"):
        answer = api.client.get(path, headers={**auth, **headers})
        assert "headers are too large" in _json_error(answer, 431)


def test_routing_errors_under_the_api_are_bilingual_json(api: Api) -> None:
    assert "no such address" in _json_error(api.client.get("/api/nothing"), 404)
    assert "does not take that method" in _json_error(api.client.delete("/api/cases"), 405)


def test_pages_keep_html_for_their_own_errors(api: Api) -> None:
    answer = api.client.get("/cases", headers={"X-Padding": "a" * 9_000})
    assert answer.status_code == 431
    assert not answer.is_json


def test_a_fault_in_an_app_wide_hook_is_a_json_500_under_the_api_and_a_page_elsewhere(
    api: Api,
) -> None:
    app = api.client.application
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def fail_on_purpose() -> None:
        if request.args.get("fault") == "on-purpose":
            raise RuntimeError("a fault on purpose")

    app.before_request(fail_on_purpose)
    answer = api.client.get("/api/openapi.json?fault=on-purpose")
    assert "Internal fault" in _json_error(answer, 500)
    page = api.client.get("/login?fault=on-purpose")
    assert page.status_code == 500
    assert not page.is_json


def test_an_uploaded_bpmn_that_is_not_utf8_is_refused_naming_the_file(api: Api) -> None:
    latin = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
        '<process id="p" isExecutable="true" name="Åsa"><startEvent id="s"/></process>'
        "</definitions>".encode("latin-1")
    )
    answer = api.client.post(
        "/api/processes/deploy",
        data={"files": (io.BytesIO(latin), "latin.bpmn")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.token('petra')}"},
    )
    _json_error(answer, 422)
    assert "not UTF-8" in answer.get_json()["problems"][0]["message"]
