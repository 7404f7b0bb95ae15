"""The audit trail as a hash chain: `verify_audit_chain` finds a changed, deleted or inserted
row and names it, on SQLite and PostgreSQL (issue 10: audit you can prove)."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func
from sqlalchemy import select

from engine.database import Database
from engine.errors import Conflict
from engine.model import AuditEvent
from engine.schema import migrating
from engine.schema import upgrade_schema
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit_chain import AUDIT_RULE
from engine.services.audit_chain import require_intact_audit_chain
from engine.services.audit_chain import row_hash
from engine.services.audit_chain import verify_audit_chain
from tests.support.flows import Flows


def _issue_to_frida(flows: Flows) -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-25 14:30").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="national_id_card",
        card_number="RK000001",
        valid_until="2027-05-23",
    )
    return case.id


def _chain(database: Database) -> list[tuple[int, int | None]]:
    """(id, chain_seq) of every row, by id."""
    with database.engine.connect() as connection:
        query = select(AuditEvent.id, AuditEvent.chain_seq).order_by(AuditEvent.id)
        return [(row.id, row.chain_seq) for row in connection.execute(query)]


def _tamper(database: Database, sql: str, **params: object) -> None:
    """As the database's owner would: around the append-only triggers."""
    with database.engine.begin() as connection:
        if database.is_sqlite:
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"
            )
        connection.execute(sa.text(sql), params)


def _by_position(database: Database, seq: int) -> int:
    with database.engine.connect() as connection:
        row_id = connection.scalar(select(AuditEvent.id).where(AuditEvent.chain_seq == seq))
    assert isinstance(row_id, int)
    return row_id


def test_audit_chain_every_committed_row_has_its_place_and_the_chain_is_intact(
    flows: Flows,
) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    rows = _chain(database)
    assert rows and all(seq is not None for _, seq in rows)
    assert sorted(seq for _, seq in rows if seq is not None) == list(range(1, len(rows) + 1))
    verdict = require_intact_audit_chain(database)
    assert (verdict.intact, verdict.rows, verdict.head_seq) == (True, len(rows), len(rows))


def test_audit_chain_rows_written_before_a_read_are_chained_at_commit(flows: Flows) -> None:
    database = flows.runtime.database
    before = verify_audit_chain(database).rows
    with database.sessions() as session:
        context = AuditContext(actor="system")
        record(session, flows.clock, context, "first")
        # A read sends the waiting row out early (unchained); the commit chains it.
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        record(session, flows.clock, context, "second")
        session.commit()
    with database.engine.connect() as connection:
        actions = connection.execute(
            select(AuditEvent.action).order_by(AuditEvent.chain_seq.desc()).limit(2)
        ).scalars()
        assert list(actions) == ["second", "first"]
    assert verify_audit_chain(database).intact
    assert verify_audit_chain(database).rows == before + 2


def test_audit_chain_a_rolled_back_transaction_leaves_the_chain_as_it_was(flows: Flows) -> None:
    database = flows.runtime.database
    before = verify_audit_chain(database)
    with database.sessions() as session:
        record(session, flows.clock, AuditContext(actor="system"), "dropped")
        session.execute(select(1))  # written early, then rolled back
        session.rollback()
    after = verify_audit_chain(database)
    assert after.intact and (after.rows, after.head_hash) == (before.rows, before.head_hash)


def test_audit_chain_a_changed_row_is_found_and_named(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    target = _by_position(database, 3)
    _tamper(database, "UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=target)
    assert verify_audit_chain(database).broken_row_id == target
    with pytest.raises(Conflict) as broken:
        require_intact_audit_chain(database)
    assert broken.value.rule == AUDIT_RULE
    assert f"row {target}" in broken.value.message and "changed" in broken.value.message


def test_audit_chain_a_changed_row_with_a_recomputed_hash_breaks_the_next_row(
    flows: Flows,
) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    target, following = _by_position(database, 2), _by_position(database, 3)
    with database.engine.connect() as connection:
        row = connection.execute(select(AuditEvent).where(AuditEvent.id == target)).mappings()
        values = dict(row.one())
        first_hash = connection.scalar(
            select(AuditEvent.chain_hash).where(AuditEvent.chain_seq == 1)
        )
    values["message"] = "nothing happened"
    forged = row_hash(str(first_hash), 2, values)
    _tamper(
        database,
        "UPDATE audit_events SET message = :message, chain_hash = :hash WHERE id = :id",
        message="nothing happened",
        hash=forged,
        id=target,
    )
    verdict = verify_audit_chain(database)
    assert (verdict.intact, verdict.broken_row_id) == (False, following)


def test_audit_chain_a_deleted_row_is_found_at_the_row_after_it(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    deleted, following = _by_position(database, 4), _by_position(database, 5)
    _tamper(database, "DELETE FROM audit_events WHERE id = :id", id=deleted)
    verdict = verify_audit_chain(database)
    assert (verdict.intact, verdict.broken_row_id) == (False, following)
    assert "missing" in verdict.problem


def test_audit_chain_deleting_the_last_rows_is_found_by_the_head(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    last = verify_audit_chain(database).rows
    _tamper(database, "DELETE FROM audit_events WHERE chain_seq = :seq", seq=last)
    verdict = verify_audit_chain(database)
    assert (verdict.intact, verdict.broken_row_id) == (False, _by_position(database, last - 1))
    assert f"after position {last - 1}" in verdict.problem


def test_audit_chain_a_row_inserted_outside_sithsflow_is_found_and_named(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    with database.engine.begin() as connection:
        forged = connection.execute(
            sa.insert(AuditEvent).returning(AuditEvent.id),
            {
                "at_utc": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
                "at_local": "2026-11-24T10:00:00+01:00",
                "actor": "bertil",
                "action": "complete",
                "clock_source": "set",
            },
        ).scalar_one()
    verdict = verify_audit_chain(database)
    assert (verdict.intact, verdict.broken_row_id) == (False, forged)
    assert "not in the chain" in verdict.problem


def test_audit_chain_a_row_appended_past_the_head_is_found(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    head = verify_audit_chain(database)
    values = {
        "at_utc": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        "at_local": "2026-11-26T10:00:00+01:00",
        "actor": "bertil",
        "action": "complete",
        "clock_source": "set",
        "message": "",
        "policy_version": "",
        "calendar_version": "",
        "details_json": "{}",
    }
    seq = head.rows + 1
    values["chain_seq"], values["chain_hash"] = seq, row_hash(head.head_hash, seq, values)
    with database.engine.begin() as connection:
        forged = connection.execute(
            sa.insert(AuditEvent).returning(AuditEvent.id), values
        ).scalar_one()
    verdict = verify_audit_chain(database)
    assert (verdict.intact, verdict.broken_row_id) == (False, forged)


def test_audit_chain_stays_linear_under_concurrent_writers(flows: Flows) -> None:
    database = flows.runtime.database
    before = verify_audit_chain(database).rows
    writers, transactions = 4, 15
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for n in range(transactions):
                with database.sessions() as session:
                    context = AuditContext(actor=f"writer{writer}")
                    record(session, flows.clock, context, "concurrent", message=str(n))
                    if n % 2:
                        session.execute(select(1))  # some rows go out early
                    record(session, flows.clock, context, "concurrent", message=f"{n}b")
                    session.commit()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    verdict = verify_audit_chain(database)
    assert verdict.intact, verdict
    assert verdict.rows == before + writers * transactions * 2


def test_audit_chain_migration_0011_chains_the_rows_written_before_it(flows: Flows) -> None:
    _issue_to_frida(flows)
    database = flows.runtime.database
    count = len(_chain(database))
    with migrating(database) as config:
        command.downgrade(config, "0010_access")
    upgrade_schema(database)
    assert [seq for _, seq in _chain(database)] == list(range(1, count + 1))
    assert verify_audit_chain(database).intact
    _issue_to_frida_again = flows.at("2026-11-26 10:00").start_loa3("anna", holder="erik")
    assert _issue_to_frida_again.id
    assert verify_audit_chain(database).intact
