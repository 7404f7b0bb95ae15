"""The workspace's pages and JSON routes (issue 13): S1, the property schema, the modeler's
CSP, drafts, check and deploy, and the version levers from the page."""

from __future__ import annotations

import json

import pytest

from engine.process_properties import PROPERTIES
from engine.services.deploy import versions
from engine.services.runtime import Runtime
from tests.support.flows import Flows
from tests.web.conftest import Browser
from tests.web.conftest import text

LOA3 = "loa3-reserve"
BPMN = f"{LOA3}.bpmn"
WORKSPACE_GETS = [
    "/workspace",
    f"/workspace/{LOA3}/model",
    "/workspace/properties.json",
    f"/workspace/{LOA3}/draft",
    f"/workspace/{LOA3}/waiting",
]


def _json_post(browser: Browser, url: str, body: object, method: str = "POST") -> object:
    return browser.client.open(
        url,
        method=method,
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": browser.token},
    )


@pytest.mark.parametrize("user", ["anna", "sara", "maria"])
def test_s1_workspace_pages_are_refused_to_everyone_but_process_owners(
    browser: Browser, user: str
) -> None:
    browser.login(user)
    for url in WORKSPACE_GETS:
        assert browser.get(url).status_code == 403, url
    assert browser.post(f"/workspace/{LOA3}/activate", {"version": "1"}).status_code == 403


def test_s1_workspace_lists_processes_with_versions_for_petra(browser: Browser) -> None:
    browser.login("petra")
    page = browser.get("/workspace")
    assert page.status_code == 200
    assert f'href="/workspace/{LOA3}/model"' in text(page)
    assert 'data-version="1"' in text(page)


def test_modeler_page_loads_the_bundle_from_this_site_under_a_csp_without_inline_script(
    browser: Browser,
) -> None:
    browser.login("petra")
    page = browser.get(f"/workspace/{LOA3}/model")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "'unsafe-inline'" not in policy.replace("style-src-attr 'unsafe-inline'", "")
    body = text(page)
    assert 'src="/static/build/workspace.js"' in body
    assert "http://" not in body.replace("http://www.omg.org", "").replace(
        "http://spiffworkflow.org", ""
    ).replace("http://www.w3.org", "")
    # Only the other pages keep the app's policy without style attributes.
    assert "style-src-attr" not in browser.get("/workspace").headers["Content-Security-Policy"]


def test_property_schema_is_the_deploy_checks_own_with_labels_in_the_language(
    browser: Browser,
) -> None:
    browser.login("petra")
    schema = browser.get("/workspace/properties.json").get_json()["properties"]
    assert [p["name"] for p in schema] == list(PROPERTIES)
    loa = next(p for p in schema if p["name"] == "loa")
    # loa is also set on the start event of loa2-onsite (issue_at_station, R5)
    assert loa["values"] == ["2", "3"] and loa["elements"] == ["StartEvent", "UserTask"]
    assert loa["label"] == "Tillitsnivå (LoA)"
    action = next(p for p in schema if p["name"] == "action")
    assert action["value_elements"]["issue_reserve_card"] == "UserTask"
    browser.post("/language", {"lang": "en"})
    english = browser.get("/workspace/properties.json").get_json()["properties"]
    assert next(p for p in english if p["name"] == "loa")["label"] == "Level of assurance (LoA)"


def test_draft_saved_checked_and_deployed_through_the_json_routes(
    browser: Browser, runtime: Runtime
) -> None:
    browser.login("petra")
    browser.get(f"/workspace/{LOA3}/model")
    files = browser.get(f"/workspace/{LOA3}/draft").get_json()["files"]
    broken = dict(files)
    broken[BPMN] = files[BPMN].replace('"P5D"', "P5D (")
    saved = _json_post(browser, f"/workspace/{LOA3}/draft", {"files": broken}, method="PUT")
    assert saved.status_code == 200  # type: ignore[attr-defined]
    check = _json_post(browser, f"/workspace/{LOA3}/check", {}).get_json()  # type: ignore[attr-defined]
    assert [p["element"] for p in check["problems"]] == ["deadline"]
    refused = _json_post(browser, f"/workspace/{LOA3}/deploy", {})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert refused.get_json()["problems"][0]["element"] == "deadline"  # type: ignore[attr-defined]
    assert [v.version for v in versions.list_versions(runtime, LOA3)] == [1]

    fixed = dict(files)
    fixed[BPMN] = files[BPMN].replace('"P5D"', '"P7D"')
    _json_post(browser, f"/workspace/{LOA3}/draft", {"files": fixed}, method="PUT")
    deployed = _json_post(browser, f"/workspace/{LOA3}/deploy", {}).get_json()  # type: ignore[attr-defined]
    assert {"id": LOA3, "version": 2, "kind": "process", "new": True} in deployed["deployed"]
    assert deployed["changes"]["timers"]["changed"] == ["deadline"]


def test_draft_without_csrf_token_is_refused_and_nothing_saved(browser: Browser) -> None:
    browser.login("petra")
    files = browser.get(f"/workspace/{LOA3}/draft").get_json()["files"]
    refused = browser.client.put(
        f"/workspace/{LOA3}/draft",
        data=json.dumps({"files": files}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert browser.get(f"/workspace/{LOA3}/draft").get_json()["saved_at"] is None


def test_s1_rollback_and_suspend_from_the_page(browser: Browser, runtime: Runtime) -> None:
    browser.login("petra")
    files = browser.get(f"/workspace/{LOA3}/draft").get_json()["files"]
    files[BPMN] = files[BPMN].replace('"P5D"', '"P7D"')
    _json_post(browser, f"/workspace/{LOA3}/draft", {"files": files}, method="PUT")
    _json_post(browser, f"/workspace/{LOA3}/deploy", {})

    assert browser.post(f"/workspace/{LOA3}/activate", {"version": "1"}).status_code == 302
    assert [v.active for v in versions.list_versions(runtime, LOA3)] == [True, False]
    assert browser.post(f"/workspace/{LOA3}/suspend").status_code == 302
    assert {p.id: p.suspended for p in versions.list_processes(runtime)}[LOA3] is True
    assert browser.post(f"/workspace/{LOA3}/resume").status_code == 302
    assert {p.id: p.suspended for p in versions.list_processes(runtime)}[LOA3] is False
    bad = browser.post(f"/workspace/{LOA3}/activate", {"version": "x"})
    assert bad.status_code == 422


def test_s5_migration_from_the_page_is_a_dry_run_until_confirmed(
    browser: Browser, runtime: Runtime, flows: Flows
) -> None:
    case = flows.start_loa3().id
    browser.login("petra")
    files = browser.get(f"/workspace/{LOA3}/draft").get_json()["files"]
    files[BPMN] = files[BPMN].replace('"P5D"', '"P7D"')
    _json_post(browser, f"/workspace/{LOA3}/draft", {"files": files}, method="PUT")
    _json_post(browser, f"/workspace/{LOA3}/deploy", {})

    dry = browser.post(f"/workspace/{LOA3}/migrate", {"version": "2"})
    assert dry.status_code == 200
    assert 'name="move" value="yes"' in text(dry)
    assert [v.open_cases for v in versions.list_versions(runtime, LOA3)] == [1, 0]

    moved = browser.post(f"/workspace/{LOA3}/migrate", {"version": "2", "move": "yes"})
    assert moved.status_code == 200 and f"({case})" in text(moved)
    assert [v.open_cases for v in versions.list_versions(runtime, LOA3)] == [0, 1]


def test_discarded_draft_gives_the_active_version_again(browser: Browser) -> None:
    browser.login("petra")
    files = browser.get(f"/workspace/{LOA3}/draft").get_json()["files"]
    files[BPMN] = files[BPMN].replace('"P5D"', '"P7D"')
    _json_post(browser, f"/workspace/{LOA3}/draft", {"files": files}, method="PUT")
    assert "Kasta utkastet" in text(browser.get("/workspace"))

    assert browser.post(f"/workspace/{LOA3}/discard").status_code == 302
    draft = browser.get(f"/workspace/{LOA3}/draft").get_json()
    assert draft["saved_at"] is None and '"P5D"' in draft["files"][BPMN]


def test_r7_simulation_route_runs_the_saved_draft_and_refuses_bad_input(browser: Browser) -> None:
    browser.login("petra")
    browser.get(f"/workspace/{LOA3}/model")
    url = f"/workspace/{LOA3}/simulate"
    body = {"start": "2026-12-24T10:00", "workers_act": False, "data": {"holder": "ivan"}}
    run = _json_post(browser, url, body).get_json()  # type: ignore[attr-defined]
    assert run["ended"] is True
    assert [(s["kind"], s["element"], s["at"]) for s in run["steps"]] == [
        ("start", "start", "2026-12-24 10:00"),
        ("timer", "deadline", "2026-12-29 10:00"),
        ("end", "lapsed", "2026-12-29 10:00"),
    ]
    for bad in ({**body, "start": "julafton"}, {**body, "data": [1]}):
        assert _json_post(browser, url, bad).status_code == 422  # type: ignore[attr-defined]


def test_heat_map_and_lapse_rates_are_counts_without_personal_data(
    browser: Browser, flows: Flows
) -> None:
    flows.start_loa3(holder="frida")
    browser.login("petra")
    waiting = browser.get(f"/workspace/{LOA3}/waiting").get_json()
    assert waiting == {
        "elements": [{"element": "second_verification", "cases": 1, "median_hours": 0.0}]
    }
    page = text(browser.get("/workspace"))
    assert "Förfallna (R7)" in page and "frida" not in page.lower()
