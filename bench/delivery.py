"""Benchmark: the outbox delivered to a real SMTP server (aiosmtpd) by 1, 2 and 4 workers.

Starts a throwaway PostgreSQL cluster (tests/support/postgres_cluster.py), or uses `--db`.
Queues N messages on one real remote LoA2 case, then for 1, 2 and 4 workers (threads,
each with its own engine and pool, as processes would have) resets them to queued and runs
`deliver_due` in each at once. Prints messages per second, the SQL statements per message
and how many messages the server got twice or never. The last line is one JSON object.

    .venv/bin/python bench/delivery.py [--messages N] [--db postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import update  # noqa: E402

from engine.clock import FixedClock  # noqa: E402
from engine.model import OutboxMessage  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.schema import upgrade_schema  # noqa: E402
from engine.services import cases  # noqa: E402
from engine.services.delivery import deliver_due  # noqa: E402
from engine.services.demo import load_demo  # noqa: E402
from engine.services.mail_transport import MailSettings  # noqa: E402
from engine.services.runtime import bootstrap  # noqa: E402
from tests.support.postgres_cluster import PostgresCluster  # noqa: E402
from tests.support.smtp import smtp_server  # noqa: E402

ORDERED_AT = datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM)
SENDER = "sithsflow@region-demo.example"


def queue(url: str, count: int) -> None:
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    clock = FixedClock(ORDERED_AT)
    load_demo(runtime, clock)
    started = cases.start_case(
        runtime, clock, "loa2-remote-order", "david", {"holder": "erik", "reason": "bench"}
    )
    rows = [
        {
            "to_address": f"user{n}@region-demo.example",
            "subject": f"Påminnelse {n}",
            "body": "Certifikatet går ut snart (R15).",
            "case_id": started.id,
            "created_at": ORDERED_AT,
        }
        for n in range(count)
    ]
    with runtime.database.sessions() as session:
        session.execute(delete(OutboxMessage))
        session.execute(insert(OutboxMessage), rows)
        session.commit()
    runtime.database.dispose()


def reset(url: str) -> None:
    runtime = bootstrap(url)
    with runtime.database.sessions() as session:
        session.execute(
            update(OutboxMessage).values(
                sent_at=None, attempts=0, claimed_by=None, lease_until=None, next_attempt_at=None
            )
        )
        session.commit()
    runtime.database.dispose()


def run(url: str, workers: int, port: int) -> dict[str, Any]:
    settings = MailSettings.from_url(f"smtp://127.0.0.1:{port}", SENDER)
    statements = Counter[str]()

    def work(name: str) -> int:
        runtime = bootstrap(url)
        event.listen(
            runtime.database.engine,
            "before_cursor_execute",
            lambda *args: statements.update([name]),
        )
        try:
            done = deliver_due(
                runtime, FixedClock(ORDERED_AT), name, transport=settings.transport(),
                sender=SENDER,
            )  # fmt: skip
            return len(done.sent)
        finally:
            runtime.database.dispose()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = sum(pool.map(work, [f"w{n}" for n in range(workers)]))
    seconds = time.perf_counter() - began
    return {"workers": workers, "sent": sent, "seconds": round(seconds, 2),
            "per_second": round(sent / seconds, 1),
            "statements_per_message": round(sum(statements.values()) / max(sent, 1), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--db")
    args = parser.parse_args()
    cluster = None
    url = args.db
    if url is None:
        cluster = PostgresCluster.start()
        url = cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}")
    try:
        queue(url, args.messages)
        results = []
        for workers in (1, 2, 4):
            reset(url)
            with smtp_server() as (mailbox, port):
                result = run(url, workers, port)
                got = Counter(str(m["X-Sithsflow-Outbox-Id"]) for m in mailbox.received())
            result["duplicates"] = sum(n - 1 for n in got.values() if n > 1)
            result["missing"] = args.messages - len(got)
            print(result, flush=True)
            results.append(result)
        print(json.dumps({"messages": args.messages, "runs": results}))
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
