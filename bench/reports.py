"""Benchmark: print every row of long reports (target: 20,000 rows < 30 s, < 500 MB).

Generates certificates and audit rows into a temporary SQLite database with bulk inserts
(the demo region underneath): `--rows` audit rows on one card and 4/3 x `--rows`
certificates, three quarters of them LoA2, so that the LoA2 compliance report and the
audit extract print `--rows` rows each and the issuance register a third more. Each
report is rendered in a child process so that its peak resident memory (ru_maxrss) is its
own. Prints one line per report and a final JSON line.

    .venv/bin/python bench/reports.py                  # 20,000 printed rows per report
    .venv/bin/python bench/reports.py --rows 100000    # the 100,000-event scale of issue 4
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import AuditEvent  # noqa: E402
from engine.model import Certificate  # noqa: E402
from engine.model import Organisation  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.model import ReserveCard  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402

BATCH_ROWS = 5000
CERTIFICATES_PER_CARD = 3
HOLDERS = 2000
START = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
SPAN_DAYS = 540
AUDIT_CARD = "BENCH0000001"
NOW = "2026-12-01T12:00:00+01:00"
RUNS = [
    ("issuance", ["--from", "2025-06-01", "--to", "2026-12-31"]),
    ("loa2-compliance", ["--from", "2025-06-01", "--to", "2026-12-31"]),
    ("audit", ["--card", AUDIT_CARD]),
]


def _batches(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + BATCH_ROWS] for i in range(0, len(rows), BATCH_ROWS)]


def generate(url: str, rows: int) -> dict[str, int]:
    """Demo region plus certificates and audit rows for `rows` printed rows, in batches."""
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    load_demo(runtime, FixedClock(datetime(2024, 1, 1, 8, tzinfo=UTC)))
    certificates = rows * 4 // 3
    audits = rows
    cards = max(1, certificates // CERTIFICATES_PER_CARD)
    with runtime.database.sessions() as session:
        staff = {p.username: p.id for p in session.scalars(select(Person))}
        region = session.scalars(select(Organisation).where(Organisation.parent_id.is_(None))).one()
        first_holder = 100_000
        session.execute(
            insert(Person),
            [
                {
                    "id": first_holder + n,
                    "display_name": f"Bänk Användare {n}",
                    "identity_number": None,
                }
                for n in range(HOLDERS)
            ],
        )
        card_rows = []
        cert_rows = []
        minutes = SPAN_DAYS * 24 * 60
        for c in range(cards):
            loa = 3 if c % 4 == 0 else 2
            holder = first_holder + c % HOLDERS
            number = f"BENCH{c + 1:07d}"
            issued = START + timedelta(minutes=(c * 7919) % minutes)
            card_rows.append(
                {"number": number, "organisation_id": region.id, "produced_on": date(2024, 1, 1),
                 "state": "issued", "holder_id": holder, "loa": loa, "issued_at": issued}
            )  # fmt: skip
            for k in range(CERTIFICATES_PER_CARD):
                if len(cert_rows) >= certificates:
                    break
                frm = issued + timedelta(days=14 * k)
                until = frm + (timedelta(days=14) if loa == 2 else timedelta(days=180))
                cert_rows.append(
                    {"card_number": number, "holder_id": holder, "loa": loa,
                     "kind": "issue" if k == 0 else "renewal", "valid_from": frm,
                     "valid_until": until, "issued_by_id": staff["sara" if loa == 2 else "bertil"],
                     "first_admin_id": staff["anna"] if loa == 3 and k == 0 else None,
                     "valid_for_national_systems": True, "ceiling_rule": "R11",
                     "policy_version": "bench"}
                )  # fmt: skip
        for batch in _batches(card_rows):
            session.execute(insert(ReserveCard), batch)
        for batch in _batches(cert_rows):
            session.execute(insert(Certificate), batch)
        audit_rows = [
            {"at_utc": START + timedelta(minutes=n), "at_local": (START + timedelta(minutes=n))
             .isoformat(), "actor": "sara", "role": "service_desk", "action": "complete",
             "card_number": AUDIT_CARD, "task_name": "renew_loa2", "rule": "R11",
             "message": "Giltig till … (R11)", "process_version": "loa2-remote-order@1",
             "policy_version": "rules-2026.11; validity-limits@1",
             "calendar_version": "holidays-0.109+local-none", "clock_source": "system",
             "details_json": '{"fields": {"valid_until": "2026-01-01"}}'}
            for n in range(audits)
        ]  # fmt: skip
        for batch in _batches(audit_rows):
            session.execute(insert(AuditEvent), batch)
        session.commit()
    runtime.database.dispose()
    return {"certificates": len(cert_rows), "audit_rows": audits, "cards": cards}


def render_one(url: str, name: str, args: list[str], out: Path) -> None:
    """Child process: render one report and print its time and peak memory as JSON."""
    from pypdf import PdfReader

    from reports import ReportRequest
    from reports import generate_report

    options: dict[str, Any] = {}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    options["first"] = pairs.get("--from")
    options["last"] = pairs.get("--to")
    options["card"] = pairs.get("--card")
    runtime = bootstrap(url)
    request = ReportRequest.parse(name, out=out, **options)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    read = 0

    def watch(progress: Any) -> None:
        nonlocal read
        read = progress.rows_read

    generate_report(
        runtime,
        FixedClock(datetime.fromisoformat(NOW)),
        request,
        progress=lambda message: print(message, file=sys.stderr),
        watch=watch,
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time besides wall time: on a shared machine the wall clock also counts waiting.
    cpu_seconds = usage.ru_utime + usage.ru_stime - cpu_before
    peak_mb = usage.ru_maxrss / 1024
    pages = len(PdfReader(out).pages)
    print(json.dumps({"report": name, "rows": read, "seconds": round(seconds, 2),
                      "cpu_seconds": round(cpu_seconds, 2),
                      "peak_rss_mb": round(peak_mb), "pages": pages,
                      "pdf_kb": out.stat().st_size // 1024}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--only", choices=[name for name, _ in RUNS], default=None)
    parser.add_argument("--render", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.render:
        render_one(options.db, options.render, options.rest, Path(options.out))
        return
    with tempfile.TemporaryDirectory(prefix="sithsflow-bench-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        counts = generate(url, options.rows)
        generated = time.perf_counter() - started
        print(f"generated data for {options.rows:,} rows in {generated:.1f} s: {counts}")
        results = []
        for name, args in RUNS:
            if options.only and name != options.only:
                continue
            command = [sys.executable, __file__, "--render", name, "--db", url,
                       "--out", f"{folder}/{name}.pdf", "--", *args]  # fmt: skip
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            result = json.loads(child.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"{name:16s} {result['rows']:7,d} rows {result['seconds']:7.2f} s "
                  f"(CPU {result['cpu_seconds']:6.2f} s)  "
                  f"peak {result['peak_rss_mb']:5d} MB  {result['pages']:5d} pages  "
                  f"{result['pdf_kb']} KB PDF")  # fmt: skip
        print(json.dumps({"rows": options.rows, **counts,
                          "generate_seconds": round(generated, 1), "reports": results}))  # fmt: skip


if __name__ == "__main__":
    main()
