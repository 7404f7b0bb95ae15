"""Who checked which ID document in a case, read from the audit trail (R6).

Both LoA3 administrators enter an `id_document`; the case data keeps each under its own key
since issue 11, but the audit row of each completed step holds the fields exactly as that
administrator entered them, for old cases too. The card page and `card show` name each
administrator with their own document from here.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import AuditEvent

# The audit actions of a completed step: the start form and each completed task.
STEP_ACTIONS = ("start", "complete")
DOCUMENT_FIELD = "id_document"


@dataclass(frozen=True)
class Verification:
    """One administrator's identity check: who, which document, when (local ISO time)."""

    admin: str
    id_document: str
    at: str

    def as_json(self) -> dict[str, str]:
        return {"admin": self.admin, "id_document": self.id_document, "at": self.at}


def verifications_by_case(
    session: Session, case_ids: Collection[int]
) -> dict[int, list[Verification]]:
    """Each case's identity checks in the order they were made; a case without any is absent."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(AuditEvent.case_id, AuditEvent.actor, AuditEvent.at_local, AuditEvent.details_json)
        .where(AuditEvent.case_id.in_(sorted(case_ids)), AuditEvent.action.in_(STEP_ACTIONS))
        .order_by(AuditEvent.id)
    )
    found: dict[int, list[Verification]] = {}
    for case_id, actor, at_local, details_json in rows:
        document = json.loads(details_json or "{}").get("fields", {}).get(DOCUMENT_FIELD)
        if case_id is not None and document:
            found.setdefault(case_id, []).append(Verification(actor, str(document), at_local))
    return found
