"""S4 cancel and S5 migrate through the JSON API, answers checked against the OpenAPI schemas."""

from __future__ import annotations

from pathlib import Path

from engine.services.deploy import PROCESSES_DIR
from engine.services.deploy import deploy_files
from tests.api.conftest import Api
from tests.api.test_openapi import _check
from tests.api.test_openapi import _document


def issued_loa2(api: Api, card: str = "RK000001") -> int:
    started = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    case_id = int(started.get_json()["case"]["id"])
    done = api.complete(case_id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")
    assert done.status_code == 200
    return case_id


def test_s4_cancel_answers_the_case_and_refuses_others_with_403_and_closed_with_409(
    api: Api,
) -> None:
    document = _document(api.client)
    case_id = issued_loa2(api)
    path = f"/api/cases/{case_id}/cancel"

    refused = api.post(path, "cecilia", {"reason": "fel"})
    assert refused.status_code == 403 and refused.get_json()["rule"] == "S4"
    _check(document, "post", "/cases/{case_id}/cancel", 403, refused.get_json())
    assert api.post(path, "sara", {}).status_code == 422
    assert api.post(path, "sara", {"reason": "x", "why": "y"}).status_code == 422

    done = api.post(path, "sara", {"reason": "Fel person"})
    assert done.status_code == 200
    assert done.get_json()["case"]["state"] == "cancelled"
    _check(document, "post", "/cases/{case_id}/cancel", 200, done.get_json())
    again = api.post(path, "sara", {"reason": "igen"})
    assert again.status_code == 409
    card = api.get("/api/cards/RK000001", "olof").get_json()["card"]
    assert card["state"] == "issued"


def test_s5_migrate_dry_run_then_move_and_only_a_process_owner(api: Api, tmp_path: Path) -> None:
    document = _document(api.client)
    case_id = issued_loa2(api)
    source = (PROCESSES_DIR / "loa2-remote-order.bpmn").read_text(encoding="utf-8")
    path = tmp_path / "loa2-remote-order.bpmn"
    path.write_text(source.replace("Förläng LoA2-certifikat", "Förläng (v2)"), encoding="utf-8")
    deploy_files(api.runtime, api.clock, [path], actor="petra")
    url = "/api/processes/loa2-remote-order/migrate"

    forbidden = api.post(url, "anna", {"to": 2, "dry_run": True})
    assert forbidden.status_code == 403 and forbidden.get_json()["rule"] == "S1"
    _check(document, "post", "/processes/{process_id}/migrate", 403, forbidden.get_json())
    assert api.post(url, "petra", {"to": "2"}).status_code == 422
    assert api.post(url, "petra", {"to": 2, "cases": ["x"]}).status_code == 422
    assert api.post(url, "petra", {"to": 7}).status_code == 404

    dry = api.post(url, "petra", {"to": 2, "dry_run": True})
    assert dry.status_code == 200
    _check(document, "post", "/processes/{process_id}/migrate", 200, dry.get_json())
    assert (dry.get_json()["movable"], dry.get_json()["moved"]) == ([case_id], [])
    moved = api.post(url, "petra", {"to": 2, "cases": [case_id]})
    assert moved.get_json()["moved"] == [case_id]
    assert api.get(f"/api/cases/{case_id}", "olof").get_json()["case"]["version"] == 2
