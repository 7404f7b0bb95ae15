"""Both demo flows end to end through the JSON API, with the refusals the rules demand."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def test_r6_loa3_reserve_started_by_anna_is_completed_by_bertil(api: Api) -> None:
    started = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="passport"
    )
    assert started.status_code == 201
    case = started.get_json()["case"]
    assert case == {"id": case["id"], "process": "loa3-reserve", "version": 1, "state": "open"}
    assert started.headers["Location"] == f"/api/cases/{case['id']}"
    assert "second_verification" not in api.task_names("anna")
    assert "second_verification" in api.task_names("bertil")

    done = api.at("2026-11-25 10:00").complete(
        case["id"],
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-25",
    )
    assert done.status_code == 200
    assert done.get_json() == {
        "case": {"id": case["id"], "process": "loa3-reserve", "state": "completed"}
    }
    card = api.get("/api/cards/RK000001", "olof").get_json()["card"]
    assert (card["holder"], card["loa"], card["state"]) == ("frida", 3, "issued")


def test_r6_first_admin_is_refused_the_second_verification_with_403(api: Api) -> None:
    case = api.at("2026-11-23 10:00").start(
        "anna", "loa3-reserve", holder="frida", id_document="passport"
    )
    refused = api.complete(
        case.get_json()["case"]["id"],
        "second_verification",
        "anna",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-25",
    )
    assert refused.status_code == 403
    assert refused.get_json()["rule"] == "R6"
    assert "(R6)" in refused.get_json()["message"]


def test_r5_loa2_admin_cecilia_cannot_start_a_loa3_case(api: Api) -> None:
    refused = api.at("2026-11-23 10:00").start(
        "cecilia", "loa3-reserve", holder="frida", id_document="passport"
    )
    assert refused.status_code == 403
    assert refused.get_json()["rule"] == "R5"
    assert api.get("/api/cases", "olof").get_json() == {"cases": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("at", "status", "rule"),
    [
        ("2026-11-23 10:00", 403, "R12"),
        ("2026-11-23 15:00", 403, "R12"),
        ("2026-11-23 15:01", 200, None),
    ],
)
def test_r12_sara_issues_loa2_only_outside_office_hours(
    api: Api, at: str, status: int, rule: str | None
) -> None:
    order = api.at("2026-11-23 09:00").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    case_id = order.get_json()["case"]["id"]
    issued = api.at(at).complete(
        case_id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07"
    )
    assert issued.status_code == status
    assert issued.get_json().get("rule") == rule


def test_r15_loa2_order_issue_and_renewal_keep_the_case_open(api: Api) -> None:
    order = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    case_id = order.get_json()["case"]["id"]
    assert api.task_names("sara") == ["issue_loa2"]
    issued = api.complete(
        case_id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07"
    )
    assert issued.get_json()["case"]["state"] == "open"

    assert (
        api.at("2026-12-04 16:00").complete(case_id, "request_renewal", "david").status_code == 200
    )
    renewed = api.complete(case_id, "renew_loa2", "sara", valid_until="2026-12-18")
    assert renewed.get_json()["case"] == {
        "id": case_id,
        "process": "loa2-remote-order",
        "state": "open",
    }
    assert api.task_names("david") == ["request_renewal"]
    card = api.get("/api/cards/RK000002", "sara").get_json()["card"]
    assert len(card["certificates"]) == 2


def test_claim_shows_the_task_taken_and_unclaim_gives_it_back(api: Api) -> None:
    order = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    case_id = order.get_json()["case"]["id"]
    task = api.task_id(case_id, "issue_loa2")

    claimed = api.post(f"/api/tasks/{task}/claim", "sara")
    assert claimed.get_json() == {"ok": True, "task": {"id": task, "claimed_by": "sara"}}
    assert api.get("/api/tasks", "sara").get_json()["tasks"][0]["claimed_by"] == "sara"

    unclaimed = api.post(f"/api/tasks/{task}/unclaim", "sara")
    assert unclaimed.get_json() == {"ok": True, "task": {"id": task, "claimed_by": None}}
    shown = api.get(f"/api/cases/{case_id}", "sara").get_json()["case"]
    assert [t["claimed_by"] for t in shown["tasks"]] == [None]


def test_r5_a_user_without_the_lane_role_cannot_claim(api: Api) -> None:
    order = api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    task = api.task_id(order.get_json()["case"]["id"], "issue_loa2")
    refused = api.post(f"/api/tasks/{task}/claim", "david")
    assert refused.status_code == 403
    assert refused.get_json()["rule"] == "R5"


def test_cases_are_listed_and_filtered_by_state(api: Api) -> None:
    api.at("2026-11-23 15:01").start(
        "david", "loa2-remote-order", holder="erik", reason="Glömt kort på nattskift"
    )
    listed = api.get("/api/cases?state=open", "olof").get_json()["cases"]
    assert [(c["process"], c["state"]) for c in listed] == [("loa2-remote-order", "open")]
    assert api.get("/api/cases?state=completed", "olof").get_json() == {
        "cases": [],
        "next_cursor": None,
    }
