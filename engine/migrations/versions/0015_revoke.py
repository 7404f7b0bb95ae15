"""the revocation register (R19), certificates' revocation instant, and the organisation
setting for forgotten-card temporary cards (R20)

Revision ID: 0015_revoke
Revises: 0014_onsite
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_revoke"
down_revision = "0014_onsite"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_revocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("loa", sa.Integer(), nullable=True),
        sa.Column("add_ons_to_end", sa.String(length=200), nullable=False),
        sa.Column("ended_cases", sa.String(length=500), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_number"],
            ["reserve_cards.number"],
            name=op.f("fk_card_revocations_card_number_reserve_cards"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["people.id"], name=op.f("fk_card_revocations_holder_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_card_revocations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["people.id"], name=op.f("fk_card_revocations_revoked_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_card_revocations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_revocations")),
    )
    with op.batch_alter_table("card_revocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_card_revocations_card_number"), ["card_number"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_card_revocations_holder_id"), ["holder_id"])
        batch_op.create_index(batch_op.f("ix_card_revocations_revoked_at"), ["revoked_at"])
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    # R20: an attester's task is theirs alone (engine.services.may_work).
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_tasks_assignee_id_people"), "people", ["assignee_id"], ["id"]
        )
    # R20's organisations.allows_forgotten_card comes with the registers (0013_registers).


def downgrade() -> None:
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_tasks_assignee_id_people"), type_="foreignkey")
        batch_op.drop_column("assignee_id")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("card_revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_revocations_revoked_at"))
        batch_op.drop_index(batch_op.f("ix_card_revocations_holder_id"))
        batch_op.drop_index(batch_op.f("ix_card_revocations_card_number"))
    op.drop_table("card_revocations")
