"""R8 station booking: what `stations plan` costs as the roster's history grows.

    .venv/bin/python bench/station_plan.py [--db URL] [--history 100000]

Builds the demo region, rosters anna (halmstad) and bertil (kungsbacka) for the planned
week, then adds `--history` past shifts (bulk, two a day per station going back) and times
the plan again. A plan reads only the shifts ending after its start (index on ends_at), so
its statements and its time should not grow with the history.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import AdminRoster  # noqa: E402
from engine.model import CardStation  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.registers import rosters  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402
from engine.services.station_plan import plan_visits  # noqa: E402
from tests.support.statements import counting_statements  # noqa: E402

START = datetime(2026, 11, 30, tzinfo=STOCKHOLM)
RUNS = 7


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--history", type=int, default=100_000)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='plan-bench-')}/bench.db"
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    clock = FixedClock(datetime(2024, 1, 1, 8, tzinfo=STOCKHOLM))
    load_demo(runtime, clock)
    clock.set(datetime(2026, 11, 23, 10, tzinfo=STOCKHOLM))
    for day in range(5):
        at = START + timedelta(days=day)
        rosters.add_shift(
            runtime, clock, "maria", "anna", "halmstad", at.replace(hour=7), at.replace(hour=17)
        )
    for day in (1, 3):
        at = START + timedelta(days=day)
        rosters.add_shift(
            runtime, clock, "maria", "bertil", "kungsbacka", at.replace(hour=8), at.replace(hour=13)
        )
    print(f"database: {url.split('://')[0]}")
    measure(runtime, clock, "history 0")
    add_history(runtime, args.history)
    measure(runtime, clock, f"history {args.history}")


def add_history(runtime: object, count: int) -> None:
    from engine.services.runtime import Runtime

    assert isinstance(runtime, Runtime)
    with runtime.database.sessions() as session:
        people = {p.username: p.id for p in session.scalars(select(Person))}
        stations = {s.code: s.id for s in session.scalars(select(CardStation))}
        rows = []
        for n in range(count):
            who, where = (("anna", "halmstad"), ("bertil", "kungsbacka"))[n % 2]
            begins = START - timedelta(days=1 + n // 2, hours=-8)
            rows.append(
                {
                    "person_id": people[who],
                    "station_id": stations[where],
                    "starts_at": begins,
                    "ends_at": begins + timedelta(hours=8),
                }
            )
        for first in range(0, len(rows), 10_000):
            session.execute(insert(AdminRoster), rows[first : first + 10_000])
        session.commit()


def measure(runtime: object, clock: FixedClock, label: str) -> None:
    from engine.services.runtime import Runtime

    assert isinstance(runtime, Runtime)
    times = []
    statements = 0
    pairs = 0
    for _ in range(RUNS):
        with counting_statements(runtime) as seen:
            began = time.perf_counter()
            plan = plan_visits(runtime, clock, "frida", START, limit=5)
            times.append((time.perf_counter() - began) * 1000)
        statements, pairs = len(seen), len(plan.pairs)
    print(
        f"{label:>16}: plan of {pairs} pairs, {statements} statements, "
        f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, {RUNS} runs)"
    )


if __name__ == "__main__":
    main()
