"""Benchmark: due R7 deadline timers on PostgreSQL fired by 1, 2 and 4 `timers run` processes.

Starts a throwaway PostgreSQL cluster (tests/support/postgres_cluster.py), or uses `--db`.
One real LoA3 reserve case is started through the engine; its rows (case, task, timer and
audit rows) are then copied N times with COPY, each copy with its own SpiffWorkflow task
ids, so every timer is a real R7 deadline of a real case in the shape the engine writes.
For 1, 2 and 4 workers it reloads the N copies, runs that many `sithsflow timers run`
processes at once and measures fires per second, duplicates and misses (from the audit
rows and the timer rows, and across the workers' JSON outputs) and the workers' peak RSS.
Then it kills one of four workers with SIGKILL mid-sweep, reruns `timers run`, and checks
that every timer still fired exactly once and that every timer the killed worker printed
had been committed. The last line printed is one JSON object.

    .venv/bin/python bench/timers.py [--timers N] [--db postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import cases  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402
from tests.support.postgres_cluster import PostgresCluster  # noqa: E402

STARTED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)
FIRE_AT = "2026-11-28T10:00:00+01:00"  # R7: five local days after the first verification
SITHSFLOW = Path(sys.executable).parent / "sithsflow"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KILL_AFTER_SHARE = 0.3  # SIGKILL one worker once this share of the timers has fired


@dataclass
class Template:
    """The rows one real LoA3 start wrote, to be copied."""

    case: dict[str, Any]
    tasks: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    state_parts: list[str]  # the decompressed state split at its task ids
    ids: list[str]  # the task ids between the parts


@dataclass
class Run:
    workers: int
    seconds: float
    peak_rss_mb: float
    outputs: list[list[tuple[int, str]]]
    cpu_s: float  # user + system time of the worker processes


def server_cpu_s(cluster: PostgresCluster | None) -> float:
    """CPU time of the server's ended backends (the postmaster's reaped children), or 0.

    Each worker's backend ends with the worker, so the difference over a run is the
    server's share of it. Only for the bench's own cluster.
    """
    if cluster is None:
        return 0.0
    pid = (cluster.root / "data" / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: field 3 is fields[0]; cutime and cstime are fields 16, 17.
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _rows(conn: psycopg.Connection[Any], sql: str, *params: Any) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def prepare(url: str) -> Template:
    """Schema, demo region and one real LoA3 case; its rows become the template."""
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    load_demo(runtime, FixedClock(datetime(2024, 1, 1, 8, 0, tzinfo=STOCKHOLM)))
    started = cases.start_case(
        runtime,
        FixedClock(STARTED_AT),
        "loa3-reserve",
        "anna",
        {"holder": "frida", "id_document": "passport"},
    )
    runtime.database.dispose()
    with psycopg.connect(_plain(url)) as conn:
        case = _rows(conn, "SELECT * FROM cases WHERE id = %s", started.id)[0]
        tasks = _rows(conn, "SELECT * FROM case_tasks WHERE case_id = %s", started.id)
        timers = _rows(conn, "SELECT * FROM timers WHERE case_id = %s", started.id)
        audit = _rows(conn, "SELECT * FROM audit_events WHERE case_id = %s", started.id)
        outbox = conn.execute("SELECT count(*) FROM outbox WHERE case_id = %s", (started.id,))
        assert outbox.fetchone() == (0,), "an LoA3 start queues no e-mail"
        assert [t["name"] for t in timers] == ["deadline"], timers
        # The template case itself is not part of any run (the audit trail is append-only,
        # so it stays): only its copies are fired.
        conn.execute("UPDATE timers SET status = 'cancelled' WHERE case_id = %s", (started.id,))
    state = zlib.decompress(case["workflow_state"]).decode()
    parts = UUID.split(state)
    return Template(case, tasks, timers, audit, parts, UUID.findall(state))


def load(url: str, template: Template, n: int) -> int:
    """COPY n fresh copies after the newest case, each with its own task ids; the first id.

    Earlier runs' copies stay (the audit trail is append-only), lapsed with fired timers.
    """
    with psycopg.connect(_plain(url)) as conn:
        row = conn.execute("SELECT max(id) FROM cases").fetchone()
    first = int(row[0] if row else 0) + 1
    copies: dict[str, list[dict[str, Any]]] = {
        "cases": [],
        "case_tasks": [],
        "timers": [],
        "audit_events": [],
    }
    for case_id in range(first, first + n):
        mapping = {old: str(uuid.uuid4()) for old in dict.fromkeys(template.ids)}
        state = template.state_parts[0] + "".join(
            mapping[old] + part
            for old, part in zip(template.ids, template.state_parts[1:], strict=True)
        )
        copies["cases"].append(
            {**template.case, "id": case_id, "workflow_state": zlib.compress(state.encode(), 6)}
        )
        for task in template.tasks:
            copies["case_tasks"].append({**task, "id": mapping[task["id"]], "case_id": case_id})
        for timer in template.timers:
            attached = timer["attached_task_id"]
            copies["timers"].append(
                {
                    **timer,
                    "case_id": case_id,
                    "task_id": mapping[timer["task_id"]],
                    "attached_task_id": mapping.get(attached, attached),
                }
            )
        for event in template.audit:
            copies["audit_events"].append({**event, "case_id": case_id})
    with psycopg.connect(_plain(url)) as conn:
        cur = conn.cursor()
        for table, rows in copies.items():
            # Timers and audit rows take fresh ids from their sequences.
            columns = [c for c in rows[0] if table in ("cases", "case_tasks") or c != "id"]
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for copied in rows:
                    copy.write_row([copied[c] for c in columns])
        conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), max(id)) FROM cases")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return first


def _spawn(url: str, folder: Path, name: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    command = [str(SITHSFLOW), "--db", url, "--now", FIRE_AT, "--json", "timers", "run"]
    environment = {
        k: v for k, v in os.environ.items() if k not in ("SITHSFLOW_DB", "SITHSFLOW_NOW")
    }
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
    return process, out, err


def _reap(process: subprocess.Popen[bytes]) -> tuple[int, float, float]:
    """Wait for one worker; its exit status, peak RSS in MB (Linux reports KB), CPU s."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _fired(out: Path) -> list[tuple[int, str]]:
    return [(f["case"], f["timer"]) for f in json.loads(out.read_text())["fired"]]


def run_workers(url: str, workers: int, folder: Path) -> Run:
    started = time.perf_counter()
    spawned = [_spawn(url, folder, f"w{workers}-{i}") for i in range(workers)]
    reaped = [_reap(process) for process, _, _ in spawned]
    seconds = time.perf_counter() - started
    for (code, _, _), (process, _, err) in zip(reaped, spawned, strict=True):
        assert code == 0, f"worker {process.args!r} exited {code}: {err.read_text()[-2000:]}"
    outputs = [_fired(out) for _, out, _ in spawned]
    peak = max(rss for _, rss, _ in reaped)
    return Run(workers, seconds, peak, outputs, sum(cpu for _, _, cpu in reaped))


def count_fires(url: str, first_case: int, n: int) -> tuple[int, int]:
    """Duplicates and misses, from the audit rows and the timer rows of the n copies."""
    with psycopg.connect(_plain(url)) as conn:
        per_case: dict[int, int] = dict(
            conn.execute(
                "SELECT case_id, count(*) FROM audit_events WHERE action = 'timer_fired' "
                "AND case_id >= %s GROUP BY case_id",
                (first_case,),
            ).fetchall()
        )
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE t.status <> 'fired' OR c.state <> 'lapsed') "
            "FROM timers t JOIN cases c ON c.id = t.case_id WHERE t.case_id >= %s",
            (first_case,),
        ).fetchone()
    unfired_rows = int(row[0]) if row else n
    duplicates = sum(count - 1 for count in per_case.values() if count > 1)
    misses = max(n - len(per_case), unfired_rows)
    return duplicates, misses


def output_duplicates(outputs: list[list[tuple[int, str]]]) -> int:
    counts = Counter(fired for output in outputs for fired in output)
    return sum(count - 1 for count in counts.values() if count > 1)


def kill_one_of_four(url: str, n: int, first_case: int, folder: Path) -> dict[str, Any]:
    """Four workers; SIGKILL one once KILL_AFTER_SHARE has fired; rerun; check."""
    spawned = [_spawn(url, folder, f"kill-{i}") for i in range(4)]
    victim, _, victim_err = spawned[0]
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM timers WHERE status = 'fired' AND case_id >= %s",
                (first_case,),
            ).fetchone()
            if row and row[0] >= n * KILL_AFTER_SHARE:
                break
            if victim.poll() is not None:
                break
            time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    killed_code, _, _ = _reap(victim)
    survivors = [_reap(process) for process, _, _ in spawned[1:]]
    assert all(code == 0 for code, _, _ in survivors), survivors
    rerun = run_workers(url, 1, folder)
    duplicates, misses = count_fires(url, first_case, n)
    printed = [line for line in victim_err.read_text().splitlines() if line.startswith("ärende ")]
    printed_cases = {int(line.split()[1].rstrip(":")) for line in printed}
    with psycopg.connect(_plain(url)) as conn:
        committed = {
            case_id
            for (case_id,) in conn.execute(
                "SELECT case_id FROM audit_events WHERE action = 'timer_fired' AND case_id >= %s",
                (first_case,),
            )
        }
    outputs = [_fired(out) for _, out, _ in spawned[1:]] + rerun.outputs
    return {
        "killed_exit": killed_code,
        "killed_printed": len(printed),
        "killed_printed_uncommitted": len(printed_cases - committed),
        "rerun_fired": sum(len(o) for o in rerun.outputs),
        "duplicates": duplicates + output_duplicates(outputs),
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--db", help="a PostgreSQL URL; default: a throwaway cluster")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    args = parser.parse_args()
    n = args.timers

    cluster = None if args.db else PostgresCluster.start()
    try:
        url = args.db or cluster.create_database("bench_timers")  # type: ignore[union-attr]
        template = prepare(url)
        results: dict[int, float] = {}
        cpu_per_fire: dict[int, tuple[float, float]] = {}
        duplicates = misses = 0
        peak_rss = 0.0
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            for workers in (int(w) for w in args.workers.split(",")):
                loading = time.perf_counter()
                first_case = load(url, template, n)
                loaded_in = time.perf_counter() - loading
                server_before = server_cpu_s(cluster)
                run = run_workers(url, workers, folder)
                server_ms = (server_cpu_s(cluster) - server_before) * 1000 / n
                client_ms = run.cpu_s * 1000 / n
                cpu_per_fire[workers] = (client_ms, server_ms)
                dup, miss = count_fires(url, first_case, n)
                dup += output_duplicates(run.outputs)
                miss = max(miss, n - len({f for o in run.outputs for f in o}))
                duplicates, misses = duplicates + dup, misses + miss
                peak_rss = max(peak_rss, run.peak_rss_mb)
                results[workers] = n / run.seconds
                print(
                    f"{workers} worker(s): {n} timers in {run.seconds:7.1f} s = "
                    f"{results[workers]:7.1f} fires/s; duplicates {dup}, misses {miss}; "
                    f"per worker {[len(o) for o in run.outputs]}; peak RSS "
                    f"{run.peak_rss_mb:.0f} MB; CPU per fire {client_ms:.2f} ms in the workers, "
                    f"{server_ms:.2f} ms in the server (load took {loaded_in:.1f} s)",
                    flush=True,
                )
            first_case = load(url, template, n)
            killed = kill_one_of_four(url, n, first_case, folder)
        exactly_once = killed["duplicates"] == 0 and killed["misses"] == 0
        print(
            f"SIGKILL of one of 4 workers after {KILL_AFTER_SHARE:.0%}: it printed "
            f"{killed['killed_printed']} fired timers ({killed['killed_printed_uncommitted']} "
            f"of them uncommitted); the rerun fired {killed['rerun_fired']}; duplicates "
            f"{killed['duplicates']}, misses {killed['misses']}: every timer fired exactly "
            f"once: {'yes' if exactly_once else 'NO'}",
            flush=True,
        )
        most = max(results)
        print(
            json.dumps(
                {
                    "timers": n,
                    "workers": most,
                    "fires_per_s": round(results[most], 1),
                    "duplicates": duplicates,
                    "misses": misses,
                    "after_kill_duplicates": killed["duplicates"],
                    "after_kill_misses": killed["misses"],
                    "fires_per_s_by_workers": {str(w): round(r, 1) for w, r in results.items()},
                    "peak_rss_mb": round(peak_rss),
                    "worker_cpu_ms_per_fire": round(cpu_per_fire[most][0], 2),
                    "server_cpu_ms_per_fire": round(cpu_per_fire[most][1], 2),
                    "killed_printed_uncommitted": killed["killed_printed_uncommitted"],
                }
            )
        )
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
