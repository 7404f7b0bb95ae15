"""Benchmark: the dual-admin LoA3 flow in raw SpiffWorkflow versus through sithsflow.

(a) raw SpiffWorkflow in memory: parse once, then per case create, run the start, complete
    the second verification; no persistence, no checks.
(b) sithsflow's case service on SQLite: start_case + complete_task with every check,
    policy, audit rows, task/timer projections and the compressed state persisted.

Also measures the stored bytes per completed case and the growth of the stored state per
LoA2 renewal cycle. The last line printed is one JSON object.

    .venv/bin/python bench/cases.py [--cases N] [--renewals K]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import Case  # noqa: E402
from engine.model import ReserveCard  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import cases  # noqa: E402
from engine.services import queries  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402

PROCESS = Path(__file__).resolve().parents[1] / "processes" / "loa3-reserve.bpmn"


def raw_spiff(n: int) -> float:
    """Cases per second for the dual-admin flow in plain SpiffWorkflow, in memory."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(PROCESS))
    spec = parser.get_spec("loa3-reserve")
    deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    started = time.perf_counter()
    for i in range(n):
        workflow = BpmnWorkflow(spec)
        workflow.task_tree.data.update(
            {"holder": "frida", "id_document": "passport", "deadline_at": deadline}
        )
        workflow.do_engine_steps()
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(id_document="passport", card_number=f"RK{i:06d}", valid_until="2027-05-24")
        task.run()
        workflow.do_engine_steps()
        assert workflow.is_completed()
    return n / (time.perf_counter() - started)


def _runtime(folder: Path, extra_cards: int) -> Runtime:
    runtime = bootstrap(f"sqlite:///{folder / 'bench.db'}")
    upgrade_schema(runtime.database)
    load_demo(runtime, FixedClock(datetime(2024, 1, 1, tzinfo=UTC)))
    with runtime.database.sessions() as session:
        region = session.scalars(select(ReserveCard)).first()
        assert region is not None
        for n in range(extra_cards):
            session.add(
                ReserveCard(
                    number=f"RK{100000 + n:06d}",
                    organisation_id=region.organisation_id,
                    produced_on=region.produced_on,
                )
            )
        session.commit()
    return runtime


def sithsflow_cases(runtime: Runtime, n: int, first_card: int = 0) -> float:
    """Cases per second through the case service, persisted with audit, on SQLite."""
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM))
    started = time.perf_counter()
    for i in range(n):
        case = cases.start_case(
            runtime, clock, "loa3-reserve", "anna", {"holder": "frida", "id_document": "passport"}
        )
        task = next(t["id"] for t in queries.show_case(runtime, case.id)["tasks"])
        done = cases.complete_task(
            runtime,
            clock,
            task,
            "bertil",
            {
                "id_document": "passport",
                "card_number": f"RK{100000 + first_card + i:06d}",
                "valid_until": "2027-05-23",
            },
        )
        assert done.state == "completed"
    return n / (time.perf_counter() - started)


def stored_bytes_per_case(runtime: Runtime) -> float:
    with runtime.database.sessions() as session:
        total = session.scalar(
            select(func.sum(func.length(Case.workflow_state) + func.length(Case.data_json))).where(
                Case.state == "completed"
            )
        )
        count = session.scalar(select(func.count()).where(Case.state == "completed"))
    return float(total or 0) / max(1, count or 0)


def renewal_growth(runtime: Runtime, renewals: int) -> list[int]:
    """Stored state size of one LoA2 case after each renewal cycle."""
    clock = FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))
    case = cases.start_case(
        runtime, clock, "loa2-remote-order", "david", {"holder": "erik", "reason": "bench"}
    )
    sizes: list[int] = []

    def complete(name: str, user: str, fields: dict[str, Any]) -> None:
        shown = queries.show_case(runtime, case.id)
        task = next(t["id"] for t in shown["tasks"] if t["name"] == name and t["state"] == "ready")
        cases.complete_task(runtime, clock, task, user, fields)

    complete("issue_loa2", "sara", {"card_number": "RK000050", "valid_until": "2026-12-07"})
    for _ in range(renewals):
        clock.set(clock.now() + timedelta(days=3))
        until = (clock.now() + timedelta(days=14)).astimezone(STOCKHOLM).date().isoformat()
        complete("request_renewal", "david", {})
        complete("renew_loa2", "sara", {"valid_until": until})
        with runtime.database.sessions() as session:
            stored = session.get(Case, case.id)
            assert stored is not None
            sizes.append(len(stored.workflow_state) + len(stored.data_json))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--renewals", type=int, default=10)
    args = parser.parse_args()

    raw_spiff(20)  # warm up imports and caches
    raw_per_s = raw_spiff(args.cases)
    with tempfile.TemporaryDirectory() as folder:
        runtime = _runtime(Path(folder), args.cases + 20)
        sithsflow_cases(runtime, 10)  # warm up
        sithsflow_per_s = sithsflow_cases(runtime, args.cases, first_card=10)
        per_case = stored_bytes_per_case(runtime)
        db_size = os.path.getsize(Path(folder) / "bench.db")
        sizes = renewal_growth(runtime, args.renewals)
        runtime.database.dispose()
    per_renewal = (sizes[-1] - sizes[0]) / max(1, len(sizes) - 1)
    print(f"raw SpiffWorkflow, in memory:        {raw_per_s:8.1f} cases/s")
    print(f"sithsflow, SQLite, persisted+audit:  {sithsflow_per_s:8.1f} cases/s")
    print(f"stored state per completed case:     {per_case:8.0f} bytes")
    print(f"database file (all tables, indexes): {db_size / (args.cases + 10):8.0f} bytes/case")
    print(f"state size after each renewal:       {sizes}")
    print(
        json.dumps(
            {
                "raw_per_s": round(raw_per_s, 1),
                "sithsflow_per_s": round(sithsflow_per_s, 1),
                "ratio": round(sithsflow_per_s / raw_per_s, 3),
                "bytes_per_case": round(per_case),
                "bytes_per_renewal": round(per_renewal, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
