"""Benchmark: work queues, lists and look-ups over a region's volume of open cases (issue 8).

Bulk-loads N open cases on PostgreSQL in the shape `case start` writes (bench/bulk_load.py:
real engine-made cases copied with COPY), then times each call of MEASURES below with
p50/p95/p99, SQL statements per call and peak RSS, and writes `EXPLAIN (ANALYZE, BUFFERS)`
of the queue query (the slowest statement the LoA3 admin's queue call sends) into
docs/scale-explain.md. The last line printed is one JSON object.

    .venv/bin/python bench/scale.py                          # 200,000 cases, throwaway cluster
    .venv/bin/python bench/scale.py --cases 1000000
    .venv/bin/python bench/scale.py --cases 2000 --calls 20 --only queue_bertil,task_list
    .venv/bin/python bench/scale.py --db postgresql+psycopg://USER@HOST/DB   # empty, or loaded
                                                             # by an earlier run (reused)

The load runs in a child process, so the peak RSS printed is the measuring process's own.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.bulk_load import bulk_load  # noqa: E402
from bench.bulk_load import loaded_cases  # noqa: E402
from bench.bulk_setup import BENCH_NOW  # noqa: E402
from bench.queue_page import QueuePage  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.model import Organisation  # noqa: E402
from engine.model import ReserveCard  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import lookup  # noqa: E402
from engine.services import queries  # noqa: E402
from engine.services.demo import REGION  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.deploy import deploy_bundled  # noqa: E402
from engine.services.paging import Page  # noqa: E402
from engine.services.read_scope import Reader  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402
from engine.services.worklist import worklist  # noqa: E402

PAGE_SIZE = 50
SEARCH_TEXT = "Lindqvist"

# --- what is timed: one callable per measure, each (runtime, clock) -> anything ----------
# The `queues` rewrite changes these engine functions to answer from SQL with keyset
# paging; adapt the callables here after merging it (the names and the JSON keys stay).


def queue_of(username: str) -> Callable[[Runtime, Clock], Any]:
    def call(runtime: Runtime, clock: Clock) -> Any:
        return worklist(runtime, clock, username)

    return call


def task_list(runtime: Runtime, clock: Clock) -> Any:
    return queries.tasks_for(runtime, clock, "bertil")


def cases_page(page: int) -> Callable[[Runtime, Clock], Any]:
    """Page `page` (1-based) of the case list by its keyset cursor. The cursor of the page
    is found once, untimed, by walking the pages before it, as a user clicking "older"
    would; each timed call then asks for that one page."""
    cursor: list[str | None] = []

    def call(runtime: Runtime, clock: Clock) -> Any:
        if not cursor:
            found: str | None = None
            for _ in range(page - 1):
                found = queries.list_cases(runtime, limit=PAGE_SIZE, cursor=found).next_cursor
                if found is None:
                    break  # fewer pages than asked for: this page is empty
            cursor.append(found)
        if cursor[0] is None and page > 1:
            return Page(items=(), next_cursor=None)
        return queries.list_cases(runtime, limit=PAGE_SIZE, cursor=cursor[0])

    return call


def cases_page_as(username: str) -> Callable[[Runtime, Clock], Any]:
    """Page 1 of the case list as `username` reads it: S2's scope in the statement
    (engine.services.read_scope), as the web page and the API ask for it."""

    def call(runtime: Runtime, clock: Clock) -> Any:
        reader = Reader(username, clock.now())
        return queries.list_cases(runtime, limit=PAGE_SIZE, reader=reader, newest_first=True)

    return call


def card_as(username: str | None) -> Callable[[Runtime, Clock], Any]:
    """An issued card of the demo region as `username` (of that region) reads it; None
    reads it as the operator (no scope), for comparison."""
    number: list[str] = []

    def call(runtime: Runtime, clock: Clock) -> Any:
        if not number:
            with runtime.database.sessions() as session:
                found = session.scalars(
                    select(ReserveCard.number)
                    .join(Organisation, Organisation.id == ReserveCard.organisation_id)
                    .where(Organisation.code == REGION, ReserveCard.holder_id.is_not(None))
                    .order_by(ReserveCard.number.desc())
                    .limit(1)
                ).one()
            number.append(found)
        reader = Reader(username, clock.now()) if username else None
        return queries.show_card(runtime, number[0], reader=reader)

    return call


def person_search_as(username: str) -> Callable[[Runtime, Clock], Any]:
    def call(runtime: Runtime, clock: Clock) -> Any:
        return lookup.search(runtime, SEARCH_TEXT, reader=Reader(username, clock.now()))

    return call


def card_lookup(runtime: Runtime, clock: Clock) -> Any:
    return queries.show_card(runtime, _sample_card(runtime))


def person_search(runtime: Runtime, clock: Clock) -> Any:
    return lookup.search(runtime, SEARCH_TEXT)


MEASURES: dict[str, Callable[[Runtime, Clock], Any]] = {
    "queue_bertil": queue_of("bertil"),  # LoA3 admin at kungsbacka
    "queue_sara": queue_of("sara"),  # service desk
    "queue_david": queue_of("david"),  # remote admin, hemtjanst-demo
    "page_bertil": QueuePage("bertil"),
    "task_list": task_list,
    "cases_page_1": cases_page(1),
    "cases_page_50": cases_page(50),
    "card": card_lookup,
    "person_search": person_search,
    # S2 (read_scope): the same reads as a user, the scope inside the statement.
    "cases_page_1_maria": cases_page_as("maria"),  # manager of the demo region (1 in 20)
    "cases_page_1_david": cases_page_as("david"),  # remote admin of hemtjanst-demo
    "cases_page_1_loa3_01": cases_page_as("loa3-01"),  # LoA3 admin of a bench region
    "card_demo": card_as(None),
    "card_sara": card_as("sara"),
    "person_search_sara": person_search_as("sara"),
    # R20 (cardusers): a card user's case list (the cases she started or attests) and her
    # queue page (the steps assigned to her by name), beside the staff's.
    "cases_page_1_frida": cases_page_as("frida"),
    "queue_frida": queue_of("frida"),
}
QUEUE_MEASURE = "queue_bertil"
PAGE_MEASURE = "page_bertil"

_sample: dict[str, str] = {}


def _sample_card(runtime: Runtime) -> str:
    """An issued card of a bulk-loaded renewal case (the newest, so a real index hit)."""
    if "card" not in _sample:
        with runtime.database.sessions() as session:
            found = session.scalars(
                select(ReserveCard.number)
                .where(ReserveCard.holder_id.is_not(None))
                .order_by(ReserveCard.number.desc())
                .limit(1)
            ).first()
        _sample["card"] = found or "RK000050"
    return _sample["card"]


# --- measuring ---------------------------------------------------------------------


class CallTimeout(Exception):
    pass


_expired = threading.Event()


@dataclass
class StatementLog:
    """Counts statements on the runtime's engine; keeps the slowest one while `capture`."""

    count: int = 0
    capture: bool = False
    slowest: tuple[float, str, Any] | None = None
    _started: float = 0.0

    def attach(self, runtime: Runtime) -> None:
        event.listen(runtime.database.engine, "before_cursor_execute", self._before)
        event.listen(runtime.database.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if not self.capture:
            return
        took = time.perf_counter() - self._started
        if self.slowest is None or took > self.slowest[0]:
            self.slowest = (took, statement, params)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a call that runs longer than `seconds` (SIGALRM, main thread only)."""

    def expire(signum: int, frame: Any) -> None:
        _expired.set()
        raise CallTimeout

    _expired.clear()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[max(0, min(len(sorted_ms) - 1, math.ceil(q * len(sorted_ms)) - 1))]


def measure(
    name: str,
    call: Callable[[Runtime, Clock], Any],
    runtime: Runtime,
    clock: Clock,
    log: StatementLog,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """`args.calls` timed calls after one warm-up, fewer when the budget would not allow."""
    times: list[float] = []
    statements: list[int] = []
    result: dict[str, Any] = {"calls": 0}
    try:
        planned = args.calls
        for i in range(planned + 1):
            before = log.count
            log.capture = i == 0 and name == QUEUE_MEASURE
            started = time.perf_counter()
            try:
                with time_limit(args.timeout_s):
                    call(runtime, clock)
            finally:
                log.capture = False
            took = time.perf_counter() - started
            if i == 0 and took * (planned + 1) > args.budget_s:
                # Too slow for a warm-up plus every call: count this call and fit the rest.
                planned = max(0, min(planned, int(args.budget_s / took) - 1))
                times.append(took * 1000)
                statements.append(log.count - before)
                if planned == 0:
                    break
                continue
            if i > 0 or times:
                times.append(took * 1000)
                statements.append(log.count - before)
            if len(times) >= max(1, planned):
                break
    except Exception:
        # Interrupted inside a driver call, the session's cleanup may fail in turn: any
        # error after the alarm is the timeout; its connection is dropped with the pool.
        if not _expired.is_set():
            raise
        result["timed_out_after_s"] = args.timeout_s
        runtime.database.engine.dispose()
    if times:
        ordered = sorted(times)
        result.update(
            calls=len(times),
            p50_ms=round(percentile(ordered, 0.50), 2),
            p95_ms=round(percentile(ordered, 0.95), 2),
            p99_ms=round(percentile(ordered, 0.99), 2),
            statements_per_call=round(sum(statements) / len(statements), 1),
        )
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def explain_queue(runtime: Runtime, log: StatementLog, cases: int) -> str | None:
    """EXPLAIN ANALYZE the slowest statement of the queue call's first timed run."""
    if log.slowest is None or isinstance(log.slowest[2], list | tuple):
        return None
    took, statement, params = log.slowest
    with runtime.database.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
    lines = [
        "# EXPLAIN of the work queue query at scale",
        "",
        f"Written by `bench/scale.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC over {cases:,} "
        f"open cases: the slowest statement (`{took * 1000:.1f} ms`) that the first "
        f"`{QUEUE_MEASURE}` call sent, run again under "
        "`EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
        "Command:",
        "",
        "```",
        " ".join(["python", "bench/scale.py", *sys.argv[1:]]),
        "```",
        "",
        "Statement (parameters: `" + json.dumps(params, default=str) + "`):",
        "",
        "```sql",
        statement.strip(),
        "```",
        "",
        "Plan:",
        "",
        "```",
        *[row[0] for row in plan],
        "```",
        "",
    ]
    return "\n".join(lines)


# --- the database ------------------------------------------------------------------


def prepare(url: str, cases: int, regions: int) -> dict[str, Any]:
    """Schema, bundled processes (as `db init`), the demo region, then the bulk load; in a
    child process (see `main`), so the loader's memory never counts as a page's."""
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    already = loaded_cases(runtime)
    if already:
        return {"cases": already, "reused": True}
    deploy_bundled(runtime, FixedClock(datetime(2024, 1, 1, 7, tzinfo=UTC)))
    load_demo(runtime, FixedClock(datetime(2024, 1, 1, 7, tzinfo=UTC)))
    report = bulk_load(runtime, cases, regions=regions, progress=lambda m: _say(f"load: {m}"))
    runtime.database.dispose()
    return {
        "cases": report.cases,
        "people": report.people,
        "templates": report.templates,
        "regions": report.regions,
        "load_s": round(report.seconds, 1),
        "rows": report.rows,
        "load_peak_rss_mb": _peak_rss_mb(),
    }


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_in_child(url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--load-only", "--db", url]
    command += ["--cases", str(args.cases), "--regions", str(args.regions)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    loaded: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--regions", type=int, default=20, help="the demo region + generated")
    parser.add_argument("--db", help="a PostgreSQL URL; default: a throwaway cluster")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per measure")
    parser.add_argument("--only", help="comma-separated measures: " + ",".join(MEASURES))
    parser.add_argument("--timeout-s", type=float, default=600.0, help="per call")
    parser.add_argument("--budget-s", type=float, default=300.0, help="per measure")
    parser.add_argument("--explain", default=str(ROOT / "docs" / "scale-explain.md"))
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the throwaway cluster up")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(MEASURES)
    unknown = [name for name in chosen if name not in MEASURES]
    if unknown:
        parser.error(f"unknown measures {unknown}; choose from {', '.join(MEASURES)}")
    args.chosen = chosen
    return args


def main() -> None:
    args = _arguments()
    # A call stopped by --timeout-s leaves its connection mid-query; the pool's reset of it
    # logs a traceback that says no more than the measure's `timed_out_after_s`.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    if args.load_only:
        print(json.dumps(prepare(args.db, args.cases, args.regions)))
        return
    cluster = None
    url = args.db
    if url is None:
        from tests.support.postgres_cluster import PostgresCluster

        cluster = PostgresCluster.start()
        url = cluster.create_database("scale")
    try:
        run(url, args)
    finally:
        if cluster is not None and not args.keep:
            cluster.stop()
        elif cluster is not None:
            _say(f"cluster kept: {url} (stop: pg_ctl -D {cluster.root / 'data'} stop)")


def run(url: str, args: argparse.Namespace) -> None:
    _say(f"loading {args.cases:,} cases into {url}")
    loaded = _load_in_child(url, args)
    _say(f"loaded: {json.dumps(loaded)}")
    runtime = bootstrap(url)
    clock = FixedClock(BENCH_NOW)
    log = StatementLog()
    log.attach(runtime)
    summary: dict[str, Any] = {"cases": loaded["cases"]}
    summary.update({k: v for k, v in loaded.items() if k in ("load_s", "people", "reused")})
    results: dict[str, dict[str, Any]] = {}
    for name in args.chosen:
        _say(f"measuring {name} ...")
        results[name] = measure(name, MEASURES[name], runtime, clock, log, args)
        print(f"{name:15} {json.dumps(results[name])}", flush=True)
    if QUEUE_MEASURE in args.chosen and not args.no_explain:
        text = explain_queue(runtime, log, loaded["cases"])
        if text is not None:
            Path(args.explain).write_text(text, encoding="utf-8")
            _say(f"queue plan written to {args.explain}")
    queue = results.get(QUEUE_MEASURE, {})
    page = results.get(PAGE_MEASURE, {})
    summary.update(
        queue_p95_ms=queue.get("p95_ms"),
        page_p95_ms=page.get("p95_ms"),
        statements_per_page=page.get("statements_per_call"),
        peak_rss_mb=_peak_rss_mb(),
        measures=results,
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
