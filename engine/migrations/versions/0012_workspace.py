"""the process owner's workspace: one draft per process per owner, and the simulation
scenarios each owner keeps per process (issue 13)

Revision ID: 0012_workspace
Revises: 0011_sandbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_workspace"
down_revision = "0011_sandbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("based_on_version", sa.Integer(), nullable=False),
        sa.Column("files_json", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_process_drafts_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_drafts")),
        sa.UniqueConstraint(
            "process_id", "owner_id", name=op.f("uq_process_drafts_process_id")
        ),
    )
    op.create_table(
        "process_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("workers_act", sa.Boolean(), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_process_scenarios_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_scenarios")),
        sa.UniqueConstraint(
            "process_id", "owner_id", "name", name=op.f("uq_process_scenarios_process_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("process_scenarios")
    op.drop_table("process_drafts")
