"""The operators' registers through the API: the owners change them (audited), everyone
else is refused with 403 and nothing changes; lists are keyset pages; every answer matches
the OpenAPI document. sara is Region Demo's service desk, petra its process owner (and a
system administrator), maria its manager, anna a LoA3 administrator.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.model import AuditEvent
from tests.api.conftest import Api
from tests.api.test_openapi import _check
from tests.api.test_openapi import _document


def audit_actions(api: Api) -> list[str]:
    """The audit trail's actions but the tokens the test client issues itself."""
    with api.runtime.database.sessions() as session:
        query = select(AuditEvent.action).where(AuditEvent.action != "token_issued")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def audit_count(api: Api) -> int:
    return len(audit_actions(api))


def ok(document: dict[str, Any], method: str, path: str, status: int, answer: Any) -> Any:
    assert answer.status_code == status, answer.get_json()
    _check(document, method, path, status, answer.get_json())
    return answer.get_json()


def test_r2_sara_receives_lists_in_pages_and_scraps_stock_others_get_403(api: Api) -> None:
    document = _document(api.client)
    api.at("2026-11-23 10:00")
    body = {
        "first": "RK000051",
        "last": "RK000060",
        "organisation": "region-demo",
        "produced_on": "2026-01-15",
    }
    before = audit_count(api)
    refused = api.post("/api/stock/receive", "anna", body)
    assert refused.status_code == 403
    _check(document, "post", "/stock/receive", 403, refused.get_json())
    assert api.get("/api/stock", "maria").status_code == 403
    received = ok(
        document, "post", "/stock/receive", 201, api.post("/api/stock/receive", "sara", body)
    )
    assert received["received"] == {**body, "count": 10}
    assert audit_actions(api)[before:] == ["stock_received"]  # the refusal changed nothing

    first = ok(document, "get", "/stock", 200, api.get("/api/stock?limit=30", "sara"))
    assert len(first["cards"]) == 30 and first["next_cursor"]
    rest = ok(
        document, "get", "/stock", 200, api.get(f"/api/stock?cursor={first['next_cursor']}", "sara")
    )
    numbers = [c["number"] for c in first["cards"] + rest["cards"]]
    assert numbers == sorted(set(numbers)) and numbers[-1] == "RK000060"
    assert rest["next_cursor"] is None
    assert rest["cards"][-1]["end_of_life"] == "2036-01-15"  # R2: ten years

    scrapped = ok(
        document,
        "post",
        "/stock/{number}/scrap",
        200,
        api.post("/api/stock/RK000060/scrap", "sara", {"reason": "Trasigt"}),
    )
    assert scrapped["card"]["state"] == "scrapped"
    assert audit_actions(api)[-1] == "card_scrapped"
    again = api.post("/api/stock/RK000060/scrap", "sara", {"reason": "igen"})
    assert again.status_code == 409
    assert (
        api.post("/api/stock/receive", "sara", {**body, "produced_on": "2026-13-01"}).status_code
        == 422
    )
    listed = api.get("/api/stock?state=scrapped", "sara").get_json()["cards"]
    assert [c["number"] for c in listed] == ["RK000060"]


def test_r3_r19_employments_are_added_ended_and_imported_by_the_service_desk(api: Api) -> None:
    document = _document(api.client)
    api.at("2026-11-23 10:00")
    body = {"holder": "erik", "organisation": "region-demo", "start_date": "2026-12-01"}
    assert api.post("/api/employments", "anna", body).status_code == 403
    added = ok(document, "post", "/employments", 201, api.post("/api/employments", "sara", body))
    employment_id = added["employment"]["id"]
    assert audit_actions(api)[-1] == "employment_added"
    ended = ok(
        document,
        "post",
        "/employments/{employment_id}/end",
        200,
        api.post(f"/api/employments/{employment_id}/end", "sara", {"ends_on": "2027-03-31"}),
    )
    assert ended["employment"]["end_date"] == "2027-03-31"
    # R19: the end date started the employment's employment-end case.
    listed = api.get("/api/cases?state=open", "sara").get_json()["cases"]
    assert [c["process"] for c in listed] == ["employment-end"]

    page = ok(document, "get", "/employments", 200, api.get("/api/employments?limit=2", "sara"))
    assert len(page["employments"]) == 2 and page["next_cursor"]
    assert api.get("/api/employments", "petra").status_code == 200  # a system administrator
    assert api.get("/api/employments", "maria").status_code == 403

    csv = "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,2026-12-31\n"
    dry = ok(
        document,
        "post",
        "/employments/import",
        200,
        api.post("/api/employments/import", "sara", {"csv": csv, "dry_run": True}),
    )
    assert dry["applied"] is False
    assert [(e["step"], e["case_id"]) for e in dry["end_cases"]] == [("start", None)]
    done = ok(
        document,
        "post",
        "/employments/import",
        200,
        api.post("/api/employments/import", "sara", {"csv": csv}),
    )
    [started] = done["end_cases"]
    assert started["step"] == "start" and started["case_id"] is not None
    assert audit_actions(api)[-1] == "employments_imported"
    bad = api.post("/api/employments/import", "sara", {"csv": "1,2,3\n"})
    assert bad.status_code == 422 and "line 1" in bad.get_json()["message"]


def test_closing_days_are_kept_by_process_owners_and_read_by_everyone_in_pages(api: Api) -> None:
    document = _document(api.client)
    api.at("2026-11-23 10:00")
    body = {"day": "2026-12-02", "reason": "Flytt", "station": "kungsbacka"}
    before = audit_count(api)
    assert api.post("/api/closing-days", "sara", body).status_code == 403
    assert audit_count(api) == before  # the refusal changed nothing
    first = ok(document, "post", "/closing-days", 201, api.post("/api/closing-days", "petra", body))
    ok(
        document,
        "post",
        "/closing-days",
        201,
        api.post("/api/closing-days", "petra", {"day": "2026-12-03", "reason": "Kris"}),
    )
    assert audit_actions(api)[-1] == "closing_day_added"
    page = ok(
        document,
        "get",
        "/closing-days",
        200,
        api.get("/api/closing-days?from=2026-12-01&to=2026-12-31&limit=1", "anna"),
    )
    assert [d["day"] for d in page["closing_days"]] == ["2026-12-02"] and page["next_cursor"]
    rest = api.get(
        f"/api/closing-days?from=2026-12-01&to=2026-12-31&cursor={page['next_cursor']}", "anna"
    ).get_json()
    assert [(d["day"], d["station"]) for d in rest["closing_days"]] == [("2026-12-03", None)]
    assert api.get("/api/closing-days?from=2026-12-31&to=2026-12-01", "anna").status_code == 422
    day_id = first["closing_day"]["id"]
    assert api.post(f"/api/closing-days/{day_id}/remove", "maria").status_code == 403
    removed = ok(
        document,
        "post",
        "/closing-days/{closing_day_id}/remove",
        200,
        api.post(f"/api/closing-days/{day_id}/remove", "petra"),
    )
    assert removed["closing_day"]["day"] == "2026-12-02"
    assert api.post(f"/api/closing-days/{day_id}/remove", "petra").status_code == 404


def test_s6_r20_petra_dates_a_setting_and_others_are_refused(api: Api) -> None:
    document = _document(api.client)
    api.at("2026-11-23 10:00")
    path = "/api/organisations/hemtjanst-demo/settings"
    body = {"setting": "allows_forgotten_card", "value": True, "effective_from": "2026-12-01"}
    refused = api.post(path, "sara", body)
    assert refused.status_code == 403
    shown = ok(document, "get", "/organisations/{code}/settings", 200, api.get(path, "anna"))
    assert shown["organisation"]["code"] == "hemtjanst-demo"
    saved = ok(
        document, "post", "/organisations/{code}/settings", 200, api.post(path, "petra", body)
    )
    setting = next(
        s for s in saved["organisation"]["settings"] if s["name"] == "allows_forgotten_card"
    )
    assert setting["rule"] == "R20" and setting["value_today"] is False
    assert [h["effective_from"] for h in setting["history"]] == ["2026-12-01"]
    assert audit_actions(api)[-1] == "organisation_setting_changed"
    past = api.post(path, "petra", {**body, "effective_from": "2026-11-01"})
    assert past.status_code == 422  # S6: never before today
    assert api.post(path, "petra", {**body, "setting": "nonsense"}).status_code == 422
    assert api.get("/api/organisations/nowhere/settings", "anna").status_code == 404


def test_r8_maria_rosters_admins_and_the_roster_lists_in_pages(api: Api) -> None:
    document = _document(api.client)
    api.at("2026-11-23 10:00")
    shifts = [
        ("anna", "halmstad", "2026-11-24T08:00:00+01:00", "2026-11-24T16:00:00+01:00"),
        ("bertil", "kungsbacka", "2026-11-25T08:00:00+01:00", "2026-11-25T12:00:00+01:00"),
    ]
    body = dict(zip(("admin", "station", "starts_at", "ends_at"), shifts[0], strict=True))
    assert api.post("/api/rosters", "sara", body).status_code == 403
    made = [
        ok(
            document,
            "post",
            "/rosters",
            201,
            api.post(
                "/api/rosters",
                "maria",
                dict(zip(("admin", "station", "starts_at", "ends_at"), shift, strict=True)),
            ),
        )["shift"]
        for shift in shifts
    ]
    assert audit_actions(api)[-1] == "shift_added"
    assert api.post("/api/rosters", "maria", body).status_code == 409  # anna is rostered then
    page = ok(
        document,
        "get",
        "/rosters",
        200,
        api.get("/api/rosters?from=2026-11-23&to=2026-11-30&limit=1", "david"),
    )
    assert [s["admin"] for s in page["shifts"]] == ["anna"] and page["next_cursor"]
    rest = api.get(
        f"/api/rosters?from=2026-11-23&to=2026-11-30&cursor={page['next_cursor']}", "david"
    ).get_json()
    assert [(s["admin"], s["station"]) for s in rest["shifts"]] == [("bertil", "kungsbacka")]
    assert rest["shifts"][0]["starts_at"] == "2026-11-25T08:00:00+01:00"
    assert api.get("/api/rosters?from=2026-11-23", "david").status_code == 422
    removed = ok(
        document,
        "post",
        "/rosters/{shift_id}/remove",
        200,
        api.post(f"/api/rosters/{made[0]['id']}/remove", "maria"),
    )
    assert removed["shift"]["admin"] == "anna"
    assert audit_actions(api)[-1] == "shift_removed"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/stock/receive", {"first": "RK1", "last": "RK2", "organisation": "x", "when": 1}),
        ("/api/closing-days", {"day": "2026-12-02", "reason": "x" * 201}),
        ("/api/closing-days", {"day": "2026-02-30", "reason": "Flytt"}),
        ("/api/employments/import", {"csv": "", "dry_run": True}),
        ("/api/employments/import", {"csv": "x", "dry_run": "yes"}),
        ("/api/organisations/region-demo/settings", {"setting": "allows_forgotten_card"}),
        (
            "/api/rosters",
            {
                "admin": "anna",
                "station": "halmstad",
                "starts_at": "2026-11-24T08:00",
                "ends_at": "2026-11-24T16:00:00+01:00",
            },
        ),
    ],
)
def test_malformed_register_requests_answer_422_and_change_nothing(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    api.at("2026-11-23 10:00")
    before = audit_count(api)
    answer = api.post(path, "petra", body)
    assert answer.status_code == 422, answer.get_json()
    assert " / " in answer.get_json()["message"]
    assert audit_count(api) == before
