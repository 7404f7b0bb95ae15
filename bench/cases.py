"""Benchmark: the dual-admin LoA3 flow in raw SpiffWorkflow, the persisted floor and sithsflow.

(a) raw SpiffWorkflow in memory: parse once, then per case create, run the start, complete
    the second verification; no persistence, no checks.
(b) the floor (issue 8): the same BPMN in raw SpiffWorkflow that serializes the whole
    workflow with its `BpmnWorkflowSerializer` after each step (start, completion) and
    writes it as one blob row to SQLite, each write in its own transaction. Always on a
    SQLite file (WAL, synchronous=NORMAL, as sithsflow's own SQLite), also with `--db`.
(c) sithsflow's case service: start_case + finding the task (the case page) +
    complete_task with every check, policy, audit rows, task/timer projections and the
    compressed state persisted, on SQLite (default), `--postgres` (a throwaway cluster,
    fsync off as in the tests) or `--db URL` (an empty database).

The three run interleaved in rounds in one process, so a loaded machine slows them alike
and `ratio_vs_floor` stays comparable. Also measures SQL statements per case, the stored
bytes per completed case and the growth of the stored state per LoA2 renewal cycle.
`--profile` prints the top of a cProfile of (c). The last line printed is one JSON object.

    .venv/bin/python bench/cases.py [--cases N] [--rounds R] [--renewals K]
    .venv/bin/python bench/cases.py --postgres
    .venv/bin/python bench/cases.py --db postgresql+psycopg://user@host/empty_db
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sqlite3
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
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
from tests.support.statements import counting_statements  # noqa: E402

PROCESS = Path(__file__).resolve().parents[1] / "processes" / "loa3-reserve.bpmn"
START_DATA = {"holder": "frida", "id_document": "passport"}
# Cards in stock beyond the timed cases: warm-up, statement count and profile.
SPARE_CARDS = 250


def _spec() -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(PROCESS))
    return parser.get_spec("loa3-reserve")


def _deadline() -> str:
    return (datetime.now(UTC) + timedelta(days=5)).isoformat()


def _second_verification(workflow: Any, i: int) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(id_document="passport", card_number=f"RK{i:06d}", valid_until="2027-05-24")
    task.run()
    workflow.do_engine_steps()
    assert workflow.is_completed()


def raw_spiff(spec: Any, n: int) -> float:
    """Seconds for n dual-admin cases in plain SpiffWorkflow, in memory."""
    deadline = _deadline()
    started = time.perf_counter()
    for i in range(n):
        workflow = BpmnWorkflow(spec)
        workflow.task_tree.data.update({**START_DATA, "deadline_at": deadline})
        workflow.do_engine_steps()
        _second_verification(workflow, i)
    return time.perf_counter() - started


def floor_database(path: Path) -> sqlite3.Connection:
    """A SQLite file with one table of workflow blobs, with sithsflow's SQLite settings."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE workflows (id INTEGER PRIMARY KEY, state BLOB NOT NULL)")
    return connection


def floor(spec: Any, connection: sqlite3.Connection, n: int) -> float:
    """Seconds for n cases in raw SpiffWorkflow, serialized and written after each step."""
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    deadline = _deadline()
    started = time.perf_counter()
    for i in range(n):
        workflow = BpmnWorkflow(spec)
        workflow.task_tree.data.update({**START_DATA, "deadline_at": deadline})
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow).encode()
        connection.execute("BEGIN")
        row = connection.execute("INSERT INTO workflows (state) VALUES (?)", (state,)).lastrowid
        connection.execute("COMMIT")
        _second_verification(workflow, i)
        state = serializer.serialize_json(workflow).encode()
        connection.execute("BEGIN")
        connection.execute("UPDATE workflows SET state = ? WHERE id = ?", (state, row))
        connection.execute("COMMIT")
    return time.perf_counter() - started


def _runtime(url: str, extra_cards: int) -> Runtime:
    runtime = bootstrap(url)
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


class CardStock:
    """Hands out the stock cards' numbers in order, one per sithsflow case."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> str:
        self.next += 1
        return f"RK{100000 + self.next - 1:06d}"


def sithsflow_cases(runtime: Runtime, n: int, stock: CardStock) -> float:
    """Seconds for n cases through the case service, persisted with audit."""
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM))
    started = time.perf_counter()
    for _ in range(n):
        case = cases.start_case(runtime, clock, "loa3-reserve", "anna", dict(START_DATA))
        task = next(t["id"] for t in queries.show_case(runtime, case.id)["tasks"])
        fields = {
            "id_document": "passport",
            "card_number": stock.take(),
            "valid_until": "2027-05-23",
        }
        done = cases.complete_task(runtime, clock, task, "bertil", fields)
        assert done.state == "completed"
    return time.perf_counter() - started


def profile(runtime: Runtime, n: int, stock: CardStock, top: int) -> None:
    """Print the top of a cProfile of n cases, per case, by own and by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    sithsflow_cases(runtime, n, stock)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values())
    rows = [
        (calls / n, own / n * 1000, cumulative / n * 1000, _where(path, line, name))
        for (path, line, name), (_, calls, own, cumulative, _) in stats.items()
    ]
    print(f"--- cProfile of {n} sithsflow cases: {total / n * 1000:.1f} ms of CPU per case ---")
    shares: dict[str, float] = {}
    for _, own, _, where in rows:
        shares[_package(where)] = shares.get(_package(where), 0.0) + own
    print(
        "own time by package: "
        + ", ".join(
            f"{name} {own / (total / n * 1000):.0%}"
            for name, own in sorted(shares.items(), key=lambda kv: -kv[1])[:8]
        )
    )
    for title, column in (("own time", 1), ("cumulative time", 2)):
        print(f"by {title}:  calls/case  own ms/case  cum ms/case  function")
        for calls, own, cumulative, where in sorted(rows, key=lambda r: -r[column])[:top]:
            print(f"{calls:24.1f} {own:12.3f} {cumulative:12.3f}  {where}")


def _package(where: str) -> str:
    """sqlalchemy, SpiffWorkflow, engine, sqlite3 (the driver's C calls), json, ..."""
    if "sqlite3" in where or "psycopg" in where:
        return "driver"
    if where.startswith("<sqlalchemy"):
        return "sqlalchemy"
    if ":" not in where or where.startswith("<"):
        return "builtins"
    return where.split("/")[0].split(":")[0].removesuffix(".py")


def _where(path: str, line: int, name: str) -> str:
    """A profile entry named by package and module, not by this machine's paths."""
    root = str(Path(__file__).resolve().parents[1]) + "/"
    stdlib = sysconfig.get_paths()["stdlib"] + "/"
    short = path.split("site-packages/")[-1].removeprefix(root).removeprefix(stdlib)
    return f"{short}:{line}({name})" if line else name


def stored_bytes_per_case(runtime: Runtime) -> float:
    with runtime.database.sessions() as session:
        total = session.scalar(
            select(func.sum(func.length(Case.workflow_state) + func.length(Case.data_json))).where(
                Case.state == "completed"
            )
        )
    return float(total or 0) / max(1, completed_cases(runtime))


def completed_cases(runtime: Runtime) -> int:
    with runtime.database.sessions() as session:
        return int(session.scalar(select(func.count()).where(Case.state == "completed")) or 0)


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


@contextmanager
def sithsflow_database(args: argparse.Namespace, folder: Path) -> Iterator[str]:
    """The URL sithsflow runs on: a SQLite file, a throwaway PostgreSQL cluster or --db."""
    if args.db:
        yield args.db
    elif args.postgres:
        from tests.support.postgres_cluster import PostgresCluster

        cluster = PostgresCluster.start()
        try:
            yield cluster.create_database("bench_cases")
        finally:
            cluster.stop()
    else:
        yield f"sqlite:///{folder / 'bench.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="timed cases of each kind")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--renewals", type=int, default=10)
    parser.add_argument("--postgres", action="store_true", help="sithsflow on a throwaway cluster")
    parser.add_argument("--db", help="sithsflow on this (empty) database URL")
    parser.add_argument("--profile", type=int, metavar="TOP", default=0, help="print a profile")
    args = parser.parse_args()
    per_round = max(1, args.cases // args.rounds)
    n = per_round * args.rounds

    spec = _spec()
    raw_s = floor_s = sithsflow_s = 0.0
    with tempfile.TemporaryDirectory() as name, sithsflow_database(args, Path(name)) as url:
        folder = Path(name)
        runtime = _runtime(url, n + SPARE_CARDS)
        dialect = runtime.database.engine.dialect.name
        connection = floor_database(folder / "floor.db")
        stock = CardStock()
        raw_spiff(spec, 20)  # warm up imports and caches
        floor(spec, connection, 20)
        sithsflow_cases(runtime, 10, stock)
        for _ in range(args.rounds):
            raw_s += raw_spiff(spec, per_round)
            floor_s += floor(spec, connection, per_round)
            sithsflow_s += sithsflow_cases(runtime, per_round, stock)
        connection.close()
        with counting_statements(runtime) as statements:
            sithsflow_cases(runtime, 20, stock)
        if args.profile:
            profile(runtime, min(200, SPARE_CARDS - 30), stock, args.profile)
        per_case = stored_bytes_per_case(runtime)
        db_bytes_per_case = None
        if dialect == "sqlite":
            db_bytes_per_case = os.path.getsize(folder / "bench.db") / completed_cases(runtime)
        sizes = renewal_growth(runtime, args.renewals)
        runtime.database.dispose()
    raw_per_s, floor_per_s, sithsflow_per_s = n / raw_s, n / floor_s, n / sithsflow_s
    per_renewal = (sizes[-1] - sizes[0]) / max(1, len(sizes) - 1)
    shown = [
        ("machine load (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("raw SpiffWorkflow, in memory", f"{raw_per_s:8.1f} cases/s"),
        ("floor, SQLite blob per step", f"{floor_per_s:8.1f} cases/s (always SQLite)"),
        (f"sithsflow, {dialect}, persisted+audit", f"{sithsflow_per_s:8.1f} cases/s"),
        ("sithsflow / floor", f"{sithsflow_per_s / floor_per_s:8.3f}"),
        ("SQL statements per case", f"{len(statements) / 20:8.1f}"),
        ("stored state per completed case", f"{per_case:8.0f} bytes"),
    ]
    if db_bytes_per_case is not None:
        shown.append(
            ("database file (all tables, indexes)", f"{db_bytes_per_case:8.0f} bytes/case")
        )
    shown.append(("state size after each renewal", str(sizes)))
    for label, value in shown:
        print(f"{label + ':':42} {value}")
    print(
        json.dumps(
            {
                "raw_per_s": round(raw_per_s, 1),
                "sithsflow_per_s": round(sithsflow_per_s, 1),
                "ratio": round(sithsflow_per_s / raw_per_s, 3),
                "bytes_per_case": round(per_case),
                "bytes_per_renewal": round(per_renewal, 1),
                "floor_per_s": round(floor_per_s, 1),
                "ratio_vs_floor": round(sithsflow_per_s / floor_per_s, 3),
                "database": dialect,
                "floor_database": "sqlite",
                "statements_per_case": round(len(statements) / 20, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
