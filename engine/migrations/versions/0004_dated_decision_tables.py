"""dated decision tables (S6): effective_from on decision_versions

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The first version of a table judges everything before it: nothing else existed.
BEGINNING = "2000-01-01 00:00:00"


def upgrade() -> None:
    with op.batch_alter_table("decision_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("effective_from", sa.DateTime(), nullable=True),
        )
    op.execute(
        "UPDATE decision_versions SET effective_from = deployed_at WHERE version > 1"
    )
    op.execute(
        f"UPDATE decision_versions SET effective_from = '{BEGINNING}' WHERE version = 1"
    )
    with op.batch_alter_table("decision_versions", schema=None) as batch_op:
        batch_op.alter_column("effective_from", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            "ix_decision_versions_in_force", ["decision_id", "effective_from"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_versions_in_force")
        batch_op.drop_column("effective_from")
