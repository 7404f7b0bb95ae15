"""Benchmark: what the script sandbox's child processes and the audit hash chain cost.

(a) one script step: an expression and a small script through the warm child pool, against
    the same restricted code run in this process (the guards alone, no OS limits);
(b) a replaced child: the first answer of a child started cold (after a limit killed one);
(c) per case: the dual-admin LoA3 flow through the case service as shipped, against the
    same with scripts in this process and with the audit chain left out, interleaved in
    rounds; how many script steps and SQL statements a case takes;
(d) per audit write: transactions of 1 and of 5 audit rows, chained, against the same with
    the chain step left out (rows unchained), and the statements a chained commit sends;
(e) with `--postgres`, also (d) on a throwaway PostgreSQL cluster and `--writers` threads
    committing audit rows at once (the chain head serialises them).

    .venv/bin/python bench/sandbox.py [--steps N] [--cases N] [--rounds R] [--postgres]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from engine import sandbox  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.model import AuditEvent  # noqa: E402
from engine.sandbox import pool as sandbox_pool  # noqa: E402
from engine.sandbox import restricted  # noqa: E402
from engine.services import audit  # noqa: E402
from engine.services.audit import AuditContext  # noqa: E402
from engine.services.audit import record  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402
from tests.support.statements import counting_statements  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import CardStock  # noqa: E402
from cases import _runtime  # noqa: E402
from cases import sithsflow_cases  # noqa: E402

EXPRESSION = "loa == 3 and holder != '' and id_document in ('passport', 'national_id_card')"
SCRIPT = "count = len(documents)\nlabel = f'{holder}: {count}'\nok = count > 0"
CONTEXT = {"loa": 3, "holder": "frida", "id_document": "passport", "documents": ["a", "b"]}


def _per_call_us(call: Callable[[], Any], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) / n * 1e6


def _in_process(
    mode: str,
    source: str,
    context: Mapping[str, Any],
    external: Mapping[str, Any] | None,
    limit_seconds: float,
) -> Any:
    """What the sandbox did before the child processes: the restricted code in-process (the
    pickle round trip kept, as values crossed by copy there too)."""
    restricted.compile_source(source, mode)
    context = pickle.loads(pickle.dumps(dict(context)))
    if mode == "eval":
        value = restricted.evaluate(source, context, external)
    else:
        value = restricted.execute(source, context, external)
    restricted.refuse_large_data("value", value)
    return value


@contextmanager
def scripts_in_process() -> Iterator[None]:
    original = sandbox._run_in_child
    sandbox._run_in_child = _in_process  # type: ignore[assignment]
    try:
        yield
    finally:
        sandbox._run_in_child = original  # type: ignore[assignment]


@contextmanager
def counting_script_steps() -> Iterator[list[int]]:
    seen = [0]
    original = sandbox._run_in_child

    def counted(*args: Any) -> Any:
        seen[0] += 1
        return original(*args)

    sandbox._run_in_child = counted  # type: ignore[assignment]
    try:
        yield seen
    finally:
        sandbox._run_in_child = original  # type: ignore[assignment]


def _write_unchained(
    connection: Connection, early: Sequence[tuple[int, dict[str, Any]]], pending: list[Any]
) -> None:
    """The commit step without the chain: write the waiting rows, as before issue 10."""
    if pending:
        connection.execute(insert(AuditEvent.__table__), pending)


@contextmanager
def unchained() -> Iterator[None]:
    original = audit.chain
    audit.chain = _write_unchained
    try:
        yield
    finally:
        audit.chain = original


def script_steps(n: int) -> dict[str, float]:
    for _ in range(50):  # warm: the pool's children started, their compile caches filled
        sandbox.evaluate(EXPRESSION, CONTEXT)
        sandbox.execute(SCRIPT, dict(CONTEXT))
    child_eval = _per_call_us(lambda: sandbox.evaluate(EXPRESSION, CONTEXT), n)
    child_exec = _per_call_us(lambda: sandbox.execute(SCRIPT, dict(CONTEXT)), n)
    with scripts_in_process():
        local_eval = _per_call_us(lambda: sandbox.evaluate(EXPRESSION, CONTEXT), n)
        local_exec = _per_call_us(lambda: sandbox.execute(SCRIPT, dict(CONTEXT)), n)
    return {
        "expression_child_us": round(child_eval, 1),
        "expression_in_process_us": round(local_eval, 1),
        "script_child_us": round(child_exec, 1),
        "script_in_process_us": round(local_exec, 1),
    }


def cold_child_ms(n: int) -> float:
    """ms to the first answer of a freshly started child (what a killed child costs)."""
    total = 0.0
    for _ in range(n):
        cold = sandbox_pool.SandboxPool(warm=0)
        request = pickle.dumps(("eval", "1 + 1", {}, {}, 1.0))
        started = time.perf_counter()
        cold.run(request, 1.0)
        total += time.perf_counter() - started
    return round(total / n * 1000, 1)


def per_case(runtime: Runtime, cases: int, rounds: int) -> dict[str, float]:
    """ms per LoA3 case: scripts in the child pool with the audit chain (as shipped), scripts
    in this process, and the audit chain left out; script steps and statements per case."""
    stock = CardStock()
    sithsflow_cases(runtime, 5, stock)  # warm-up: caches, the pool's children
    with counting_script_steps() as steps, counting_statements(runtime) as chained:
        sithsflow_cases(runtime, 10, stock)
    with unchained(), counting_statements(runtime) as plain:
        sithsflow_cases(runtime, 10, stock)
    shipped = local = no_chain = 0.0
    for _ in range(rounds):
        shipped += sithsflow_cases(runtime, cases, stock)
        with scripts_in_process():
            local += sithsflow_cases(runtime, cases, stock)
        with unchained():
            no_chain += sithsflow_cases(runtime, cases, stock)
    timed = cases * rounds
    return {
        "script_steps_per_case": steps[0] / 10,
        "statements_per_case": len(chained) / 10,
        "statements_per_case_unchained": len(plain) / 10,
        "case_ms": round(shipped / timed * 1000, 2),
        "case_scripts_in_process_ms": round(local / timed * 1000, 2),
        "case_unchained_ms": round(no_chain / timed * 1000, 2),
    }


def _audit_transactions(runtime: Runtime, n: int, rows: int, actor: str = "bench") -> float:
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    context = AuditContext(actor=actor, details={"bench": True})
    started = time.perf_counter()
    for i in range(n):
        with runtime.database.sessions() as session:
            for r in range(rows):
                record(session, clock, context, "bench", message=f"{i}.{r}")
            session.commit()
    return time.perf_counter() - started


def audit_writes(runtime: Runtime, n: int, rounds: int) -> dict[str, float]:
    _audit_transactions(runtime, 20, 1)
    figures: dict[str, float] = {}
    for rows in (1, 5):
        chained = plain = 0.0
        for _ in range(rounds):
            chained += _audit_transactions(runtime, n, rows)
            with unchained():
                plain += _audit_transactions(runtime, n, rows)
        per = n * rounds
        figures[f"commit_{rows}_rows_chained_us"] = round(chained / per * 1e6, 1)
        figures[f"commit_{rows}_rows_unchained_us"] = round(plain / per * 1e6, 1)
        figures[f"chain_cost_per_write_{rows}_rows_us"] = round(
            (chained - plain) / per / rows * 1e6, 1
        )
    with counting_statements(runtime) as chained_statements:
        _audit_transactions(runtime, 10, 5)
    with unchained(), counting_statements(runtime) as plain_statements:
        _audit_transactions(runtime, 10, 5)
    figures["statements_per_commit_chained"] = len(chained_statements) / 10
    figures["statements_per_commit_unchained"] = len(plain_statements) / 10
    return figures


def concurrent_writers(runtime: Runtime, writers: int, n: int) -> dict[str, float]:
    def run_all() -> float:
        threads = [
            threading.Thread(target=_audit_transactions, args=(runtime, n, 2, f"w{w}"))
            for w in range(writers)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    chained = run_all()
    with unchained():
        plain = run_all()
    total = writers * n
    return {
        "writers": writers,
        "commits_per_s_chained": round(total / chained, 1),
        "commits_per_s_unchained": round(total / plain, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="timed calls per script kind")
    parser.add_argument("--cases", type=int, default=40, help="timed cases per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--audits", type=int, default=300, help="audit commits per round")
    parser.add_argument("--postgres", action="store_true", help="(d) and (e) on PostgreSQL too")
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()

    results: dict[str, Any] = {"script_step": script_steps(args.steps)}
    results["cold_child_ms"] = cold_child_ms(5)
    with tempfile.TemporaryDirectory() as folder:
        runtime = _runtime(f"sqlite:///{Path(folder) / 'bench.db'}", 1000)
        results["case_sqlite"] = per_case(runtime, args.cases, args.rounds)
        results["audit_sqlite"] = audit_writes(runtime, args.audits, args.rounds)
        runtime.database.dispose()
    if args.postgres:
        from tests.support.postgres_cluster import PostgresCluster

        cluster = PostgresCluster.start()
        try:
            runtime = _runtime(cluster.create_database("bench_sandbox"), 1000)
            results["case_postgres"] = per_case(runtime, args.cases, args.rounds)
            results["audit_postgres"] = audit_writes(runtime, args.audits, args.rounds)
            results["concurrent_postgres"] = concurrent_writers(runtime, args.writers, args.audits)
            runtime.database.dispose()
        finally:
            cluster.stop()
    for section, figures in results.items():
        print(section, figures if isinstance(figures, dict) else f"{figures}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
