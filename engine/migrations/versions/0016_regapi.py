"""one open case per subject: a card's LoA3 renewal (R9, R4), an employment's end (R19)

`cases.subject` names what a process may have only one open case about at a time
("card:RK000020" for `loa3-renewal`, "employment:42" for `employment-end`); a partial
unique index over open cases makes the database refuse a second one even when two starts
race (engine.services.subjects). Existing open cases get their subject from their data;
should two open cases already share one, the later keeps none (it still runs; only new
starts are refused).

Revision ID: 0016_regapi
Revises: 0015_revoke
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0016_regapi"
down_revision = "0015_revoke"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_subject"), ["subject"])
    _fill_subjects()
    op.create_index(
        "ux_cases_open_subject",
        "cases",
        ["process_id", "subject"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ux_cases_open_subject", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_subject"))
        batch_op.drop_column("subject")


def _fill_subjects() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, process_id, holder_id, data_json FROM cases "
            "WHERE state = 'open' AND process_id IN ('loa3-renewal', 'employment-end') "
            "ORDER BY id"
        )
    ).all()
    taken: set[tuple[str, str]] = set()
    for case_id, process_id, holder_id, data_json in rows:
        data = json.loads(data_json or "{}")
        subject = None
        if process_id == "loa3-renewal" and data.get("card_number"):
            subject = f"card:{data['card_number']}"
        elif process_id == "employment-end" and holder_id is not None:
            subject = _employment_subject(bind, holder_id, data)
        if subject is None or (process_id, subject) in taken:
            continue
        taken.add((process_id, subject))
        bind.execute(
            sa.text("UPDATE cases SET subject = :subject WHERE id = :id"),
            {"subject": subject, "id": case_id},
        )


def _employment_subject(
    bind: sa.engine.Connection, holder_id: int, data: dict[str, str]
) -> str | None:
    """The employment the case ended: the holder's in its organisation ending on `ends_on`."""
    try:
        ends_on = date.fromisoformat(str(data.get("ends_on", "")))
    except ValueError:
        return None
    found = bind.execute(
        sa.text(
            "SELECT e.id FROM employments e JOIN organisations o ON o.id = e.organisation_id "
            "WHERE e.person_id = :holder AND o.code = :code AND e.end_date = :ends_on "
            "ORDER BY e.id"
        ),
        {
            "holder": holder_id,
            "code": data.get("organisation", ""),
            "ends_on": ends_on,
        },
    ).first()
    return f"employment:{found[0]}" if found else None
