"""worker heartbeats: one row per `sithsflow worker`, rewritten every sweep (/readyz)

Revision ID: 0007_serve
Revises: 0006_queues
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007_serve"
down_revision = "0006_queues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("sweep_seconds", sa.Integer(), nullable=False),
        sa.Column("clock_source", sa.String(length=16), nullable=False),
        sa.Column("clock_at", sa.DateTime(), nullable=False),
        sa.Column("sweeps", sa.Integer(), nullable=False),
        sa.Column("last_fired", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_heartbeats")),
    )
    op.create_index(
        op.f("ix_worker_heartbeats_beat_at"), "worker_heartbeats", ["beat_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_heartbeats_beat_at"), table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
