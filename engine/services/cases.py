"""Start a case, complete a task, claim and unclaim: the checks before SpiffWorkflow runs.

Order of checks for a completion, each a refusal that changes nothing but the audit trail:
the task exists and the user may work it (engine.services.may_work: READY, case open, the
lane's role for the task's organisation (R5), four-eyes and not the holder (R6), the claim,
the deadline (R7, R11)), the form's JSON Schema, then the policy inside the task's action.
Only then does SpiffWorkflow run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_username
from engine.model import Case
from engine.model import CaseTask
from engine.model import Organisation
from engine.model import Person
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_COMPLETED
from engine.policy.timekeeping import to_local
from engine.rights import rights_granting
from engine.runner import SERIALIZER_VERSION
from engine.runner import CaseRunner
from engine.runner.definitions import has_deadline_timer
from engine.services.actions import ACTIONS
from engine.services.actions import ActionContext
from engine.services.actions import ActionResult
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.deadlines import deadline_decisions
from engine.services.deploy.versions import startable_version
from engine.services.directory import find_user
from engine.services.forgotten_card import CARD_USER_ROLE
from engine.services.forgotten_card import card_user_organisation
from engine.services.lifecycle_actions import LIFECYCLE_ACTIONS
from engine.services.live_cards import CaseWarning
from engine.services.may_work import lacks_role_message
from engine.services.may_work import task_not_ready
from engine.services.policy import PolicyReader
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.progress import store_state
from engine.services.read_scope import check_may_work_in_scope
from engine.services.read_scope import task_not_found
from engine.services.runtime import Runtime
from engine.services.subjects import refusal_for
from engine.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseSummary:
    id: int
    process: str
    version: int
    state: str


@dataclass(frozen=True)
class StartedCase(CaseSummary):
    """A new case and what its start warned about (a live LoA2 card), never a refusal."""

    warnings: tuple[CaseWarning, ...] = ()

    def summary_json(self) -> dict[str, Any]:
        """The case as CONTRACT.md's `case start` shows it, without the warnings."""
        return {
            "id": self.id,
            "process": self.process,
            "version": self.version,
            "state": self.state,
        }

    def warnings_json(self) -> list[dict[str, str | None]]:
        return [warning.as_json() for warning in self.warnings]


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(case.id, case.process_id, case.process_version.version, case.state)


def start_case(
    runtime: Runtime, clock: Clock, process_id: str, username: str, values: dict[str, Any]
) -> StartedCase:
    """Start a case of the active version of `process_id` with its start form."""
    # The audit names the actor as the directory does: R6 later reads who verified first.
    username = normal_username(username)
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            actor = find_user(session, username, employments=False)
            # The active version (a rollback activates an older one); refused while suspended.
            version = startable_version(session, process_id)
            audit.process_version = version.label
            lane, properties = CaseRunner.start_event_properties(version.spec_json)
            audit.role = lane
            organisation = _acting_organisation(actor, lane, _local_day(clock))
            fields = runtime.forms.validate(process_id, "start", values, version=version)
            policy = PolicyReader(session)
            context = ActionContext(
                session, clock, policy, actor, organisation, None, {}, fields, properties
            )
            result = _run_action(properties, context)
            _note_result(audit, result, policy)
            organisation = result.organisation or organisation
            runner = CaseRunner.start(version.spec_json, {**fields, **result.data}, clock)
            # R7: the deadline the version's timer just set, as the audit tells it.
            result.decisions.extend(deadline_decisions(runner.waiting_timers(), set()))
            # Related rows by id, not object: the flush then writes the case alone instead of
            # sorting the people, organisation and version it would otherwise cascade into.
            case = Case(
                process_version_id=version.id,
                process_id=version.process_id,
                state=CASE_OPEN,
                holder_id=result.holder.id if result.holder else None,
                organisation_id=organisation.id,
                started_at=clock.now(),
                started_by_id=actor.id,
                serializer_version=SERIALIZER_VERSION,
                subject=result.subject,
            )
            # Inserted with its state as advance_case leaves it, so it needs no UPDATE after.
            store_state(case, runner)
            session.add(case)
            _flush_new_case(uow, version.process_id, result.subject)
            audit.case_id = case.id
            for certificate in result.certificates:  # issued at the start (loa2-onsite)
                certificate.case_id = case.id
            details: dict[str, Any] = {"fields": fields}
            if result.warnings:
                details["warnings"] = [warning.as_json() for warning in result.warnings]
            record(session, clock, audit, "start", task_name="start", details=details)
            _record_decisions(session, clock, audit, result, "start")
            advance_case(session, clock, case, runner, audit, new=True)
            uow.commit()
            summary = _summary(case)
            return StartedCase(**summary.__dict__, warnings=tuple(result.warnings))
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "start", error)
        raise


def _flush_new_case(uow: UnitOfWork, process_id: str, subject: str | None) -> None:
    """Insert the case; one that lost a race for its subject is refused by its rule."""
    try:
        uow.flush()
    except Conflict as error:
        refusal = refusal_for(process_id, subject) if subject else None
        if refusal is None:
            raise
        raise refusal from error


def complete_task(
    runtime: Runtime, clock: Clock, task_id: str, username: str, values: dict[str, Any]
) -> CaseSummary:
    """Complete a READY user task with its form's fields, after every check."""
    username = normal_username(username)
    audit = AuditContext(actor=username)
    task_name: str | None = None
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            task = _task(session, task_id)
            task_name = task.name
            case = task.case
            _describe_case(audit, case)
            audit.role = task.lane
            actor = find_user(session, username, employments=False)
            check_may_work_in_scope(session, task, actor, clock.now())
            fields = runtime.forms.validate(
                case.process_id, task.name, values, version=case.process_version
            )
            runner = load_runner(case, clock)
            view = next((v for v in runner.ready_user_tasks() if v.id == task.id), None)
            if view is None:
                raise task_not_ready(task)
            policy = PolicyReader(session)
            # Read the calendar (the audit names its version) before the action writes the
            # card and certificate, so the read does not flush them on their own.
            audit.calendar_version = policy.calendar.version
            case_data = json.loads(case.data_json)
            context = ActionContext(
                session,
                clock,
                policy,
                actor,
                case.organisation,
                case,
                case_data,
                fields,
                view.properties,
            )
            result = _run_action(view.properties, context)
            _note_result(audit, result, policy)
            watch_deadlines = has_deadline_timer(case.process_version.spec_json)
            known = {t.task_id for t in runner.waiting_timers()} if watch_deadlines else set()
            runner.complete_user_task(task.id, {**fields, **result.data})
            if watch_deadlines:
                result.decisions.extend(deadline_decisions(runner.waiting_timers(), known))
            task.state = TASK_COMPLETED
            task.completed_at = clock.now()
            task.completed_by = actor
            record(
                session, clock, audit, "complete", task_name=task.name, details={"fields": fields}
            )
            _record_decisions(session, clock, audit, result, task.name)
            advance_case(session, clock, case, runner, audit)
            uow.commit()
            return _summary(case)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "complete", error, task_name=task_name)
        raise


def claim_task(runtime: Runtime, clock: Clock, task_id: str, username: str) -> None:
    """Take a task so that colleagues in the same queue see it is being worked."""
    _set_claim(runtime, clock, task_id, username, claim=True)


def unclaim_task(runtime: Runtime, clock: Clock, task_id: str, username: str) -> None:
    """Give a claimed task back to its queue: only its claimant, under the rules of a
    claim (engine.services.may_work: READY and the case open, the lane's role for the
    task's organisation (R5), four-eyes (R6), the deadline), so nobody clears the claim of a
    completed task or of a queue that is not theirs."""
    _set_claim(runtime, clock, task_id, username, claim=False)


def _set_claim(runtime: Runtime, clock: Clock, task_id: str, username: str, claim: bool) -> None:
    action = "claim" if claim else "unclaim"
    username = normal_username(username)
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            task = _task(session, task_id)
            _describe_case(audit, task.case)
            audit.role = task.lane
            actor = find_user(session, username, employments=False)
            # The same rule both ways; another's claim is a Conflict (claimed_message).
            check_may_work_in_scope(session, task, actor, clock.now())
            if not claim and task.claimed_by_id is None:
                raise Conflict(
                    f"Uppgiften {task.id} är inte tagen av någon. / "
                    f"Task {task.id} is not claimed by anyone."
                )
            task.claimed_by = actor if claim else None
            record(session, clock, audit, action, task_name=task.name)
            uow.commit()
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, action, error)
        raise


# --- checks ------------------------------------------------------------------------


# "May this user work this task" (R5, R6, claim, R7/R11 deadline) is one rule with an SQL
# twin for the lists: engine.services.may_work.


def _acting_organisation(actor: Person, role: str | None, day: date) -> Organisation:
    """The organisation in which the actor holds the start lane's role (R5); for a card
    user acting for themself (R20), the organisation of their employment that day (R3)."""
    if role == CARD_USER_ROLE:
        return card_user_organisation(actor, day)
    rights = rights_granting(actor, role or "", day)
    if not rights:
        raise NotPermitted(lacks_role_message(actor, role, None), rule="R5")
    return rights[0].organisation


# --- small helpers --------------------------------------------------------------------


def _local_day(clock: Clock) -> date:
    return to_local(clock.now()).date()


# What the checks, the action and the audit read of a task: one query with its case, instead
# of one lazy load each. A holder's employments (R3) load with it; the rest only when read.
_TASK_WITH_CASE = (
    joinedload(CaseTask.case).options(
        joinedload(Case.process_version),
        joinedload(Case.organisation),
        joinedload(Case.holder).options(joinedload(Person.employments), lazyload(Person.rights)),
        joinedload(Case.started_by).options(lazyload(Person.employments), lazyload(Person.rights)),
    ),
)


# Built once: session.get would build (and compute the cache key of) a new statement per call.
_TASK = select(CaseTask).where(CaseTask.id == bindparam("task_id")).options(*_TASK_WITH_CASE)


def _task(session: Session, task_id: str) -> CaseTask:
    task = session.scalars(_TASK, {"task_id": task_id}).unique().first()
    if task is None:
        # S2: the same answer as for a task outside the actor's scope.
        raise task_not_found(task_id)
    return task


def _describe_case(audit: AuditContext, case: Case) -> None:
    audit.case_id = case.id
    audit.process_version = case.process_version.label
    audit.holder = case.holder.label if case.holder else None
    data = json.loads(case.data_json)
    audit.card_number = data.get("card_number")


def _run_action(properties: dict[str, str], context: ActionContext) -> ActionResult:
    name = properties.get("action")
    if name is None:
        return ActionResult({})
    action = ACTIONS.get(name) or LIFECYCLE_ACTIONS.get(name)
    if action is None:
        raise NotFound(f"Okänd åtgärd '{name}' i processen. / Unknown action '{name}'.")
    return action(context)


def _note_result(audit: AuditContext, result: ActionResult, policy: PolicyReader) -> None:
    audit.policy_version = policy.version
    audit.calendar_version = policy.calendar.version
    if result.holder is not None:
        audit.holder = result.holder.label
    if result.card_number:
        audit.card_number = result.card_number
    audit.dispensation = result.dispensation


def _record_decisions(
    session: Session, clock: Clock, audit: AuditContext, result: ActionResult, task_name: str
) -> None:
    for decision in result.decisions:
        record(
            session,
            clock,
            audit,
            "policy_decision",
            task_name=task_name,
            rule=decision.rule,
            message=decision.message,
            details=decision.details,
        )
