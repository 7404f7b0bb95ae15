"""S2 and the registers' owners over the API, role × register route × organisation, in the
world of tests/web/test_read_rights.py (Region Demo, and Region Annan with nils, karin and
its stock card OA000001), on SQLite and PostgreSQL.

Card stock and employments are personal or organisational data: only their owners (the
service desk, system administrators) list them, and only in the organisations they keep.
Closing days, rosters and organisation settings are no personal data: every token holder
reads them. Every change is refused (403, nothing changed) to anyone but the register's
owners; the owners' own changes are tests/api/test_registers_api.py's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_read_rights import USERS
from tests.web.test_read_rights import World
from tests.web.test_read_rights import world

__all__ = ["world"]

REGISTER_KEEPERS = {"sara", "petra"}  # service desk; process owner and system admin
# Who may change each register (engine.services.registers.common).
WRITERS = {
    "stock": {"sara", "petra"},
    "employments": {"sara", "petra"},
    "closing_days": {"petra"},
    "settings": {"petra"},
    "rosters": {"maria", "petra"},
}
READ_ROUTES = {
    "/api/stock": REGISTER_KEEPERS,
    "/api/employments": REGISTER_KEEPERS,
    "/api/closing-days?from=2026-01-01&to=2026-12-31": set(USERS),
    "/api/rosters?from=2026-11-23&to=2026-11-30": set(USERS),
    "/api/organisations/region-demo/settings": set(USERS),
    "/api/organisations/region-annan/settings": set(USERS),
}
# Valid requests, so that only the caller's rights decide; none of them is let through here.
WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "stock": (
        "/api/stock/receive",
        {
            "first": "RK000901",
            "last": "RK000901",
            "organisation": "region-demo",
            "produced_on": "2026-01-01",
        },
    ),
    "employments": (
        "/api/employments",
        {"holder": "frida", "organisation": "hemtjanst-demo", "start_date": "2026-12-01"},
    ),
    "closing_days": ("/api/closing-days", {"day": "2026-12-02", "reason": "Flytt"}),
    "settings": (
        "/api/organisations/region-demo/settings",
        {"setting": "allows_forgotten_card", "value": False},
    ),
    "rosters": (
        "/api/rosters",
        {
            "admin": "anna",
            "station": "halmstad",
            "starts_at": "2026-11-24T08:00:00+01:00",
            "ends_at": "2026-11-24T16:00:00+01:00",
        },
    ),
}


@pytest.mark.parametrize("user", USERS)
def test_s2_each_register_list_answers_its_readers_only(world: World, user: str) -> None:
    wrong = []
    for path, readers in READ_ROUTES.items():
        status = world.api.get(path, user).status_code
        expected = 200 if user in readers else 403
        if status != expected:
            wrong.append((path, expected, status))
    assert wrong == []


@pytest.mark.parametrize("user", sorted(REGISTER_KEEPERS))
def test_s2_stock_and_employments_list_only_the_keepers_organisations(
    world: World, user: str
) -> None:
    cards = world.api.get("/api/stock?limit=500", user).get_json()["cards"]
    assert "RK000001" in {c["number"] for c in cards}
    assert {c["organisation"] for c in cards} <= {"region-demo", "hemtjanst-demo"}
    rows = world.api.get("/api/employments?limit=500", user).get_json()["employments"]
    assert rows and "region-annan" not in {r["organisation"] for r in rows}
    assert "19800101-2403" not in {r["holder"] for r in rows}  # karin, Region Annan


@pytest.mark.parametrize("user", USERS)
def test_s2_only_a_registers_owners_may_change_it(world: World, user: str) -> None:
    wrong = []
    for register, (path, body) in WRITES.items():
        if user in WRITERS[register]:
            continue
        answer = world.api.post(path, user, body)
        if answer.status_code != 403:
            wrong.append((path, 403, answer.status_code, answer.get_json()))
    # A directory import, as a dry run, tells its owners what it would do and others 403.
    dry = world.api.post(
        "/api/employments/import",
        user,
        {"csv": "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,2026-12-31\n", "dry_run": True},
    )
    expected = 200 if user in WRITERS["employments"] else 403
    if dry.status_code != expected:
        wrong.append(("/api/employments/import", expected, dry.status_code, dry.get_json()))
    assert wrong == []
