"""Every page × every demo role: allowed (2xx/3xx) or forbidden (403), on SQLite.

The engine decides the task page itself: only a LoA3 admin other than the first may open
the second verification (R5, R6).
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
REPORT_READERS = {"maria", "olof"}  # manager and auditor (web.access.REPORTS_BY_ROLE)

# (url, who may open it); {case}, {task} and {person} are filled in from the fixture.
PAGES: list[tuple[str, set[str]]] = [
    ("/tasks", WORKERS),
    ("/tasks?process=loa3-reserve&station=halmstad&due=3", WORKERS),
    ("/tasks/{task}", {"bertil"}),
    ("/start/loa3", {"anna", "bertil"}),
    ("/start/loa2", {"david"}),
    ("/cases", READERS),
    ("/cases?state=open", READERS),
    ("/cases/{case}", READERS),
    ("/search?q=RK00000", READERS),
    ("/cards/RK000001", READERS),
    ("/people/{person}", READERS),
    ("/people/find/frida", READERS),
    ("/reports", REPORT_READERS),
    ("/admin", ADMINS),
    ("/admin/people/new", ADMINS),
    ("/admin/people/{person}", ADMINS),
    ("/admin/people/{person}/rights/new", ADMINS),
    ("/admin/stations/new", ADMINS),
    ("/admin/stations/1", ADMINS),
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
@pytest.mark.parametrize(("page", "allowed"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_is_open_to_its_roles_and_forbidden_to_others(
    world: tuple[Flask, dict[str, str], dict[str, Browser]], user: str, page: str, allowed: set[str]
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
