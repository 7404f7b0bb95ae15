"""Migration 0008_mail on a database whose outbox already holds mail queued before it: the
messages come through as queued and are delivered; incidents start empty."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from engine.clock import FixedClock
from engine.schema import migrating
from engine.schema import upgrade_schema
from engine.services.delivery import deliver_due
from engine.services.incident_actions import outbox_entries
from engine.services.incidents import list_incidents
from engine.services.mail_transport import FileTransport
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local


def test_r15_mail_queued_before_0008_is_delivered_after_the_upgrade(
    flows: Flows, tmp_path: Path
) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock)
    database = flows.runtime.database
    with migrating(database) as config:
        command.downgrade(config, "0007_serve")
    upgrade_schema(database)
    flows.runtime.database.engine.dispose()  # no connection keeps the old table shape
    [entry] = outbox_entries(flows.runtime)
    assert (entry.state, entry.attempts, entry.case) == ("queued", 0, case.id)
    assert list_incidents(flows.runtime) == []
    run = deliver_due(
        flows.runtime, flows.clock, "w1", transport=FileTransport(tmp_path),
        sender="s@region-demo.example", wall=FixedClock(local("2026-12-04 15:02")),
    )  # fmt: skip
    assert run.sent == (entry.id,)
    assert (tmp_path / f"{entry.id}.eml").is_file()
