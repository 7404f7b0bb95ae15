"""queues and lists answered by the database: partial indexes on ready tasks, the case
list's keyset order, and person search (a trigram index on PostgreSQL)

Revision ID: 0006_queues
Revises: 0005_deploy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_queues"
down_revision = "0005_deploy"
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")
# name -> columns, each over ready tasks only (engine.services.may_work).
READY_TASK_INDEXES = {
    "ix_case_tasks_ready_lane": ["lane", "created_at", "id"],
    "ix_case_tasks_ready_lane_organisation": ["lane", "organisation_id", "created_at", "id"],
    "ix_case_tasks_ready_created": ["created_at", "id"],
    "ix_case_tasks_ready_claimed_by": ["claimed_by_id", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in READY_TASK_INDEXES.items():
        op.create_index(
            name, "case_tasks", columns, postgresql_where=READY, sqlite_where=READY
        )
    op.create_index("ix_cases_state_id", "cases", ["state", "id"])
    op.create_index("ix_people_display_name_id", "people", ["display_name", "id"])
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_people_display_name_trgm ON people "
            "USING gin (lower(display_name) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_people_display_name_trgm")
    op.drop_index("ix_people_display_name_id", table_name="people")
    op.drop_index("ix_cases_state_id", table_name="cases")
    for name in READY_TASK_INDEXES:
        op.drop_index(name, table_name="case_tasks")
