"""`unclaim` under the rules of `claim` (engine.services.may_work): only the claimant,
with the lane's role for the task's organisation (R5), on a READY task of an open case.
Each refusal changes nothing but the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import CaseTask
from engine.model import Organisation
from engine.model import Person
from engine.rights import SERVICE_DESK
from engine.services import cases
from tests.support.flows import Flows

DAY = date(2024, 1, 1)


def _claimed_by(flows: Flows, task_id: str) -> int | None:
    with flows.runtime.database.sessions() as session:
        return session.scalar(select(CaseTask.claimed_by_id).where(CaseTask.id == task_id))


def _loa2_issue_task(flows: Flows) -> str:
    order = flows.at("2026-11-23 15:01").order_loa2()
    return flows.task_id(order.id, "issue_loa2")


@pytest.mark.parametrize("user", ["olof", "maria"])
def test_r5_a_user_without_the_lanes_role_may_not_unclaim(flows: Flows, user: str) -> None:
    task = _loa2_issue_task(flows)
    cases.claim_task(flows.runtime, flows.clock, task, "sara")
    claimant = _claimed_by(flows, task)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        cases.unclaim_task(flows.runtime, flows.clock, task, user)
    assert refused.value.rule == "R5"
    assert flows.rows_but_audit() == before
    assert _claimed_by(flows, task) == claimant


def test_nobody_clears_the_claim_of_a_completed_task(flows: Flows) -> None:
    task = _loa2_issue_task(flows)
    cases.claim_task(flows.runtime, flows.clock, task, "sara")
    fields = {"card_number": "RK000002", "valid_until": "2026-12-07"}
    cases.complete_task(flows.runtime, flows.clock, task, "sara", fields)
    claimant = _claimed_by(flows, task)
    assert claimant is not None
    with pytest.raises(Conflict):
        cases.unclaim_task(flows.runtime, flows.clock, task, "sara")
    assert _claimed_by(flows, task) == claimant


def test_a_colleague_in_the_same_queue_may_not_unclaim_anothers_claim(flows: Flows) -> None:
    _give_service_desk_right(flows, "maria")
    task = _loa2_issue_task(flows)
    cases.claim_task(flows.runtime, flows.clock, task, "sara")
    claimant = _claimed_by(flows, task)
    with pytest.raises(Conflict):
        cases.unclaim_task(flows.runtime, flows.clock, task, "maria")
    assert _claimed_by(flows, task) == claimant


def test_r6_the_first_admin_may_not_unclaim_the_second_verification(flows: Flows) -> None:
    order = flows.at("2026-11-23 15:01").start_loa3("anna", "frida")
    task = flows.task_id(order.id, "second_verification")
    cases.claim_task(flows.runtime, flows.clock, task, "bertil")
    with pytest.raises(NotPermitted) as refused:
        cases.unclaim_task(flows.runtime, flows.clock, task, "anna")
    assert refused.value.rule == "R6"
    assert _claimed_by(flows, task) is not None


def _give_service_desk_right(flows: Flows, username: str) -> None:
    with flows.runtime.unit_of_work(flows.clock) as uow:
        person = uow.session.scalars(select(Person).where(Person.username == username)).one()
        region = uow.session.scalars(
            select(Organisation).where(Organisation.code == "region-demo")
        ).one()
        uow.session.add(
            AdminRight(person=person, right=SERVICE_DESK, organisation=region, valid_from=DAY)
        )
        uow.commit()


def test_unclaiming_a_task_nobody_claimed_is_a_conflict(flows: Flows) -> None:
    task = _loa2_issue_task(flows)
    with pytest.raises(Conflict):
        cases.unclaim_task(flows.runtime, flows.clock, task, "sara")


def test_the_claimant_gives_the_task_back(flows: Flows) -> None:
    task = _loa2_issue_task(flows)
    cases.claim_task(flows.runtime, flows.clock, task, "sara")
    cases.unclaim_task(flows.runtime, flows.clock, task, "sara")
    assert _claimed_by(flows, task) is None


def test_s2_a_remote_admin_of_another_unit_gets_not_found(flows: Flows) -> None:
    order = flows.at("2026-11-23 15:01").start_loa3("anna", "frida")
    task = flows.task_id(order.id, "second_verification")
    cases.claim_task(flows.runtime, flows.clock, task, "bertil")
    with pytest.raises(NotFound) as refused:
        cases.unclaim_task(flows.runtime, flows.clock, task, "david")
    assert refused.value.rule == "S2"
