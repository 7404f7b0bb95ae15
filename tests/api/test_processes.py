"""/api/processes: S1 and the process owner's levers through the API, answers as documented."""

from __future__ import annotations

import io

from engine.services.deploy import PROCESSES_DIR
from tests.api.conftest import Api
from tests.api.test_openapi import _check
from tests.api.test_openapi import _document
from tests.support.bundles import with_r7_deadline

SOURCE = (PROCESSES_DIR / "loa3-reserve.bpmn").read_text(encoding="utf-8")
SEVEN_DAYS = with_r7_deadline(SOURCE, "P7D")


def test_s1_anna_cannot_deploy_through_the_api(api: Api) -> None:
    answer = api.post("/api/processes/deploy", "anna", {"files": {"loa3-reserve.bpmn": SEVEN_DAYS}})
    assert answer.status_code == 403
    assert answer.get_json()["rule"] == "S1"
    versions = api.get("/api/processes/loa3-reserve/versions", "petra").get_json()["versions"]
    assert [v["version"] for v in versions] == [1]


def test_s1_petra_deploys_activates_suspends_and_diffs_through_the_api(api: Api) -> None:
    document = _document(api.client)
    dry = api.post(
        "/api/processes/deploy",
        "petra",
        {"files": {"loa3-reserve.bpmn": SEVEN_DAYS}, "dry_run": True},
    )
    assert dry.status_code == 200 and dry.get_json()["dry_run"] is True
    deployed = api.client.post(
        "/api/processes/deploy",
        data={"files": (io.BytesIO(SEVEN_DAYS.encode()), "loa3-reserve.bpmn")},
        headers={"Authorization": f"Bearer {api.token('petra')}"},
        content_type="multipart/form-data",
    )
    assert deployed.status_code == 200, deployed.get_json()
    _check(document, "post", "/processes/deploy", 200, deployed.get_json())
    assert deployed.get_json()["processes"][0]["version"] == 2

    listed = api.get("/api/processes", "petra").get_json()
    _check(document, "get", "/processes", 200, listed)
    versions = api.get("/api/processes/loa3-reserve/versions", "petra").get_json()
    _check(document, "get", "/processes/{process_id}/versions", 200, versions)
    assert [(v["version"], v["active"]) for v in versions["versions"]] == [(1, False), (2, True)]

    diff = api.get("/api/processes/loa3-reserve/diff?from=1&to=2", "petra").get_json()
    _check(document, "get", "/processes/{process_id}/diff", 200, diff)
    assert diff["diff"]["timers"]["changed"] == ["deadline"]

    rolled = api.post("/api/processes/loa3-reserve/activate", "petra", {"version": 1})
    _check(document, "post", "/processes/{process_id}/activate", 200, rolled.get_json())
    assert rolled.get_json()["process"]["active_version"] == 1

    suspended = api.post("/api/processes/loa3-reserve/suspend", "petra")
    _check(document, "post", "/processes/{process_id}/suspend", 200, suspended.get_json())
    refused = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="passport"
    )
    assert refused.status_code == 409
    resumed = api.post("/api/processes/loa3-reserve/resume", "petra")
    assert resumed.get_json()["process"]["suspended"] is False


def test_a_refused_bundle_answers_422_with_its_problems(api: Api) -> None:
    document = _document(api.client)
    broken = SOURCE.replace('name="loa3_admin"', 'name="clerk"')
    answer = api.post("/api/processes/deploy", "petra", {"files": {"loa3-reserve.bpmn": broken}})
    assert answer.status_code == 422
    body = answer.get_json()
    _check(document, "post", "/processes/deploy", 422, body)
    assert any("clerk" in p["message"] for p in body["problems"])
