"""access: server-side web sessions, API token expiry

Revision ID: 0010_access
Revises: 0009_reportjobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_access"
down_revision = "0009_reportjobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A signed-in browser holds a random session id; only its SHA-256 is stored here, tied
    # to the person's id (never the name), so that logout, a password change or reset and
    # deactivation end it by deleting the row (engine.services.sessions).
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_web_sessions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_person_id"), ["person_id"], unique=False)
    # Tokens issued before this revision have none: they expire a default term after
    # their creation (engine.services.tokens).
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_person_id"))
    op.drop_table("web_sessions")
