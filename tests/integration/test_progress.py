"""The projection rows a step starts from, read with Core for one case or a batch of cases."""

from __future__ import annotations

from engine.services.progress import read_projections
from tests.support.flows import Flows
from tests.support.flows import local


def _fields(card: str) -> dict[str, str]:
    return {"id_document": "passport", "card_number": card, "valid_until": "2027-05-23"}


def test_r7_open_case_projects_its_ready_task_with_the_deadline_and_its_waiting_timer(
    flows: Flows,
) -> None:
    first = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    second = flows.start_loa3("anna", holder="erik")
    with flows.runtime.database.sessions() as session:
        found = read_projections(session, [first.id, second.id])
    for case in (first, second):
        task = flows.task_id(case.id, "second_verification")
        assert found[case.id].tasks == {task: local("2026-11-28 10:00")}
        assert len(found[case.id].timers) == 1


def test_r7_completed_case_leaves_no_ready_task_nor_waiting_timer(flows: Flows) -> None:
    done = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    still_open = flows.start_loa3("anna", holder="erik")
    flows.at("2026-11-24 10:00").complete(
        done.id, "second_verification", "bertil", **_fields("RK000001")
    )
    with flows.runtime.database.sessions() as session:
        found = read_projections(session, [done.id, still_open.id])
    assert found[done.id].tasks == {} and found[done.id].timers == {}
    assert len(found[still_open.id].tasks) == 1
