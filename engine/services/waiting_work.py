"""Work that waits for its people's hours: shown in the queue before it is offered (R9).

A LoA3 renewal asked for outside the service desk's hours waits on the timer
`wait_for_opening` of `loa3-renewal` until the next holiday-free weekday 07:30. It is no
task yet, so the service desk's queue lists it apart ("waiting until …"), in the
organisations where the reader holds the service desk's right (S2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.clock import Clock
from engine.model import Case
from engine.model import Timer
from engine.model.cases import TIMER_WAITING
from engine.services.directory import find_user
from engine.services.may_work import work_scope
from engine.services.paging import page_size
from engine.services.runtime import Runtime

WAITING_TIMER = "wait_for_opening"
# The role whose queue a waiting renewal joins once offered (the lane of renew_loa3).
WAITING_FOR_ROLE = "service_desk"


@dataclass(frozen=True)
class WaitingCase:
    """A case waiting for the service desk to open, and from when it will be offered."""

    case_id: int
    process: str
    holder: str
    card_number: str
    offered_at: datetime


def waiting_for_opening(
    runtime: Runtime, clock: Clock, username: str, limit: int | None = None
) -> list[WaitingCase]:
    """Cases in the reader's service-desk scope waiting for the next opening, soonest first."""
    with runtime.database.sessions() as session:
        user = find_user(session, username, employments=False)
        scope = work_scope(session, user, clock.now())
        organisations = scope.organisations.get(WAITING_FOR_ROLE)
        if not organisations:
            return []
        rows = session.execute(
            select(Case.id, Case.process_id, Case.data_json, Timer.due_at)
            .join(Timer, Timer.case_id == Case.id)
            .where(
                Timer.name == WAITING_TIMER,
                Timer.status == TIMER_WAITING,
                Case.organisation_id.in_(sorted(organisations)),
            )
            .order_by(Timer.due_at, Case.id)
            .limit(page_size(limit))
        )
        waiting = []
        for case_id, process, data_json, due_at in rows:
            data = json.loads(data_json)
            waiting.append(
                WaitingCase(
                    case_id,
                    process,
                    str(data.get("holder", "")),
                    str(data.get("card_number", "")),
                    due_at,
                )
            )
        return waiting
