"""the audit hash chain: chain_seq and chain_hash on every audit row, the chain head, and
the existing rows chained in id order

Revision ID: 0011_sandbox
Revises: 0010_access
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.services.audit_chain import GENESIS_HASH
from engine.services.audit_chain import HASHED_COLUMNS
from engine.services.audit_chain import HEAD_ID
from engine.services.audit_chain import row_hash

revision = "0011_sandbox"
down_revision = "0010_access"
branch_labels = None
depends_on = None

AUDIT_IMMUTABLE = "audit_events is append-only"
_BATCH_ROWS = 5_000
# Every column but the chain's: an update may fill the chain once and change nothing else.
_FIXED_COLUMNS = ("id", *HASHED_COLUMNS)


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("chain_seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_events", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_events_chain_seq", "audit_events", ["chain_seq"], unique=True)
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    _drop_append_only()
    seq, last_hash = _chain_existing_rows()
    op.bulk_insert(head, [{"id": HEAD_ID, "seq": seq, "hash": last_hash}])
    _make_append_only_but_chainable()


def _chain_existing_rows() -> tuple[int, str]:
    """Chain the rows written before the chain existed, in id order (their commit order is
    not known any more); one UPDATE per batch."""
    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("chain_seq", sa.BigInteger()),
        sa.column("chain_hash", sa.String()),
        *(sa.column(name, sa.DateTime() if name == "at_utc" else None) for name in HASHED_COLUMNS),
    )
    fill = (
        events.update()
        .where(events.c.id == sa.bindparam("row_id"))
        .values(chain_seq=sa.bindparam("seq"), chain_hash=sa.bindparam("hash"))
    )
    seq, previous, after = 0, GENESIS_HASH, 0
    while True:
        query = sa.select(events.c.id, *(events.c[name] for name in HASHED_COLUMNS))
        batch = bind.execute(
            query.where(events.c.id > after).order_by(events.c.id).limit(_BATCH_ROWS)
        ).mappings()
        updates: list[dict[str, Any]] = []
        for row in batch:
            seq += 1
            values = dict(row)
            values["at_utc"] = values["at_utc"].replace(tzinfo=UTC)  # as UTCDateTime gives it
            previous = row_hash(previous, seq, values)
            updates.append({"row_id": row["id"], "seq": seq, "hash": previous})
        if not updates:
            return seq, previous
        bind.execute(fill, updates)
        after = updates[-1]["row_id"]


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_immutable()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")


def _make_append_only_but_chainable() -> None:
    """As 0001 made it, except that an unchained row's chain columns may be filled once (a
    row written early in a transaction is chained when the transaction commits)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL "
            "AND (to_jsonb(NEW) - 'chain_seq' - 'chain_hash') "
            "= (to_jsonb(OLD) - 'chain_seq' - 'chain_hash') THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{AUDIT_IMMUTABLE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_immutable()"
        )
        return
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _FIXED_COLUMNS)
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        f"WHEN NOT (OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL AND {unchanged}) "
        f"BEGIN SELECT RAISE(ABORT, '{AUDIT_IMMUTABLE}'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        f"BEGIN SELECT RAISE(ABORT, '{AUDIT_IMMUTABLE}'); END"
    )


def _make_append_only() -> None:
    """0001's triggers, for a downgrade."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{AUDIT_IMMUTABLE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_immutable()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{AUDIT_IMMUTABLE}'); END"
        )


def downgrade() -> None:
    _drop_append_only()
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_events_chain_seq", table_name="audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_seq")
    _make_append_only()
