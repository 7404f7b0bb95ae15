"""report jobs: long reports run in the background with their progress and PDF in a row

Revision ID: 0009_reportjobs
Revises: 0008_mail
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009_reportjobs"
down_revision = "0008_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("report", sa.String(length=40), nullable=False),
        sa.Column("parameters_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("progress_rows", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_jobs")),
    )
    op.create_index(op.f("ix_report_jobs_state"), "report_jobs", ["state"])
    op.create_index("ix_report_jobs_username_id", "report_jobs", ["username", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_jobs_username_id", table_name="report_jobs")
    op.drop_index(op.f("ix_report_jobs_state"), table_name="report_jobs")
    op.drop_table("report_jobs")
