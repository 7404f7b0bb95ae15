"""R5/R6 "may this user work this task": the Python form (complete, claim, open a form)
and the SQL form (task list, API, web queues) agree on every user and every task.

The fixtures cover what the rule is made of: a lane's role through a right in force (LoA3
trained and approved; valid_from/valid_to), a right on a parent organisation covering its
units, the first administrator (R6), the holder of the case (R6), claims, passed deadlines,
tasks that are not ready and cases that are not open.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import FixedClock
from engine.errors import DomainError
from engine.model import Case
from engine.model import CaseTask
from engine.model.cases import CASE_LAPSED
from engine.model.cases import TASK_COMPLETED
from engine.rights import PROCESS_OWNER
from engine.rights import RESERVE_LOA3
from engine.rights import SERVICE_DESK
from engine.services.directory import find_user
from engine.services.inbox import task_page
from engine.services.may_work import ClaimRule
from engine.services.may_work import check_may_work
from engine.services.may_work import may_work_clause
from engine.services.may_work import work_scope
from engine.services.runtime import Runtime
from engine.services.worklist import WORK_ROLES
from engine.services.worklist import worklist
from tests.support.task_rows import TaskRows

USERS = [
    "anna",
    "bertil",
    "cecilia",
    "david",
    "sara",
    "petra",
    "maria",
    "olof",
    "elin",
    "greta",  # LoA3 on the unit hemtjanst-demo only
    "hugo",  # LoA3 right without training and approval
    "ines",  # service desk right that ended yesterday
    "jonas",  # service desk right from tomorrow
]


def _world(runtime: Runtime, clock: FixedClock) -> dict[str, str]:
    now = clock.now()
    today = now.date()
    with runtime.database.sessions() as session:
        rows = TaskRows(session, now)
        region = rows.organisation("region-demo")
        unit = rows.organisation("hemtjanst-demo")
        ward = rows.unit("avdelning-demo", unit)  # two levels below the region
        anna, bertil, cecilia = rows.person("anna"), rows.person("bertil"), rows.person("cecilia")
        sara, david = rows.person("sara"), rows.person("david")
        rows.admin("greta", RESERVE_LOA3, unit)
        rows.admin("hugo", RESERVE_LOA3, region, trained=False)
        rows.admin("ines", SERVICE_DESK, region, valid_to=today - timedelta(days=1))
        rows.admin("jonas", SERVICE_DESK, region, valid_from=today + timedelta(days=1))
        loa3 = "loa3_admin"
        rows.task("first-admin-anna", loa3, region, started_by=anna, excluded=anna)
        rows.task("in-unit", loa3, unit, started_by=bertil, excluded=bertil)
        rows.task("in-ward", loa3, ward, started_by=anna)
        rows.task("about-bertil", loa3, region, started_by=cecilia, holder=bertil)
        rows.task("about-anna", loa3, region, started_by=cecilia, holder=anna)
        rows.task("claimed-by-bertil", loa3, region, started_by=cecilia, claimed_by=bertil)
        rows.task("claimed-by-anna", loa3, region, started_by=cecilia, claimed_by=anna)
        rows.task(
            "deadline-passed", loa3, region, started_by=cecilia, due_at=now - timedelta(minutes=1)
        )
        rows.task("deadline-now", loa3, region, started_by=cecilia, due_at=now)
        rows.task(
            "deadline-ahead", loa3, region, started_by=cecilia, due_at=now + timedelta(days=1)
        )
        rows.task("completed", loa3, region, started_by=cecilia, state=TASK_COMPLETED)
        rows.task("case-lapsed", loa3, region, started_by=cecilia, case_state=CASE_LAPSED)
        rows.task("loa2-region", "loa2_admin", region, started_by=cecilia)
        rows.task("loa2-unit-claimed", "loa2_admin", unit, started_by=anna, claimed_by=cecilia)
        rows.task("desk-region", "service_desk", region, started_by=david)
        rows.task("desk-unit-claimed", "service_desk", unit, started_by=david, claimed_by=sara)
        rows.task("remote-unit", "remote_admin", unit, started_by=sara)
        rows.task("remote-region", "remote_admin", region, started_by=sara)
        rows.task("no-lane", None, region, started_by=sara)
        rows.task("owner-lane", PROCESS_OWNER, region, started_by=sara)
        session.commit()
        return rows.tasks


def _python_form(session: Session, username: str, claim: ClaimRule, clock: FixedClock) -> set[str]:
    actor = find_user(session, username, employments=False)
    allowed = set()
    for task in session.scalars(select(CaseTask)):
        try:
            check_may_work(session, task, actor, clock.now(), claim=claim)
        except DomainError:
            continue
        allowed.add(task.name)
    return allowed


def _sql_form(session: Session, username: str, claim: ClaimRule, clock: FixedClock) -> set[str]:
    scope = work_scope(session, find_user(session, username, employments=False), clock.now())
    clause, values = may_work_clause(scope, claim=claim)
    query = select(CaseTask.name).join(Case, Case.id == CaseTask.case_id).where(clause)
    return set(session.scalars(query, values))


def _page_query(session: Session, username: str, claim: ClaimRule, clock: FixedClock) -> set[str]:
    """The same through the page query the lists run (per role, as the web queues ask)."""
    scope = work_scope(session, find_user(session, username, employments=False), clock.now())
    if claim is ClaimRule.FREE_OR_MINE:
        return {t.name for t in task_page(session, scope, size=500).items}
    return {
        t.name
        for role in scope.roles
        for t in task_page(session, scope, size=500, claim=claim, lanes=[role]).items
    }


@pytest.mark.parametrize("claim", list(ClaimRule), ids=lambda c: c.value)
def test_r5_r6_the_python_and_sql_forms_of_may_work_agree_for_every_user(
    runtime: Runtime, clock: FixedClock, claim: ClaimRule
) -> None:
    _world(runtime, clock)
    with runtime.database.sessions() as session:
        known = set(session.scalars(select(CaseTask.name)))
        users = [u for u in USERS if u != "elin" or _exists(session, u)]
        for username in users:
            python = _python_form(session, username, claim, clock)
            assert _sql_form(session, username, claim, clock) == python, username
            assert _page_query(session, username, claim, clock) == python, username
            assert python <= known


def _exists(session: Session, username: str) -> bool:
    try:
        find_user(session, username)
    except DomainError:
        return False
    return True


def test_r5_r6_what_each_user_may_work_follows_the_rule(
    runtime: Runtime, clock: FixedClock
) -> None:
    """The agreement above is not vacuous: the rule gives these answers."""
    _world(runtime, clock)
    strict, relaxed = ClaimRule.FREE_OR_MINE, ClaimRule.ANY
    with runtime.database.sessions() as session:
        anna = _python_form(session, "anna", strict, clock)
        assert anna == {
            "in-unit",  # a region right covers its units (R5)
            "in-ward",
            "about-bertil",
            "claimed-by-anna",
            "deadline-ahead",
            "loa2-region",  # a LoA3 right grants the LoA2 lane too (R5)
        }
        # R6: not her own first verification, not a case about her own identity; not a
        # colleague's claim, not past the deadline, not completed, not a lapsed case.
        assert _python_form(session, "anna", relaxed, clock) == anna | {
            "claimed-by-bertil",
            "loa2-unit-claimed",
        }
        bertil = _python_form(session, "bertil", strict, clock)
        assert "about-bertil" not in bertil and "about-anna" in bertil
        assert "in-unit" not in bertil  # he started it: excluded (R6)
        assert _python_form(session, "greta", strict, clock) == {"in-unit", "in-ward"}
        assert _python_form(session, "cecilia", strict, clock) == {
            "loa2-region",
            "loa2-unit-claimed",
        }
        assert _python_form(session, "sara", strict, clock) == {"desk-region", "desk-unit-claimed"}
        assert _python_form(session, "david", strict, clock) == {"remote-unit"}
        assert _python_form(session, "petra", strict, clock) == {"owner-lane"}
        for nobody in ("maria", "olof", "hugo", "ines", "jonas"):
            assert _python_form(session, nobody, relaxed, clock) == set(), nobody


def test_r6_the_web_queue_no_longer_shows_an_admin_a_case_about_her_own_identity(
    runtime: Runtime, clock: FixedClock
) -> None:
    tasks = _world(runtime, clock)
    work = worklist(runtime, clock, "anna")
    shown = {t.id for page in [work.mine, *work.queues.values()] for t in page.items}
    assert tasks["about-anna"] not in shown
    assert tasks["claimed-by-bertil"] in shown  # "taken by bertil" in the group queue
    assert [t.id for t in work.mine.items] == [tasks["claimed-by-anna"]]
    assert list(work.queues) == [r for r in WORK_ROLES if r in ("loa3_admin", "loa2_admin")]


def test_r7_a_passed_deadline_is_refused_with_its_rule_before_any_sweep(
    runtime: Runtime, clock: FixedClock
) -> None:
    tasks = _world(runtime, clock)
    with runtime.database.sessions() as session:
        task = session.get(CaseTask, tasks["deadline-passed"])
        assert task is not None
        with pytest.raises(DomainError, match="tidsfrist") as refused:
            check_may_work(session, task, find_user(session, "anna"), clock.now())
        assert refused.value.rule is None  # no timer row here to name R7 or R11
