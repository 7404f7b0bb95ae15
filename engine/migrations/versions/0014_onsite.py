"""R18: when the holder was warned that a certificate expires within 30 days

Revision ID: 0014_onsite
Revises: 0013_registers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_onsite"
down_revision = "0013_registers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("expiry_reminded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("expiry_reminded_at")
