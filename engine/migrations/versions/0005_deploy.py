"""process ownership: forms stored with each process version, the active version and
suspension per process (issue 9: S1, versions, rollback, suspend)

Revision ID: 0005_deploy
Revises: 0004

Existing versions get the forms that were in forms/ when this migration ran (that is what
they rendered until now), and each process gets its newest version as the active one.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0005_deploy"
down_revision = "0004"
branch_labels = None
depends_on = None

FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"


def _bundled_forms(process_id: str) -> str:
    forms = {}
    for path in sorted(FORMS_DIR.glob(f"{process_id}.*.json")):
        form_id = path.name.removesuffix(".json").rpartition(".")[2]
        forms[form_id] = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps(forms, ensure_ascii=False)


def upgrade() -> None:
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forms_json", sa.Text(), nullable=False, server_default="{}")
        )
    op.create_table(
        "process_definitions",
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("active_version", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_process_definitions")),
    )
    connection = op.get_bind()
    newest = connection.execute(
        sa.text("SELECT process_id, MAX(version) FROM process_versions GROUP BY process_id")
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    for process_id, version in newest:
        connection.execute(
            sa.text("UPDATE process_versions SET forms_json = :forms WHERE process_id = :pid"),
            {"forms": _bundled_forms(process_id), "pid": process_id},
        )
        connection.execute(
            sa.text(
                "INSERT INTO process_definitions "
                "(process_id, active_version, suspended, changed_at, changed_by) "
                "VALUES (:pid, :version, :suspended, :now, 'migration')"
            ),
            {"pid": process_id, "version": version, "suspended": False, "now": now},
        )


def downgrade() -> None:
    op.drop_table("process_definitions")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of process_versions would break the
    # foreign keys of the cases that pin their versions.
    op.drop_column("process_versions", "forms_json")
