"""Benchmark: the R18 pass the timer sweep runs every minute, over many certificates.

Builds N issued cards with one certificate each (a twentieth of them renewed once, so the
"newest certificate" test has work), spread over a year of expiries, on SQLite (a file in
a temporary folder) or `--db`. Times `send_expiry_reminders` when nothing is due (the
minute-by-minute cost) and on the day a thirtieth of the certificates enter their last 30
days. The last line is one JSON object.

    .venv/bin/python bench/expiry_reminders.py [--certificates N] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import Certificate  # noqa: E402
from engine.model import Organisation  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.model import ReserveCard  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.expiry_reminders import send_expiry_reminders  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402

START = datetime(2026, 1, 1, 12, 0, tzinfo=STOCKHOLM)


def build(url: str, count: int) -> None:
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    load_demo(runtime, FixedClock(START))
    with runtime.database.sessions() as session:
        region = session.scalars(select(Organisation).where(Organisation.code == "region-demo"))
        org_id = region.one().id
        holder = session.scalars(select(Person).where(Person.username == "frida")).one().id
        admin = session.scalars(select(Person).where(Person.username == "bertil")).one().id
        cards, certificates = [], []
        for n in range(count):
            number = f"BK{n:07d}"
            cards.append(
                {
                    "number": number, "organisation_id": org_id, "produced_on": START.date(),
                    "state": "issued", "holder_id": holder, "loa": 3, "issued_at": START,
                }
            )  # fmt: skip
            until = START + timedelta(days=40 + n % 365, minutes=n % 1440)
            kinds = [("issue", START, until)]
            if n % 20 == 0:
                kinds.append(("renewal", until - timedelta(days=20), until + timedelta(days=90)))
            for kind, valid_from, valid_until in kinds:
                certificates.append(
                    {
                        "card_number": number, "holder_id": holder, "loa": 3, "kind": kind,
                        "valid_from": valid_from, "valid_until": valid_until,
                        "issued_by_id": admin, "valid_for_national_systems": True,
                        "ceiling_rule": "R9", "policy_version": "bench",
                    }
                )  # fmt: skip
        session.execute(insert(ReserveCard), cards)
        session.execute(insert(Certificate), certificates)
        session.commit()
    runtime.database.dispose()


def timed(url: str, at: datetime) -> tuple[float, int]:
    runtime = bootstrap(url)
    began = time.perf_counter()
    sent = send_expiry_reminders(runtime, FixedClock(at))
    elapsed = time.perf_counter() - began
    runtime.database.dispose()
    return elapsed, len(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certificates", type=int, default=20_000)
    parser.add_argument("--db")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/bench.db"
        build(url, args.certificates)
        # Nothing due yet: every expiry is 40 days or more after START.
        idle = [timed(url, START + timedelta(minutes=m)) for m in range(5)]
        # 30 days on, the certificates expiring in days 40..70 enter their last 30 days.
        busy_s, busy_n = timed(url, START + timedelta(days=40))
        # The minute after: all sent, nothing again.
        after_s, after_n = timed(url, START + timedelta(days=40, minutes=1))
    idle_ms = sorted(s * 1000 for s, _ in idle)[len(idle) // 2]
    print(f"{args.certificates} certificates on {url.split(':')[0]}")
    print(f"idle pass (nothing due), median of 5: {idle_ms:.1f} ms")
    print(f"day-40 pass: {busy_n} reminders in {busy_s * 1000:.0f} ms")
    print(f"next minute: {after_n} reminders in {after_s * 1000:.1f} ms")
    result = {
        "certificates": args.certificates,
        "idle_ms": round(idle_ms, 1),
        "busy_reminders": busy_n,
        "busy_ms": round(busy_s * 1000),
        "after_ms": round(after_s * 1000, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
