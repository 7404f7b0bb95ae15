"""The workspace's watching routes (issue 13): a simulation's rule decisions, incidents
per element linking to the incident list, and a draft over 256 KB refused in words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.services import drafts
from engine.services.timers import fire_due_timers
from tests.integration.test_incidents import failing_case
from tests.support.flows import Flows
from tests.web.conftest import Browser
from tests.web.conftest import text

LOA2 = "loa2-remote-order"


def _json(browser: Browser, url: str, body: object, method: str = "POST") -> Any:
    return browser.client.open(
        url,
        method=method,
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": browser.token},
    )


@pytest.mark.parametrize(
    ("lang", "outcome", "weekday"),
    [
        ("sv", "Utanför kontorstid", "nej (Julafton)"),
        ("en", "Outside office hours", "no (Julafton)"),
    ],
)
def test_r12_simulation_answers_each_rule_decided_in_the_sessions_language(
    browser: Browser, lang: str, outcome: str, weekday: str
) -> None:
    browser.login("petra")
    browser.post("/language", {"lang": lang})
    answer = _json(
        browser,
        f"/workspace/{LOA2}/simulate",
        {"start": "2026-12-24T10:00", "data": {"organisation": "hemtjanst-demo"}},
    ).get_json()
    r12 = next(d for d in answer["decisions"] if d["rule"] == "R12")
    assert r12 == {
        "element": "issue_loa2",
        "at": "2026-12-24 10:00",
        "rule": "R12",
        "table": None,
        "inputs": [
            ["local_time", "2026-12-24 10:00"],
            ["holiday_free_weekday", weekday],
        ],
        "outcome": outcome,
        "passed": True,
    }
    table = next(d for d in answer["decisions"] if d["rule"] == "R11")["table"]
    assert table == ("validity-limits (utkast)" if lang == "sv" else "validity-limits (draft)")


def test_s1_incidents_per_element_link_to_the_filtered_incident_list(
    browser: Browser, flows: Flows, tmp_path: Path
) -> None:
    case_id = failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 16:00").clock)
    browser.login("petra")
    answer = browser.get("/workspace/failing/incidents?version=1").get_json()
    assert answer["elements"] == [
        {
            "element": "wait",
            "incidents": 1,
            "cases": 1,
            "url": "/incidents?process=failing&version=1&element=wait",
        }
    ]
    listed = text(browser.get(answer["elements"][0]["url"]))
    assert f"#{case_id}" in listed and 'id="incident-filter"' in listed
    # The resolved ones too, still at this element only.
    assert 'href="/incidents?all=1&amp;process=failing&amp;version=1&amp;element=wait"' in listed
    elsewhere = text(browser.get("/incidents?process=failing&version=1&element=start"))
    assert f"#{case_id}" not in elsewhere
    assert browser.get("/workspace/failing/incidents?version=x").status_code == 422
    browser.logout()
    browser.login("anna")
    assert browser.get("/workspace/failing/incidents?version=1").status_code == 403


def test_a_draft_over_256_kb_is_refused_in_words_and_the_saved_draft_is_unchanged(
    browser: Browser, flows: Flows
) -> None:
    browser.login("petra")
    files = drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra").files
    assert _json(browser, f"/workspace/{LOA2}/draft", {"files": files}, "PUT").status_code == 200
    saved = drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra")
    big = {**files, f"{LOA2}.bpmn": files[f"{LOA2}.bpmn"] + "<!--" + "x" * 300_000 + "-->"}

    refused = _json(browser, f"/workspace/{LOA2}/draft", {"files": big}, "PUT")

    assert refused.status_code == 413
    assert refused.get_json()["message"].startswith("Utkastet är större än servern tar emot")
    assert drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra") == saved
