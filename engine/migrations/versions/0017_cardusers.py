"""indexes for card users and attesters (R20): the tasks assigned to one person (their
queue, the cases they attest) and the cases a person started (the cases they read, S2)

Revision ID: 0017_cardusers
Revises: 0016_regapi
"""

from __future__ import annotations

from alembic import op

revision = "0017_cardusers"
down_revision = "0016_regapi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_tasks_assignee", "case_tasks", ["assignee_id", "case_id"])
    op.create_index("ix_cases_started_by", "cases", ["started_by_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_started_by", table_name="cases")
    op.drop_index("ix_case_tasks_assignee", table_name="case_tasks")
