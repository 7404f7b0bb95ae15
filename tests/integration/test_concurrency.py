"""Optimistic locking: two completions of one task, a completion racing the R7 timer, and
two timer sweeps at once; on SQLite and PostgreSQL.

The races are made deterministic: either the other party runs to its commit inside a
monkeypatched step of the first, or threads meet at a `threading.Barrier` after both have
read the same state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Certificate
from engine.model import ReserveCard
from engine.model import Timer
from engine.services import cases
from engine.services import timers
from engine.services.cases import CaseSummary
from engine.services.cases import complete_task
from engine.services.queries import show_card
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local

START = "2026-11-23 10:00"
SECOND = "2026-11-25 10:00"
DEADLINE = "2026-11-28 10:00"
BARRIER_TIMEOUT_S = 20


def _fields(card: str) -> dict[str, str]:
    return {"id_document": "passport", "card_number": card, "valid_until": "2027-05-23"}


def _audit(flows: Flows, after_id: int = 0) -> list[AuditEvent]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
        return list(session.scalars(query))


def _open_case(flows: Flows) -> tuple[int, str]:
    case = flows.at(START).start_loa3("anna", holder="frida")
    return case.id, flows.task_id(case.id, "second_verification")


def _interleave(
    monkeypatch: pytest.MonkeyPatch, target: Any, name: str, other: Callable[[], None]
) -> None:
    """Make `target.name` run `other` to its commit once, then do its own work."""
    original = getattr(target, name)
    ran: list[bool] = []

    def patched(*args: Any, **kwargs: Any) -> Any:
        if not ran:
            ran.append(True)
            other()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, patched)


def test_completion_that_loses_the_race_is_a_conflict_and_changes_nothing(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, task = _open_case(flows)
    flows.at(SECOND)
    seen: dict[str, Any] = {}

    def winner_completes_first() -> None:
        seen["won"] = complete_task(flows.runtime, flows.clock, task, "bertil", _fields("RK000001"))
        seen["state"], seen["last_audit"] = flows.rows_but_audit(), _audit(flows)[-1].id

    # The loser has read the task as READY and the case at its version when the winner
    # commits; then it loads the workflow and carries on with a stale case.
    _interleave(monkeypatch, cases, "load_runner", winner_completes_first)
    with pytest.raises(Conflict, match="Someone else got there first") as lost:
        complete_task(flows.runtime, flows.clock, task, "bertil", _fields("RK000002"))
    assert lost.value.rule is None
    assert seen["won"].state == "completed"
    assert flows.rows_but_audit() == seen["state"]
    [refusal] = _audit(flows, seen["last_audit"])
    assert (refusal.action, refusal.actor, refusal.case_id) == (
        "refused:complete",
        "bertil",
        case_id,
    )
    assert show_card(flows.runtime, "RK000002")["state"] == "in_stock"
    assert show_card(flows.runtime, "RK000001")["holder"] == "frida"


def test_two_threads_completing_the_same_task_give_one_success_and_one_conflict(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, task = _open_case(flows)
    flows.at(SECOND)
    before = _audit(flows)[-1].id
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT_S)
    original = cases.load_runner

    def load_then_wait(case: Case, clock: FixedClock) -> Any:
        runner = original(case, clock)
        barrier.wait()  # both have read the READY task and the case before either writes
        return runner

    monkeypatch.setattr(cases, "load_runner", load_then_wait)

    def complete(card: str) -> CaseSummary | Conflict:
        clock = FixedClock(local(SECOND))
        try:
            return complete_task(flows.runtime, clock, task, "bertil", _fields(card))
        except Conflict as error:
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(complete, ["RK000001", "RK000002"]))
    won = [o for o in outcomes if isinstance(o, CaseSummary)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "got there first" in lost[0].message
    assert flows.case(case_id)["state"] == "completed"
    with flows.runtime.database.sessions() as session:
        issued = session.scalars(select(ReserveCard).where(ReserveCard.state == "issued")).all()
        certificates = session.scalars(select(Certificate)).all()
    assert len(issued) == 1 and len(certificates) == 1
    actions = sorted(e.action for e in _audit(flows, before) if e.case_id == case_id)
    assert actions.count("complete") == 1
    assert actions.count("refused:complete") == 1


def test_r7_completion_racing_the_deadline_sweep_loses_to_the_lapse(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, task = _open_case(flows)
    flows.at("2026-11-28 09:59")
    sweep_clock = FixedClock(local(DEADLINE))
    seen: dict[str, Any] = {}

    def sweep_fires_first() -> None:
        seen["fired"] = fire_due_timers(flows.runtime, sweep_clock)
        seen["state"] = flows.rows_but_audit()

    _interleave(monkeypatch, cases, "load_runner", sweep_fires_first)
    with pytest.raises(Conflict, match="got there first"):
        complete_task(flows.runtime, flows.clock, task, "bertil", _fields("RK000001"))
    assert [f.rule for f in seen["fired"]] == ["R7"]
    assert flows.case(case_id)["state"] == "lapsed"
    assert flows.rows_but_audit() == seen["state"]


def test_two_concurrent_timer_sweeps_fire_a_due_timer_exactly_once(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _ = _open_case(flows)
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT_S)
    original = timers._claim
    waited: set[int] = set()

    def wait_then_claim(*args: Any) -> list[Timer]:
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()  # both sweepers claim at the same moment
        return original(*args)

    monkeypatch.setattr(timers, "_claim", wait_then_claim)

    def sweep(worker: str) -> list[timers.FiredTimer]:
        return fire_due_timers(flows.runtime, FixedClock(local(DEADLINE)), worker=worker)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(sweep, ["worker-a", "worker-b"]))
    assert len(waited) == 2
    assert sorted(len(r) for r in results) == [0, 1]
    fired = [e for e in _audit(flows) if e.action == "timer_fired"]
    assert len(fired) == 1
    assert fired[0].case_id == case_id and fired[0].actor in {"worker-a", "worker-b"}
    assert [e.action for e in _audit(flows) if e.case_id == case_id].count("lapsed") == 1
    assert flows.case(case_id)["state"] == "lapsed"
    monkeypatch.undo()
    assert fire_due_timers(flows.runtime, FixedClock(local(DEADLINE))) == []
