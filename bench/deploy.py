"""Benchmark: how long a process owner waits for a deploy, and its parts.

Deploys the bundled loa2-remote-order and loa3-reserve (with their forms and DMN tables)
as a dry run on a fresh SQLite demo database, N times each, and times the validation with
the smoke run, and the smoke run alone. Also validates the foreign fixture models (all
refused). The last line printed is one JSON object.

    .venv/bin/python bench/deploy.py [--repeat N]
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
from engine.problems import ModelRejected  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.deploy import FORMS_DIR  # noqa: E402
from engine.services.deploy import PROCESSES_DIR  # noqa: E402
from engine.services.deploy import deploy_files  # noqa: E402
from engine.services.deploy.bundle import read_paths  # noqa: E402
from engine.services.deploy.checks import validate_bundle  # noqa: E402
from engine.services.deploy.smoke import smoke_run  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402

FOREIGN = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "foreign"
PROCESSES = ("loa2-remote-order", "loa3-reserve")


def bundle_of(process_id: str) -> list[Path]:
    return [
        PROCESSES_DIR / f"{process_id}.bpmn",
        *sorted(FORMS_DIR.glob(f"{process_id}.*.json")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    clock = FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))
    with tempfile.TemporaryDirectory() as folder:
        runtime = bootstrap(f"sqlite:///{folder}/bench.db")
        upgrade_schema(runtime.database)
        load_demo(runtime, clock)
        result: dict[str, object] = {"repeat": args.repeat}
        for process_id in PROCESSES:
            paths = bundle_of(process_id)
            started = time.perf_counter()
            for _ in range(args.repeat):
                deploy_files(runtime, clock, paths, "petra", dry_run=True)
            deploy_ms = (time.perf_counter() - started) * 1000 / args.repeat
            with runtime.database.sessions() as session:
                validated = validate_bundle(session, read_paths(paths), clock.now())
            process = validated.processes[0]
            started = time.perf_counter()
            for _ in range(args.repeat):
                smoke_run(
                    process.parsed.filename,
                    process.parsed.spec_json,
                    process.outline,
                    process.forms,
                    clock.now(),
                )
            smoke_ms = (time.perf_counter() - started) * 1000 / args.repeat
            result[process_id] = {
                "dry_run_deploy_ms": round(deploy_ms, 1),
                "smoke_run_ms": round(smoke_ms, 1),
            }
            print(f"{process_id}: dry-run deploy {deploy_ms:.1f} ms, smoke run {smoke_ms:.1f} ms")
        started = time.perf_counter()
        refused = 0
        for path in sorted(FOREIGN.glob("*.bpmn")):
            try:
                deploy_files(runtime, clock, [path], "petra", dry_run=True)
            except ModelRejected as error:
                refused += len(error.problems)
        foreign_ms = (time.perf_counter() - started) * 1000
        result["foreign_models"] = {"problems": refused, "total_ms": round(foreign_ms, 1)}
        print(f"foreign models: {refused} problems in {foreign_ms:.1f} ms")
        runtime.database.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
