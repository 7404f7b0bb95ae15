"""operator registers: local closing days per station or organisation, the R20 setting,
dated organisation settings (S6) and admin rosters (R8)

Revision ID: 0013_registers
Revises: 0012_workspace
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.model.base import UTCDateTime

revision = "0013_registers"
down_revision = "0012_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A closing day may now close one station or one organisation's stations, so the same
    # day may appear more than once: the unique day becomes an index.
    with op.batch_alter_table("closing_days", schema=None) as batch_op:
        batch_op.drop_constraint("uq_closing_days_day", type_="unique")
        batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_closing_days_station_id_card_stations", "card_stations", ["station_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_closing_days_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
        )
        batch_op.create_index("ix_closing_days_day", ["day"], unique=False)
    # R20 (helper `revoke` may add the same column: the coordinator keeps one of the two).
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allows_forgotten_card", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "organisation_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("setting", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_settings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_settings")),
    )
    op.create_index(
        "ix_organisation_settings_lookup",
        "organisation_settings",
        ["organisation_id", "setting", "effective_from"],
    )
    op.create_table(
        "admin_rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_admin_rosters_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["card_stations.id"],
            name=op.f("fk_admin_rosters_station_id_card_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_rosters")),
    )
    op.create_index("ix_admin_rosters_station_ends", "admin_rosters", ["station_id", "ends_at"])
    op.create_index("ix_admin_rosters_person_ends", "admin_rosters", ["person_id", "ends_at"])
    op.create_index("ix_admin_rosters_ends", "admin_rosters", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_admin_rosters_ends", table_name="admin_rosters")
    op.drop_index("ix_admin_rosters_person_ends", table_name="admin_rosters")
    op.drop_index("ix_admin_rosters_station_ends", table_name="admin_rosters")
    op.drop_table("admin_rosters")
    op.drop_index("ix_organisation_settings_lookup", table_name="organisation_settings")
    op.drop_table("organisation_settings")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("allows_forgotten_card")
    op.execute(
        "DELETE FROM closing_days WHERE station_id IS NOT NULL OR organisation_id IS NOT NULL"
    )
    with op.batch_alter_table("closing_days", schema=None) as batch_op:
        batch_op.drop_index("ix_closing_days_day")
        batch_op.drop_constraint("fk_closing_days_organisation_id_organisations", "foreignkey")
        batch_op.drop_constraint("fk_closing_days_station_id_card_stations", "foreignkey")
        batch_op.drop_column("organisation_id")
        batch_op.drop_column("station_id")
        batch_op.create_unique_constraint("uq_closing_days_day", ["day"])
