"""Benchmark: the workspace's open incidents per element of a version, over many cases.

Starts one real case of a process whose timer's script fails, then copies its case row N
times (Core, columns as they are) and gives a share of the copies incidents at two
elements, most of them resolved, on SQLite (a file in a temporary folder) or `--db`.
Times `flow_watch.incidents_by_element` (median of 5) and counts its statements; prints
the query plan of its grouped query. The last line is one JSON object.

    .venv/bin/python bench/incidents_per_element.py [--cases N] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import Case  # noqa: E402
from engine.model import Incident  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import flow_watch  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.deploy import deploy_files  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402
from engine.services.timers import fire_due_timers  # noqa: E402
from tests.integration.test_timers import DIVISOR_FORM  # noqa: E402
from tests.integration.test_timers import FAILING  # noqa: E402
from tests.support.flows import Flows  # noqa: E402
from tests.support.flows import local  # noqa: E402
from tests.support.statements import counting_statements  # noqa: E402

BATCH = 5000
OPEN_EVERY = 50  # one copy in 50 has an open incident
RESOLVED_EVERY = 5  # one in 5 a resolved one


def build(runtime: Runtime, count: int, folder: Path) -> Flows:
    upgrade_schema(runtime.database)
    flows = Flows(runtime, FixedClock(local("2026-11-23 15:01")))
    load_demo(runtime, flows.clock)
    bpmn = folder / "failing.bpmn"
    bpmn.write_text(FAILING, encoding="utf-8")
    form = folder / "failing.start.json"
    form.write_text(json.dumps(DIVISOR_FORM), encoding="utf-8")
    deploy_files(runtime, flows.clock, [bpmn, form], actor="petra")
    template_id = flows.start("failing", "sara", divisor="0").id
    fire_due_timers(runtime, flows.at("2026-11-24 16:00").clock)
    with runtime.database.engine.begin() as connection:
        template = dict(
            connection.execute(select(Case.__table__).where(Case.id == template_id))
            .mappings()
            .one()
        )
        template.pop("id")
        incident = dict(
            connection.execute(select(Incident.__table__).where(Incident.case_id == template_id))
            .mappings()
            .one()
        )
        incident.pop("id")
        incident["timer_id"] = None
        next_id = template_id + 1
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            ids = range(next_id + start, next_id + start + size)
            connection.execute(insert(Case.__table__), [{**template, "id": i} for i in ids])
            rows = []
            for i in ids:
                if i % OPEN_EVERY == 0:
                    element = "wait" if i % (2 * OPEN_EVERY) else "boom"
                    rows.append({**incident, "case_id": i, "element": element})
                elif i % RESOLVED_EVERY == 0:
                    rows.append(
                        {
                            **incident,
                            "case_id": i,
                            "resolved_at": flows.clock.now(),
                            "resolved_by": "bench",
                            "resolution": "retried",
                        }
                    )
            if rows:
                connection.execute(insert(Incident.__table__), rows)
    return flows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        runtime = bootstrap(url)
        flows = build(runtime, args.cases, Path(folder))
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            with counting_statements(runtime) as statements:
                found = flow_watch.incidents_by_element(runtime, flows.clock, "failing", 1, "petra")
            timings.append((time.perf_counter() - started) * 1000)
        grouped = next(s for s in statements if "GROUP BY" in s.upper())
        explain = "EXPLAIN QUERY PLAN " if url.startswith("sqlite") else "EXPLAIN "
        with runtime.database.engine.connect() as connection:
            params = {
                "kind_1": "delivery",
                "process_id_1": "failing",
                "version_1": 1,
            }
            plan = [
                " ".join(str(c) for c in row)
                for row in connection.exec_driver_sql(
                    explain + grouped,
                    tuple(params[k] for k in ("kind_1", "process_id_1", "version_1"))
                    if url.startswith("sqlite")
                    else params,
                )
            ]
        with runtime.database.engine.connect() as connection:
            incidents = connection.execute(text("SELECT count(*) FROM incidents")).scalar()
        runtime.database.dispose()
    for line in plan:
        print("plan:", line)
    print(
        json.dumps(
            {
                "cases": args.cases + 1,
                "incidents": incidents,
                "open_by_element": {e.element: e.incidents for e in found},
                "statements": len(statements),
                "median_ms": round(statistics.median(timings), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
