"""Migration 0005_deploy on a database that already has cases: every version gets the forms
it rendered until now, and each process its newest version as the active one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from engine.database import create_database
from engine.schema import SchemaIntegrityError
from engine.schema import migrating
from engine.schema import upgrade_schema
from engine.services.deploy import versions
from tests.support.flows import Flows


def test_r23_upgrading_to_0005_keeps_open_cases_working_with_their_forms(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    database = flows.runtime.database
    with migrating(database) as config:
        command.downgrade(config, "0004")
    upgrade_schema(database)
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT process_id, forms_json FROM process_versions ORDER BY process_id")
        ).all()
    forms = {process_id: set(json.loads(text)) for process_id, text in rows}
    assert forms == {
        "employment-end": {"start", "register_return"},
        "forgotten-card": {"start", "attest"},
        "loa2-onsite": {"start", "request_renewal", "renew_loa2"},
        "loa2-remote-order": {"start", "issue_loa2", "request_renewal", "renew_loa2"},
        "loa3-renewal": {"start", "renew_loa3"},
        "loa3-reserve": {"start", "second_verification"},
        "ordinary-card": {"start", "mail_card", "activate"},
    }
    listed = versions.list_processes(flows.runtime)
    assert [(p.id, p.active_version, p.suspended) for p in listed] == [
        (process, 1, False) for process in sorted(forms)
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


def test_a_sqlite_migration_that_leaves_a_missing_reference_is_rolled_back(tmp_path: Path) -> None:
    """Foreign keys are off while SQLite migrates (batch mode copies tables); the check at
    the end refuses to commit rows that point at nothing, and enforcement is on again."""
    database = create_database(f"sqlite:///{tmp_path / 'broken.db'}")
    try:
        upgrade_schema(database)
        with pytest.raises(SchemaIntegrityError, match="employments"):
            with migrating(database) as config:
                config.attributes["connection"].exec_driver_sql(
                    "INSERT INTO employments (person_id, organisation_id, title, start_date) "
                    "VALUES (999999, 999999, '', '2026-01-01')"
                )
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM employments").scalar() == 0
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()
