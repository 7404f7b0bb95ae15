"""Benchmark: does a refused sign-in take as long for an unknown name as for a wrong
password? (issue 10: ~100 ms against ~10 ms told which user names exist.)

Signs in on a fresh SQLite demo database through `engine.services.accounts.authenticate`,
interleaving a wrong password for a demo user, an unknown name and a correct password,
N times each (each known user is reset after four failures so the lockout never starts),
and prints the median and p90 of each in milliseconds. The last line is one JSON object.

    .venv/bin/python bench/login_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.errors import NotPermitted  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.accounts import authenticate  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    try:
        call()
    except NotPermitted:
        pass
    return (time.perf_counter() - started) * 1000


def _reset_failures(runtime: Runtime) -> None:
    with runtime.database.sessions() as session:
        session.execute(update(Person).values(failed_logins=0, locked_until=None))
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    clock = FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))
    with tempfile.TemporaryDirectory() as folder:
        runtime = bootstrap(f"sqlite:///{folder}/bench.db")
        upgrade_schema(runtime.database)
        load_demo(runtime, clock)
        cases: dict[str, Callable[[], object]] = {
            "wrong_password": lambda: authenticate(runtime, clock, "maria", "fel"),
            "unknown_user": lambda: authenticate(runtime, clock, "ingen-alls", "fel"),
            "correct": lambda: authenticate(runtime, clock, "olof", "demo"),
        }
        for call in cases.values():
            _timed(call)  # warm-up: the dummy hash, statement caches
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for n in range(args.repeat):
            if n % 4 == 0:
                _reset_failures(runtime)
            for name, call in cases.items():
                timings[name].append(_timed(call))
        runtime.database.dispose()
    result: dict[str, object] = {"repeat": args.repeat}
    for name, values in timings.items():
        values.sort()
        result[f"{name}_median_ms"] = round(statistics.median(values), 1)
        result[f"{name}_p90_ms"] = round(values[int(0.9 * (len(values) - 1))], 1)
        print(
            f"{name:16} median {result[f'{name}_median_ms']} ms, p90 {result[f'{name}_p90_ms']} ms"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
