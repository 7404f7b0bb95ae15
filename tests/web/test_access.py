"""Every page × every demo role: allowed (2xx/3xx), forbidden (403) or, outside the
user's read rights, not found (404, S2), on SQLite.

The engine decides the task page itself: only a LoA3 admin other than the first may open
the second verification (R5, R6). The case is Region Demo's: david (remote admin of
hemtjanst-demo) and petra (process owner: processes and counts only) may not read it, its
holder frida nor the region's cards (S2); tests/web/test_read_rights.py has the full matrix.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import CaseTask
from engine.model import Person
from engine.services import cases
from engine.services.runtime import bootstrap
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import build_app

FRIDA_NAME = "Frida Fors"  # the card user of the fixture's case
FRIDA_NUMBER = "19850315-1238"
USERS = ("anna", "bertil", "cecilia", "david", "sara", "petra", "maria", "olof", "erik")
WORKERS = {"anna", "bertil", "cecilia", "david", "sara"}
READERS = WORKERS | {"petra", "maria", "olof"}
ADMINS = {"petra"}
# R3, R20: every demo user is employed, so each is a card user who may start a forgotten-card
# case and open the queue page for the attest steps assigned to them; they read only their
# own cases and the cases they attest (S2, tests/web/test_read_rights.py).
EMPLOYED = set(USERS)
REPORT_READERS = {"maria", "olof"}  # manager and auditor (web.access.REPORTS_BY_ROLE)
# S2: readers whose scope does not hold Region Demo's case, people and cards.
OUTSIDE_REGION = {"david", "petra"}
REGION_READERS = READERS - OUTSIDE_REGION

# (url, who may open it, who gets 404 under S2); {case}, {task} and {person} are filled in
# from the fixture; everyone else gets 403.
PAGES: list[tuple[str, set[str], set[str]]] = [
    ("/tasks", EMPLOYED, set()),
    ("/tasks?process=loa3-reserve&station=halmstad&due=3", EMPLOYED, set()),
    # The engine decides: maria and olof read the case but may not work it (403, R5);
    # outside the reader's scope it does not exist (S2).
    ("/tasks/{task}", {"bertil"}, {"david", "petra", "erik"}),
    ("/start/loa3", {"anna", "bertil"}, set()),
    ("/start/loa2", {"david"}, set()),
    ("/start/forgotten-card", EMPLOYED, set()),
    ("/cases", READERS | EMPLOYED, set()),
    ("/cases?state=open", READERS | EMPLOYED, set()),
    ("/cases/{case}", REGION_READERS, OUTSIDE_REGION | {"erik"}),
    ("/search?q=RK00000", READERS, set()),
    ("/cards/RK000001", REGION_READERS, OUTSIDE_REGION),
    ("/people/{person}", REGION_READERS, OUTSIDE_REGION),
    ("/people/find/frida", REGION_READERS, OUTSIDE_REGION),
    ("/reports", REPORT_READERS, set()),
    ("/admin", ADMINS, set()),
    ("/admin/people/new", ADMINS, set()),
    ("/admin/people/{person}", ADMINS, set()),
    ("/admin/people/{person}/rights/new", ADMINS, set()),
    ("/admin/stations/new", ADMINS, set()),
    ("/admin/stations/1", ADMINS, set()),
]


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, dict[str, str], dict[str, Browser]]]:
    """One app for the whole matrix (pages are only read), with one open LoA3 case started
    by anna waiting for its second verification, and one signed-in browser per user."""
    folder = tmp_path_factory.mktemp("matrix")
    shutil.copyfile(sqlite_template, folder / "matrix.db")
    runtime = bootstrap(f"sqlite:///{folder / 'matrix.db'}")
    clock = FixedClock(local("2026-11-23 10:00"))
    app = build_app(runtime, clock, folder / "instance")
    summary = cases.start_case(
        runtime, clock, "loa3-reserve", "anna", {"holder": "frida", "id_document": "passport"}
    )
    with runtime.database.sessions() as session:
        task = session.scalars(select(CaseTask).where(CaseTask.case_id == summary.id)).one()
        frida = session.scalars(select(Person).where(Person.username == "frida")).one()
        ids = {"case": str(summary.id), "task": task.id, "person": str(frida.id)}
    browsers = {}
    for user in USERS:
        browsers[user] = Browser(app.test_client())
        assert browsers[user].login(user).status_code == 302
    yield app, ids, browsers
    runtime.database.dispose()


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(("page", "allowed", "hidden"), PAGES, ids=[p for p, _, _ in PAGES])
def test_every_page_is_open_to_its_roles_and_forbidden_to_others(
    world: tuple[Flask, dict[str, str], dict[str, Browser]],
    user: str,
    page: str,
    allowed: set[str],
    hidden: set[str],
) -> None:
    _, ids, browsers = world
    response = browsers[user].get(page.format(**ids))
    body = response.get_data(as_text=True)
    if user in allowed:
        # The page itself: not a sign-in page, not an error page, not a redirect to either.
        assert response.status_code in (200, 302), body[:500]
        if response.status_code == 302:
            location = response.headers["Location"]
            assert "/login" not in location, location
            assert browsers[user].get(location).status_code == 200, location
        else:
            assert '<div class="notice error" role="alert">' not in body, body[:500]
            assert 'action="/login"' not in body, body[:500]
            assert re.search(r"<h1[^>]*>\s*\S", body), body[:500]
    elif user in hidden:
        assert response.status_code == 404, body[:500]
        assert FRIDA_NAME not in body and FRIDA_NUMBER not in body
    else:
        # The refusal page, and nothing of the card user it would have shown (S2).
        assert response.status_code == 403, body[:500]
        assert "<h1>Inte tillåtet</h1>" in body, body[:500]
        assert FRIDA_NAME not in body and FRIDA_NUMBER not in body


@pytest.mark.parametrize("user", USERS)
def test_the_start_page_sends_each_role_somewhere_useful(
    world: tuple[Flask, dict[str, str], dict[str, Browser]], user: str
) -> None:
    response = world[2][user].get("/", follow_redirects=True)
    assert response.status_code == 200


def test_r6_first_admin_is_told_why_she_may_not_open_the_second_verification(
    world: tuple[Flask, dict[str, str], dict[str, Browser]],
) -> None:
    _, ids, browsers = world
    browser = browsers["anna"]
    response = browser.get(f"/tasks/{ids['task']}")
    assert response.status_code == 403
    assert "(R6)" in response.get_data(as_text=True)
    assert ids["task"] not in browser.get("/tasks").get_data(as_text=True)
