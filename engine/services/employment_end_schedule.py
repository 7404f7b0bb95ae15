"""Keep `employment-end` cases in step with the directory's end dates (R19).

The directory import (engine.services.registers.employment_import) and the register's
`employment end` write end dates onto employments. R19 revokes the holder's cards in the
organisation at the end of the last day: that is the `employment-end` process, so an end
date written there starts its case, in the same transaction as the write, exactly once
per employment (the case's subject, engine.services.subjects):

- an end date set where no case exists starts one, started by whoever wrote the date;
- an end date moved while the case's timer still waits moves the timer;
- an end date removed while the timer still waits cancels the case;
- once the timer has fired (the cards are revoked, `register_return` waits) or the case
  is over, a later change starts nothing: the cards are gone already.

A line that records an employment which ended before today (history, not news) starts
nothing; an existing employment given a past end date does, and its timer is due at once.
`plan_step` says what would happen, for a dry run; `apply_step` does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.model import Case
from engine.model import CaseTask
from engine.model import Employment
from engine.model import Timer
from engine.model.cases import CASE_CANCELLED
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_CANCELLED
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_CANCELLED
from engine.model.cases import TIMER_WAITING
from engine.policy.timekeeping import end_of_local_day
from engine.runner import SERIALIZER_VERSION
from engine.runner import CaseRunner
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.deploy.versions import startable_version
from engine.services.employment_end import case_data
from engine.services.employment_end import end_decision
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.progress import store_state
from engine.services.subjects import EMPLOYMENT_END
from engine.services.subjects import employment_subject

START = "start"
MOVE = "move"
CANCEL = "cancel"
END_DATE_TIMER = "end_date"  # processes/employment-end.bpmn
RULE = "R19"


@dataclass(frozen=True)
class PlannedStep:
    """What an end date does to the employment's case: start one, move or cancel it."""

    step: str
    case_id: int | None  # the case moved or cancelled; None for one still to start


@dataclass(frozen=True)
class Writer:
    """Who wrote the end date, by the role they keep the register with; the case names them."""

    person_id: int
    label: str
    role: str


def plan_step(
    session: Session,
    employment: Employment | None,
    ends_on: date | None,
    *,
    existing: bool,
    today: date,
) -> PlannedStep | None:
    """What writing `ends_on` onto `employment` (None: one not yet recorded) would do.

    `existing`: the employment was recorded before and only its end date changes.
    """
    if employment is not None:
        subject = employment_subject(employment.id)
        cases = session.scalars(
            select(Case)
            .where(Case.process_id == EMPLOYMENT_END, Case.subject == subject)
            .order_by(Case.id.desc())
        ).all()
        open_case = next((c for c in cases if c.state == CASE_OPEN), None)
        if open_case is not None:
            timer = _waiting_timer(session, open_case)
            if timer is None:
                return None  # revoked already: the case waits for the card to come back
            if ends_on is None:
                return PlannedStep(CANCEL, open_case.id)
            if timer.due_at != end_of_local_day(ends_on):
                return PlannedStep(MOVE, open_case.id)
            return None
        if any(c.state != CASE_CANCELLED for c in cases):
            return None  # this employment's end has run its course once
    if ends_on is None or (not existing and ends_on < today):
        return None
    return PlannedStep(START, None)


def apply_step(
    session: Session,
    clock: Clock,
    writer: Writer,
    employment: Employment,
    planned: PlannedStep,
) -> int:
    """Carry out `planned` for `employment` (flushed, with its end date written); the case id."""
    audit = AuditContext(
        actor=writer.label, role=writer.role, holder=employment.person.label, details={}
    )
    if planned.step == START:
        return _start(session, clock, writer, employment, audit)
    case = session.get(Case, planned.case_id)
    assert case is not None and case.state == CASE_OPEN  # as plan_step found it
    audit.case_id = case.id
    audit.process_version = case.process_version.label
    if planned.step == MOVE:
        _move(session, clock, case, employment, audit)
    else:
        _cancel(session, clock, case, audit)
    return case.id


def _start(
    session: Session, clock: Clock, writer: Writer, employment: Employment, audit: AuditContext
) -> int:
    assert employment.end_date is not None
    version = startable_version(session, EMPLOYMENT_END)
    audit.process_version = version.label
    organisation = employment.organisation
    data = case_data(employment.person, organisation, employment.end_date)
    runner = CaseRunner.start(version.spec_json, data, clock)
    case = Case(
        process_version_id=version.id,
        process_id=EMPLOYMENT_END,
        state=CASE_OPEN,
        holder_id=employment.person_id,
        organisation_id=organisation.id,
        started_at=clock.now(),
        started_by_id=writer.person_id,
        serializer_version=SERIALIZER_VERSION,
        subject=employment_subject(employment.id),
    )
    store_state(case, runner)
    session.add(case)
    session.flush()
    audit.case_id = case.id
    record(
        session,
        clock,
        audit,
        "start",
        task_name="start",
        rule=RULE,
        message=("Startat av katalogens slutdatum. / Started by the directory's end date."),
        details={"fields": data, "employment": employment.id},
    )
    decision = end_decision(organisation, employment.end_date)
    record(
        session,
        clock,
        audit,
        "policy_decision",
        task_name="start",
        rule=decision.rule,
        message=decision.message,
        details=decision.details,
    )
    advance_case(session, clock, case, runner, audit, new=True)
    return case.id


def _move(
    session: Session, clock: Clock, case: Case, employment: Employment, audit: AuditContext
) -> None:
    assert employment.end_date is not None
    data = case_data(employment.person, employment.organisation, employment.end_date)
    due = end_of_local_day(employment.end_date)
    runner = load_runner(case, clock)
    moved = runner.move_timer(END_DATE_TIMER, due, data)
    assert moved is not None  # plan_step saw its timer waiting
    store_state(case, runner)
    session.execute(
        update(Timer)
        .where(Timer.case_id == case.id, Timer.task_id == moved, Timer.status == TIMER_WAITING)
        .values(due_at=due)
        .execution_options(synchronize_session="fetch")
    )
    record(
        session,
        clock,
        audit,
        "end_date_moved",
        rule=RULE,
        message=(
            f"Katalogen flyttade sista anställningsdagen till {data['ends_on']}; korten spärras "
            f"{data['revoke_at']}. / The directory moved the last day of employment to "
            f"{data['ends_on']}; the cards are revoked at {data['revoke_at']}."
        ),
        details={"ends_on": data["ends_on"], "revoke_at": data["revoke_at"]},
    )


def _cancel(session: Session, clock: Clock, case: Case, audit: AuditContext) -> None:
    runner = load_runner(case, clock)
    runner.cancel()
    store_state(case, runner)
    session.execute(
        update(CaseTask)
        .where(CaseTask.case_id == case.id, CaseTask.state == TASK_READY)
        .values(state=TASK_CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Timer)
        .where(Timer.case_id == case.id, Timer.status == TIMER_WAITING)
        .values(status=TIMER_CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    case.state = CASE_CANCELLED
    case.ended_at = clock.now()
    record(
        session,
        clock,
        audit,
        CASE_CANCELLED,
        rule=RULE,
        message=(
            "Katalogen tog bort slutdatumet: anställningen fortsätter och inget kort spärras. "
            "/ The directory removed the end date: the employment goes on and no card is "
            "revoked."
        ),
    )


def _waiting_timer(session: Session, case: Case) -> Timer | None:
    return session.scalars(
        select(Timer).where(
            Timer.case_id == case.id,
            Timer.name == END_DATE_TIMER,
            Timer.status == TIMER_WAITING,
        )
    ).first()
