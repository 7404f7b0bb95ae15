"""S4: cancel an open case with a reason; its tasks and timers end, cards stay as they are.

Who may cancel (S4, checked here and nowhere else):
- the service desk, for a case of an organisation its right covers;
- a process owner, for any case;
- the administrator who started the case, while nothing after the start is done (no task
  of the case completed yet), so a mistaken order can be withdrawn before anyone acted.

Everyone else is refused with S4; a case that is no longer open is a Conflict. The ready
tasks become `cancelled`, the waiting timers `cancelled` (so no sweep fires them), the
workflow is cancelled without running any step, the case becomes `cancelled` with
`ended_at`, and the audit keeps actor, role and reason. An issued card or certificate is
not touched: ending those is revocation (R19), a separate decision.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import Case
from engine.model import CaseTask
from engine.model import Person
from engine.model.cases import CASE_CANCELLED
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_COMPLETED
from engine.policy.timekeeping import to_local
from engine.rights import PROCESS_OWNER
from engine.rights import SERVICE_DESK
from engine.rights import has_role
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.cases import CaseSummary
from engine.services.directory import find_user
from engine.services.progress import end_tasks_and_timers
from engine.services.progress import load_runner
from engine.services.progress import store_state
from engine.services.runtime import Runtime

CANCEL_RULE = "S4"
# The audit role of the administrator who started the case and withdraws it.
STARTER_ROLE = "case_starter"


def cancel_case(
    runtime: Runtime, clock: Clock, case_id: int, username: str, reason: str
) -> CaseSummary:
    """S4: cancel open case `case_id` as `username` with a reason the audit keeps."""
    audit = AuditContext(actor=username, case_id=case_id)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            reason = _required_reason(reason)
            actor = find_user(session, username, employments=False)
            case = session.get(Case, case_id)
            if case is None:
                audit.case_id = None
                raise NotFound(f"Inget ärende med id {case_id}. / No case with id {case_id}.")
            audit.process_version = case.process_version.label
            audit.holder = case.holder.label if case.holder else None
            audit.card_number = json.loads(case.data_json).get("card_number")
            if case.state != CASE_OPEN:
                raise Conflict(
                    f"Ärende {case.id} är {case.state} och kan inte avbrytas (S4). / "
                    f"Case {case.id} is {case.state} and cannot be cancelled (S4).",
                    rule=CANCEL_RULE,
                )
            audit.role = _cancelling_role(session, case, actor, to_local(clock.now()).date())
            runner = load_runner(case, clock)
            runner.cancel()
            store_state(case, runner)
            end_tasks_and_timers(session, case)
            case.state = CASE_CANCELLED
            case.ended_at = clock.now()
            record(
                session,
                clock,
                audit,
                CASE_CANCELLED,
                rule=CANCEL_RULE,
                message=f"Ärendet avbröts: {reason} / The case was cancelled: {reason}",
                details={"reason": reason},
            )
            uow.commit()
            return CaseSummary(case.id, case.process_id, case.process_version.version, case.state)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "cancel", error)
        raise


def _required_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid(
            "Ange ett skäl till att ärendet avbryts (S4). / "
            "Give a reason for cancelling the case (S4).",
            rule=CANCEL_RULE,
        )
    return text


def _cancelling_role(session: Session, case: Case, actor: Person, day: date) -> str:
    """The role under which `actor` may cancel `case` (S4), or a refusal."""
    if has_role(actor, SERVICE_DESK, day, case.organisation):
        return SERVICE_DESK
    if has_role(actor, PROCESS_OWNER, day):
        return PROCESS_OWNER
    if actor.id == case.started_by_id:
        if not _anything_done_after_start(session, case):
            return STARTER_ROLE
        raise NotPermitted(
            f"Ärende {case.id} har kommit vidare efter starten; bara servicedesken eller en "
            f"processägare kan avbryta det nu (S4). / Case {case.id} has moved on since its "
            f"start; only the service desk or a process owner can cancel it now (S4).",
            rule=CANCEL_RULE,
        )
    raise NotPermitted(
        f"{actor.username} får inte avbryta ärende {case.id}: det får servicedesken, en "
        f"processägare eller den som startade ärendet innan något mer är gjort (S4). / "
        f"{actor.username} may not cancel case {case.id}: the service desk, a process owner, "
        f"or whoever started it before anything else is done may (S4).",
        rule=CANCEL_RULE,
    )


def _anything_done_after_start(session: Session, case: Case) -> bool:
    """A completed task, or a renewal cycle begun, is work after the start."""
    if case.cycle > 1:
        return True
    completed = exists().where(CaseTask.case_id == case.id, CaseTask.state == TASK_COMPLETED)
    return bool(session.scalar(select(completed)))
