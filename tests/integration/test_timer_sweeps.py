"""Timer sweeps in batches: every due timer once, with several workers, a hung worker and
a killed one; on SQLite and PostgreSQL (the timeouts and SIGKILL on PostgreSQL only).

Workers are threads with their own engine (as separate processes have), or a real child
process for the SIGKILL. "Once" is read from the audit trail and the timer rows.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Timer
from engine.services import timers
from engine.services.runtime import bootstrap
from engine.services.timers import FiredTimer
from engine.services.timers import SweepTimeouts
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local

HOLDERS = ("frida", "erik")
WORKERS = 4
ROOT = Path(__file__).resolve().parents[2]


def started_loa3_cases(flows: Flows, count: int) -> list[int]:
    """`count` LoA3 reserve cases waiting for the second admin, one minute apart."""
    started = []
    for n in range(count):
        flows.at(f"2026-11-23 10:{n:02d}")
        started.append(flows.start_loa3("anna", holder=HOLDERS[n % len(HOLDERS)]).id)
    return started


def fires_per_case(flows: Flows) -> Counter[int]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent.case_id).where(AuditEvent.action == "timer_fired")
        return Counter(case_id for case_id in session.scalars(query) if case_id is not None)


def deadline_states(flows: Flows) -> set[tuple[str, str]]:
    with flows.runtime.database.sessions() as session:
        query = select(Timer.status, Case.state).join(Case, Case.id == Timer.case_id)
        return {(status, state) for status, state in session.execute(query)}


def sweep(url: str, worker: str, **options: Any) -> list[FiredTimer]:
    """One worker with its own engine and connection pool, as a process would have."""
    runtime = bootstrap(url)
    try:
        return fire_due_timers(runtime, FixedClock(local("2026-11-28 23:00")), worker, **options)
    finally:
        runtime.database.dispose()


def test_r7_more_than_one_batch_of_due_deadlines_all_fire_in_one_call(flows: Flows) -> None:
    cases = started_loa3_cases(flows, 7)
    committed: list[list[int]] = []
    fired = fire_due_timers(
        flows.runtime,
        flows.at("2026-11-28 10:30").clock,
        batch_size=3,
        on_commit=lambda batch: committed.append([f.case for f in batch]),
    )
    assert [(f.case, f.timer, f.rule) for f in fired] == [(c, "deadline", "R7") for c in cases]
    # Oldest first, three per transaction, each batch reported as it commits.
    assert committed == [cases[0:3], cases[3:6], cases[6:7]]
    assert fires_per_case(flows) == Counter(cases)
    assert deadline_states(flows) == {("fired", "lapsed")}


def test_r7_four_workers_at_once_fire_every_deadline_exactly_once(
    flows: Flows, database_url: str
) -> None:
    cases = started_loa3_cases(flows, 24)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outputs = list(
            pool.map(lambda n: sweep(database_url, f"worker-{n}", batch_size=2), range(WORKERS))
        )
    fired = Counter(f.case for output in outputs for f in output)
    assert fired == Counter(cases)  # 0 duplicates, 0 misses across the workers' outputs
    assert fires_per_case(flows) == Counter(cases)  # and in the audit trail
    assert deadline_states(flows) == {("fired", "lapsed")}
    with flows.runtime.database.sessions() as session:
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "lapsed")))
    assert actors <= {f"worker-{n}" for n in range(WORKERS)}


@pytest.mark.postgres
def test_r7_a_hung_worker_holds_its_deadlines_no_longer_than_the_idle_timeout(
    flows: Flows, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if flows.runtime.database.is_sqlite:
        pytest.skip("SQLite has one writer and no server-side timeouts")
    cases = started_loa3_cases(flows, 5)
    limits = SweepTimeouts(statement_s=5.0, idle_s=1.0)
    claimed, release = threading.Event(), threading.Event()
    original = timers._fire_claimed

    def hang_in_the_hung_worker(*args: Any) -> list[FiredTimer]:
        if threading.current_thread().name == "hung":
            claimed.set()
            release.wait(30)  # holds its open transaction, sending nothing
        return original(*args)

    monkeypatch.setattr(timers, "_fire_claimed", hang_in_the_hung_worker)
    hung_result: list[list[FiredTimer]] = []
    hung = threading.Thread(
        target=lambda: hung_result.append(
            sweep(database_url, "hung", batch_size=2, timeouts=limits)
        ),
        name="hung",
    )
    hung.start()
    assert claimed.wait(30)
    began = time.monotonic()
    other = sweep(database_url, "other", batch_size=2, timeouts=limits)
    waited = time.monotonic() - began
    release.set()
    hung.join(30)
    # The other worker fired everything, the hung worker's two claims once the server
    # ended its idle transaction; the hung worker, woken later, fired nothing.
    assert sorted(f.case for f in other) == cases
    assert hung_result == [[]]
    assert waited < limits.idle_s + 4.0, waited
    assert fires_per_case(flows) == Counter(cases)
    assert deadline_states(flows) == {("fired", "lapsed")}


KILLED_WORKER = """
import sys, time
from engine.clock import FixedClock
from engine.policy.timekeeping import parse_instant
from engine.services import timers
from engine.services.runtime import bootstrap

def claim_then_hang(*args):
    print("claimed", flush=True)
    time.sleep(600)

timers._fire_claimed = claim_then_hang
runtime = bootstrap(sys.argv[1])
timers.fire_due_timers(runtime, FixedClock(parse_instant(sys.argv[2])), "killed", batch_size=3)
"""


@pytest.mark.postgres
def test_r7_deadlines_claimed_by_a_worker_killed_with_sigkill_fire_once_elsewhere(
    flows: Flows, database_url: str
) -> None:
    if flows.runtime.database.is_sqlite:
        pytest.skip("the claim as a row lock is PostgreSQL's; SQLite has one writer")
    cases = started_loa3_cases(flows, 5)
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, database_url, "2026-11-28T23:00:00+01:00"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "claimed"
            with flows.runtime.database.sessions() as session:
                # Claimed but uncommitted: everyone else still reads all five as waiting.
                waiting = session.scalars(select(Timer).where(Timer.status == "waiting")).all()
            assert len(waiting) == 5
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    fired = sweep(database_url, "survivor", batch_size=2)
    assert sorted(f.case for f in fired) == cases
    assert fires_per_case(flows) == Counter(cases)
    assert deadline_states(flows) == {("fired", "lapsed")}


def test_r7_a_deadline_is_not_fired_before_it_is_due_by_a_batch(flows: Flows) -> None:
    cases = started_loa3_cases(flows, 3)
    # Due at 10:00, 10:01 and 10:02 on 2026-11-28 (R7, five local days).
    fired = fire_due_timers(flows.runtime, flows.at("2026-11-28 10:01").clock, batch_size=10)
    assert [f.case for f in fired] == cases[:2]
    assert fires_per_case(flows) == Counter(cases[:2])
    assert flows.case(cases[2])["state"] == "open"


def test_r7_a_batch_costs_fixed_statements_plus_one_case_update_per_deadline(
    flows: Flows,
) -> None:
    cases = started_loa3_cases(flows, 9)
    sweeps: list[tuple[int, Counter[str]]] = []
    for due in ("2026-11-28 10:02", "2026-11-28 10:08"):
        seen: Counter[str] = Counter()

        def note(conn: Any, cursor: Any, sql: str, *rest: Any, seen: Counter[str] = seen) -> None:
            kind = "case update" if sql.startswith("UPDATE cases") else "other"
            if sql.startswith("UPDATE case_tasks"):
                kind = "task update"
            # On PostgreSQL the INSERT carries the audit chain head's update in a CTE.
            seen["audit insert" if "INSERT INTO audit_events" in sql else kind] += 1

        engine = flows.runtime.database.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            fired = fire_due_timers(flows.runtime, flows.at(due).clock)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        sweeps.append((len(fired), seen))
    # 3 deadlines, then 6, each in one batch: the other statements stay the same; the case
    # rows are one versioned UPDATE each, and so is the cancelling of each lapsed case's
    # task (the projection writes with Core per case); PostgreSQL inserts the audit rows
    # in one go.
    [(few, few_seen), (more, more_seen)] = sweeps
    assert (few, more) == (3, 6)
    assert (few_seen["case update"], more_seen["case update"]) == (3, 6)
    assert (few_seen["task update"], more_seen["task update"]) == (3, 6)
    assert few_seen["other"] == more_seen["other"], sweeps
    if not flows.runtime.database.is_sqlite:
        assert few_seen["audit insert"] == more_seen["audit insert"] == 1, sweeps
    assert fires_per_case(flows) == Counter(cases)
