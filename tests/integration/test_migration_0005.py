"""Migration 0005_deploy on a database that already has cases: every version gets the forms
it rendered until now, and each process its newest version as the active one."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command

from engine.schema import alembic_config
from engine.schema import upgrade_schema
from engine.services.deploy import versions
from tests.support.flows import Flows


def test_r23_upgrading_to_0005_keeps_open_cases_working_with_their_forms(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    database = flows.runtime.database
    config = alembic_config(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    upgrade_schema(database)
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT process_id, forms_json FROM process_versions ORDER BY process_id")
        ).all()
    forms = {process_id: set(json.loads(text)) for process_id, text in rows}
    assert forms == {
        "loa2-remote-order": {"start", "issue_loa2", "request_renewal", "renew_loa2"},
        "loa3-reserve": {"start", "second_verification"},
    }
    listed = versions.list_processes(flows.runtime)
    assert [(p.id, p.active_version, p.suspended) for p in listed] == [
        ("loa2-remote-order", 1, False),
        ("loa3-reserve", 1, False),
    ]
    done = flows.complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-23",
    )
    assert done.state == "completed"
