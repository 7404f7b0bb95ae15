"""R19 from the directory import: what starting, moving and cancelling `employment-end`
cases costs per line of a directory export.

    .venv/bin/python bench/employment_import.py [--db URL] [--lines 1000]

Builds the demo region, imports `--lines` people employed in hemtjanst-demo (no end date),
then times four imports of the same people: a dry run that gives every one an end date
(plans `--lines` starts), the real import (starts `--lines` cases in one transaction),
one that moves every end date (moves `--lines` timers) and one that removes them
(cancels `--lines` cases).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.clock import FixedClock  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.registers.employment_import import import_employments  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402


def identity_numbers(count: int) -> list[str]:
    """Valid personnummer (Luhn) born 1960-01-01 onwards, one a day."""
    numbers = []
    born = date(1960, 1, 1)
    for n in range(count):
        day = born + timedelta(days=n)
        stem = f"{day:%y%m%d}{100 + n % 900:03d}"
        total = 0
        for index, digit in enumerate(stem):
            value = int(digit) * (2 if index % 2 == 0 else 1)
            total += value - 9 if value > 9 else value
        numbers.append(f"{day:%Y%m%d}-{stem[6:]}{(10 - total % 10) % 10}")
    return numbers


def export(numbers: list[str], end: str) -> str:
    return "".join(
        f"{n},Person {i},hemtjanst-demo,2024-01-01,{end}\n" for i, n in enumerate(numbers)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='import-bench-')}/bench.db"
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    clock = FixedClock(datetime(2024, 1, 1, 8, tzinfo=STOCKHOLM))
    load_demo(runtime, clock)
    clock.set(datetime(2026, 11, 23, 10, tzinfo=STOCKHOLM))
    numbers = identity_numbers(args.lines)
    import_employments(runtime, clock, "sara", export(numbers, ""))
    print(f"database: {url.split('://')[0]}, lines: {args.lines}")
    for label, end, dry in (
        ("dry run, plans a start each", "2026-12-31", True),
        ("import, starts a case each", "2026-12-31", False),
        ("import, moves each timer", "2027-01-31", False),
        ("import, cancels each case", "", False),
    ):
        began = time.perf_counter()
        result = import_employments(runtime, clock, "sara", export(numbers, end), dry_run=dry)
        took = time.perf_counter() - began
        steps = {s.step for s in result.end_cases}
        print(
            f"{label:32} {len(result.end_cases):6} steps {sorted(steps)}  {took:7.2f} s  "
            f"{took / args.lines * 1000:6.2f} ms/line"
        )


if __name__ == "__main__":
    main()
