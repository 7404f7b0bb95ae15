"""Benchmark: S5 migration of open LoA2 cases to a new version, dry run and move.

Starts N remote LoA2 orders (each waiting in `issue_loa2`) on a fresh SQLite database (or
`--db`, e.g. a PostgreSQL URL), deploys version 2 of loa2-remote-order as petra, then
times `migrate_cases` as a dry run and as a real move of every open case. The last line
printed is one JSON object.

    .venv/bin/python bench/migration.py [--cases N] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.clock import FixedClock  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import cases  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.deploy import PROCESSES_DIR  # noqa: E402
from engine.services.deploy import deploy_files  # noqa: E402
from engine.services.migration import migrate_cases  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402

PROCESS = "loa2-remote-order"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.db"
        runtime = bootstrap(url)
        upgrade_schema(runtime.database)
        load_demo(runtime, FixedClock(datetime(2024, 1, 1, 8, tzinfo=STOCKHOLM)))
        clock = FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))
        fields = {"holder": "erik", "reason": "Glömt kort på nattskift"}
        for _ in range(args.cases):
            cases.start_case(runtime, clock, PROCESS, "david", fields)
        source = (PROCESSES_DIR / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
        path = Path(folder) / f"{PROCESS}.bpmn"
        path.write_text(source.replace("Utfärda LoA2-certifikat", "Utfärda (v2)"), "utf-8")
        deploy_files(runtime, clock, [path], actor="petra")
        timings = {}
        for dry_run in (True, False):
            started = time.perf_counter()
            report = migrate_cases(runtime, clock, PROCESS, 2, "petra", dry_run=dry_run)
            elapsed = time.perf_counter() - started
            assert len(report.movable) == args.cases and not report.blocked
            timings["dry_run" if dry_run else "move"] = elapsed
        runtime.database.dispose()
    result = {
        "cases": args.cases,
        "backend": url.split(":", 1)[0],
        "dry_run_s": round(timings["dry_run"], 2),
        "dry_run_cases_per_s": round(args.cases / timings["dry_run"], 1),
        "move_s": round(timings["move"], 2),
        "move_cases_per_s": round(args.cases / timings["move"], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
