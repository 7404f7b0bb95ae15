"""S2 read rights: role × route × organisation, over the pages, the API and the CLI, on
SQLite and PostgreSQL.

One world per database: Region Demo with its unit hemtjanst-demo (CONTRACT.md), and a
second organisation, Region Annan, with its own LoA3 administrator (nils), card user
(karin) and stock. Four cases: anna's LoA3 case for frida (Region Demo), david's LoA2
order for erik (hemtjanst-demo, issued on RK000002), nils's LoA3 case for karin
(Region Annan) and frida's forgotten-card case (R20) with hanna's attest step ready and
ivan's still to come. Each user reads exactly what S2 gives them; every other row is the
404 of a row that does not exist (exit 2 with S2 at the command line).

Card users (erik, frida, hanna, ivan: employed, no administrator's role) sign in to the
pages too: they open the case list, the case pages and their queue of assigned steps,
where S2 narrows every row to the cases they started and the cases they attest; the card,
person and search pages stay the staff's (403).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import AdminRight
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.passwords import hash_password
from engine.rights import RESERVE_LOA3
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from tests.api.conftest import Api
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.postgres_cluster import PostgresCluster
from tests.web.conftest import Browser
from tests.web.conftest import build_app

REPO_ROOT = Path(__file__).resolve().parents[2]
ANNAN_FROM = date(2024, 1, 1)
USERS = (
    "anna",
    "cecilia",
    "david",
    "sara",
    "petra",
    "maria",
    "olof",
    "erik",
    "nils",
    "frida",
    "hanna",
    "ivan",
)
# Who opens the read pages at all (web.access.READERS); the others get 403 whatever the row.
WEB_READERS = {"anna", "cecilia", "david", "sara", "petra", "maria", "olof", "nils"}
# Card users (web.access.CARD_USERS): the case pages and their steps only (R20, S2).
CARD_USERS = {"erik", "frida", "hanna", "ivan"}
REGION = {"anna", "cecilia", "sara", "maria", "olof"}  # rights in Region Demo and below

# Who may read each row (S2).
READABLE: dict[str, set[str]] = {
    "case_region": REGION,
    "case_unit": REGION | {"david"},  # david started it
    "case_annan": {"nils"},
    # frida started it; hanna attests now; ivan's step is not his yet.
    "case_forgotten": REGION | {"frida", "hanna"},
    "card_stock": REGION,
    "card_erik": REGION | {"david", "erik"},  # erik's own; david's unit's holder
    "card_annan": {"nils"},
    "person_frida": REGION,
    "person_erik": REGION | {"david", "erik"},
    "person_karin": {"nils"},
}


@dataclass
class World:
    runtime: Runtime
    database_url: str
    app: Flask
    ids: dict[str, str]
    browsers: dict[str, Browser]
    api: Api


def _region_annan(runtime: Runtime, clock: FixedClock) -> None:
    """A second organisation beside Region Demo: an admin, a card user and a stock card."""
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        annan = Organisation(code="region-annan", name="Region Annan")
        nils = Person(
            username="nils", display_name="Nils Nord", password_hash=hash_password("demo")
        )
        karin = Person(
            username="karin",
            display_name="Karin Kvist",
            identity_number="19800101-2403",
            birth_date=date(1980, 1, 1),
        )
        session.add_all([annan, nils, karin])
        for person in (nils, karin):
            session.add(Employment(person=person, organisation=annan, start_date=ANNAN_FROM))
        session.add(
            AdminRight(
                person=nils,
                right=RESERVE_LOA3,
                organisation=annan,
                trained_on=ANNAN_FROM,
                approved_on=ANNAN_FROM,
                valid_from=ANNAN_FROM,
            )
        )
        session.add(ReserveCard(number="OA000001", organisation=annan, produced_on=ANNAN_FROM))
        uow.commit()


def _build(database_url: str, folder: Path) -> World:
    runtime = bootstrap(database_url)
    clock = FixedClock(local("2026-11-23 15:01"))
    _region_annan(runtime, clock)
    flows = Flows(runtime, clock)
    region = flows.start_loa3("anna", "frida")
    unit = flows.order_loa2("david", "erik")
    flows.complete(unit.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07")
    annan = flows.start_loa3("nils", "karin")
    forgotten = flows.start(
        "forgotten-card", "frida", attester_1="hanna", attester_2="ivan", card_number="RK000009"
    )
    with runtime.database.sessions() as session:
        people = {
            row.username: row.id for row in session.execute(select(Person.username, Person.id))
        }
    ids = {
        "case_region": str(region.id),
        "case_unit": str(unit.id),
        "case_annan": str(annan.id),
        "case_forgotten": str(forgotten.id),
        "card_stock": "RK000001",
        "card_erik": "RK000002",
        "card_annan": "OA000001",
        "person_frida": str(people["frida"]),
        "person_erik": str(people["erik"]),
        "person_karin": str(people["karin"]),
        "task_annan": flows.task_id(annan.id, "second_verification"),
        "task_attest": flows.task_id(forgotten.id, "attest"),
    }
    app = build_app(runtime, clock, folder / "instance")
    browsers = {}
    for user in USERS:
        if user in WEB_READERS | CARD_USERS:
            browsers[user] = Browser(app.test_client())
            assert browsers[user].login(user).status_code == 302
    return World(runtime, database_url, app, ids, browsers, Api(app.test_client(), runtime, clock))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("read-rights")
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), folder / "s2.db")
        url = f"sqlite:///{folder / 's2.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(f"s2_{uuid.uuid4().hex[:12]}", template="sithsflow_template")
    built = _build(url, folder)
    yield built
    built.runtime.database.dispose()


def _web_path(key: str, world: World) -> str:
    kind = key.split("_")[0]
    prefix = {"case": "/cases/", "card": "/cards/", "person": "/people/"}[kind]
    return prefix + world.ids[key]


@pytest.mark.parametrize("user", USERS)
def test_s2_each_page_shows_a_row_only_inside_the_users_scope(world: World, user: str) -> None:
    wrong = []
    for key, readers in READABLE.items():
        path = _web_path(key, world)
        status = world.browsers[user].get(path).status_code
        expected = 200 if user in readers else 404
        if user in CARD_USERS and not key.startswith("case"):
            expected = 403  # a card user's own card is read in the API, not on these pages
        if status != expected:
            wrong.append((path, expected, status))
    assert wrong == []


@pytest.mark.parametrize("user", USERS)
def test_s2_each_api_answer_shows_a_row_only_inside_the_tokens_scope(
    world: World, user: str
) -> None:
    wrong = []
    for key, readers in READABLE.items():
        if key.startswith("person"):
            continue  # the API has no person route
        path = "/api" + _web_path(key, world)
        answer = world.api.get(path, user)
        expected = 200 if user in readers else 404
        if answer.status_code != expected:
            wrong.append((path, expected, answer.status_code))
        elif expected == 404 and answer.get_json()["rule"] != "S2":
            wrong.append((path, "rule S2", answer.get_json()))
    assert wrong == []


@pytest.mark.parametrize("user", USERS)
def test_s2_the_case_lists_hold_only_the_users_cases(world: World, user: str) -> None:
    cases = {key: int(world.ids[key]) for key in READABLE if key.startswith("case")}
    expected = {case_id for key, case_id in cases.items() if user in READABLE[key]}
    listed = {c["id"] for c in world.api.get("/api/cases", user).get_json()["cases"]}
    assert listed == expected
    if user in WEB_READERS | CARD_USERS:
        page = world.browsers[user].get("/cases").get_data(as_text=True)
        shown = {case_id for case_id in cases.values() if f'href="/cases/{case_id}"' in page}
        assert shown == expected


@pytest.mark.parametrize("user", USERS)
def test_s2_task_lists_hold_only_tasks_of_readable_cases(world: World, user: str) -> None:
    readable = {
        int(world.ids[k]) for k, readers in READABLE.items() if user in readers and "case" in k
    }
    listed = {t["case"] for t in world.api.get("/api/tasks", user).get_json()["tasks"]}
    assert listed <= readable


@pytest.mark.parametrize("user", sorted(WEB_READERS))
def test_s2_search_finds_only_cards_and_people_in_scope(world: World, user: str) -> None:
    browser = world.browsers[user]
    cards = browser.get("/search?q=RK00000", follow_redirects=True).get_data(as_text=True)
    assert ("RK000001" in cards) == (user in READABLE["card_stock"])
    assert ("RK000002" in cards) == (user in READABLE["card_erik"])
    people = browser.get("/search?q=Fors", follow_redirects=True).get_data(as_text=True)
    assert ("Frida Fors" in people) == (user in READABLE["person_frida"])
    found = browser.get("/people/find/frida")
    assert found.status_code == (302 if user in READABLE["person_frida"] else 404)


@pytest.mark.parametrize("user", USERS)
def test_s2_the_queue_page_lists_only_steps_the_user_may_work_in_readable_cases(
    world: World, user: str
) -> None:
    """R20: the attest step is in hanna's queue alone; nobody's queue page shows a task of
    a case they may not read."""
    page = world.browsers[user].get("/tasks")
    # Everyone here is employed (petra, maria and olof too): the page holds their own steps.
    assert page.status_code == 200
    shown = set(re.findall(r'href="/tasks/([0-9a-f-]{36})"', page.get_data(as_text=True)))
    assert (world.ids["task_attest"] in shown) == (user == "hanna")
    readable = {
        int(world.ids[k]) for k, readers in READABLE.items() if user in readers and "case" in k
    }
    cases = {int(c) for c in re.findall(r'href="/cases/(\d+)"', page.get_data(as_text=True))}
    assert cases <= readable


@pytest.mark.parametrize("user", USERS)
def test_s2_r20_the_attest_step_opens_for_its_attester_alone(world: World, user: str) -> None:
    """hanna works her step; those who read the case are refused with R20; for everyone
    else the step does not exist (S2)."""
    page = world.browsers[user].get(f"/tasks/{world.ids['task_attest']}")
    if user == "hanna":
        expected = 200
    elif user in READABLE["case_forgotten"]:
        expected = 403
    else:
        expected = 404
    assert page.status_code == expected
    if expected == 404:
        assert "Frida Fors" not in page.get_data(as_text=True)


def test_s2_a_person_page_lists_only_the_cards_and_cases_in_scope(world: World) -> None:
    erik = "/people/" + world.ids["person_erik"]
    page = world.browsers["david"].get(erik).get_data(as_text=True)
    assert "RK000002" in page
    assert f'href="/cases/{world.ids["case_unit"]}"' in page


def test_s2_another_organisations_task_is_not_found_rather_than_refused(world: World) -> None:
    task = world.ids["task_annan"]
    page = world.browsers["anna"].get(f"/tasks/{task}")
    assert page.status_code == 404
    assert "Region Annan" not in page.get_data(as_text=True)
    for action in ("claim", "unclaim"):
        answer = world.api.post(f"/api/tasks/{task}/{action}", "anna")
        assert answer.status_code == 404
        assert answer.get_json()["rule"] == "S2"


def _sithsflow(world: World, *args: str) -> tuple[int, dict[str, Any]]:
    """The command line in its own process, as an operator runs it: (exit code, JSON)."""
    command = [sys.executable, "-c", "from cli.main import run; run()"]
    command += ["--db", world.database_url, "--now", "2026-11-23T15:01:00+01:00", "--json"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    return done.returncode, json.loads(done.stdout)


@pytest.mark.slow
def test_s2_the_command_line_reads_as_a_user_only_with_as(world: World) -> None:
    """`case show|list` and `card show` are the operator's (CONTRACT.md); `--as` scopes them
    and outside the scope they exit 2 with S2."""
    for args, code in [
        (["case", "show", world.ids["case_region"], "--as", "david"], 2),
        (["case", "show", world.ids["case_unit"], "--as", "david"], 0),
        (["case", "show", world.ids["case_unit"], "--as", "erik"], 2),
        (["card", "show", "OA000001", "--as", "anna"], 2),
        (["card", "show", "OA000001"], 0),
        (["case", "show", world.ids["case_annan"]], 0),
    ]:
        exit_code, answer = _sithsflow(world, *args)
        assert exit_code == code, (args, answer)
        if code == 2:
            assert answer["error"]["rule"] == "S2", args
    exit_code, answer = _sithsflow(world, "case", "list", "--as", "david")
    assert exit_code == 0
    assert {c["id"] for c in answer["cases"]} == {int(world.ids["case_unit"])}
