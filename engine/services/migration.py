"""S5: a process owner moves running cases to another version of their process.

`migrate_cases(…, dry_run=True)` says for each selected case whether it can move and, if
not, why; without `dry_run` the movable cases move and the blocked ones stay where they
are, each named with its reason. Nothing moves silently: a deploy never moves a case, and
every move is audited on the case with both versions (`migrated`, from and to), as is
every case a real run left behind (`migration_blocked`, with the reason). A moved case
keeps its id, its task ids, its history and its cards; only its workflow state is bound
to the target version's spec (engine.runner.migrate_runner), and the task and timer rows
are brought up to date from it.

Which cases: those named (`--case`), else every open case of the process on another
version. A named case that is not open, belongs to another process or is already on the
target version is listed as blocked with that reason. Which case can move is decided in
engine/runner/migration.py (the rule is in its docstring and in docs/lifecycle.md): its
waiting tasks and timers and the steps it completed exist in the target by BPMN id.
All moves of one call are one unit of work: all of them, or (on a conflict) none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import DomainError
from engine.errors import NotFound
from engine.model import Case
from engine.model import CaseTask
from engine.model import Person
from engine.model import ProcessVersion
from engine.model import Timer
from engine.model.cases import CASE_OPEN
from engine.model.cases import TIMER_WAITING
from engine.policy.timekeeping import to_local
from engine.rights import PROCESS_OWNER
from engine.rights import require_process_owner
from engine.runner import CaseRunner
from engine.runner import migrate_runner
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.deploy.versions import version_of
from engine.services.directory import find_user
from engine.services.progress import advance_case
from engine.services.progress import load_runner
from engine.services.runtime import Runtime
from engine.state_words import case_state_words

MIGRATION_RULE = "S5"
_WAITING_TIMERS = select(Timer).where(
    Timer.case_id == bindparam("case_id"), Timer.status == TIMER_WAITING
)


@dataclass(frozen=True)
class BlockedCase:
    """A case that cannot move, and why (one bilingual sentence per reason)."""

    case: int
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


@dataclass(frozen=True)
class MigrationReport:
    """The answer of a migration or its dry run (`moved` is empty in a dry run)."""

    process: str
    to_version: int
    dry_run: bool
    movable: tuple[int, ...]
    blocked: tuple[BlockedCase, ...]
    moved: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        """The answer as the CLI's `--json` and the API give it (CONTRACT.md's keys)."""
        return {
            "process": self.process,
            "to_version": self.to_version,
            "dry_run": self.dry_run,
            "movable": list(self.movable),
            "blocked": [
                {"case": b.case, "reason": b.reason, "reasons": list(b.reasons)}
                for b in self.blocked
            ],
            "moved": list(self.moved),
        }


def migrate_cases(
    runtime: Runtime,
    clock: Clock,
    process_id: str,
    to_version: int,
    username: str,
    case_ids: Sequence[int] = (),
    *,
    dry_run: bool,
) -> MigrationReport:
    """S1/S5: as process owner `username`, move the selected cases to `to_version`."""
    audit = AuditContext(actor=username, role=PROCESS_OWNER)
    action = "migrate_dry_run" if dry_run else "migrate"
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            actor = find_user(session, username, employments=False)
            require_process_owner(actor, to_local(clock.now()).date())  # S1
            target = version_of(session, process_id, to_version, rule=MIGRATION_RULE)
            audit.process_version = target.label
            movable: list[int] = []
            moved: list[int] = []
            blocked: list[BlockedCase] = []
            for case in _selected_cases(session, target, case_ids):
                reasons, runner = _check_case(case, target, clock)
                if runner is None:
                    blocked.append(BlockedCase(case.id, reasons))
                    if not dry_run:
                        _record_case(
                            session, clock, actor, case, "migration_blocked", target, reasons
                        )
                    continue
                movable.append(case.id)
                if not dry_run:
                    _move(session, clock, actor, case, target, runner)
                    moved.append(case.id)
            record(
                session,
                clock,
                audit,
                action,
                rule=MIGRATION_RULE,
                message=f"{len(movable)} flyttbara, {len(blocked)} blockerade / "
                f"{len(movable)} movable, {len(blocked)} blocked",
                details={
                    "to": target.label,
                    "movable": movable,
                    "blocked": {b.case: b.reason for b in blocked},
                    "moved": moved,
                },
            )
            uow.commit()
            return MigrationReport(
                process_id, to_version, dry_run, tuple(movable), tuple(blocked), tuple(moved)
            )
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, action, error)
        raise


def _selected_cases(
    session: Session, target: ProcessVersion, case_ids: Sequence[int]
) -> list[Case]:
    if not case_ids:
        return list(
            session.scalars(
                select(Case)
                .where(
                    Case.process_id == target.process_id,
                    Case.state == CASE_OPEN,
                    Case.process_version_id != target.id,
                )
                .order_by(Case.id)
            )
        )
    selected: list[Case] = []
    for case_id in dict.fromkeys(case_ids):
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"Inget ärende med id {case_id}. / No case with id {case_id}.")
        selected.append(case)
    return selected


def _check_case(
    case: Case, target: ProcessVersion, clock: Clock
) -> tuple[tuple[str, ...], CaseRunner | None]:
    """Why `case` cannot move to `target`, or the case's runner moved there (in memory)."""
    if case.process_id != target.process_id:
        return (
            f"Ärendet tillhör processen '{case.process_id}'. / "
            f"The case belongs to process '{case.process_id}'.",
        ), None
    if case.state != CASE_OPEN:
        sv, en = case_state_words(case.state)
        return (f"Ärendet är {sv}. / The case is {en}.",), None
    if case.process_version_id == target.id:
        return (
            f"Ärendet är redan på {target.label}. / The case is already on {target.label}.",
        ), None
    outcome = migrate_runner(load_runner(case, clock), target.spec_json, target.label, clock)
    return outcome.reasons, outcome.runner if outcome.movable else None


def _move(
    session: Session,
    clock: Clock,
    actor: Person,
    case: Case,
    target: ProcessVersion,
    runner: CaseRunner,
) -> None:
    """Store the moved state, bind the case to `target`, re-project tasks and timers."""
    audit = _record_case(session, clock, actor, case, "migrated", target, ())
    case.process_version = target
    advance_case(session, clock, case, runner, audit)
    _refresh_kept_rows(session, case, runner)


def _refresh_kept_rows(session: Session, case: Case, runner: CaseRunner) -> None:
    """Kept task and timer rows say what the moved state says: the target's titles, lanes
    (roles) and four-eyes, and the due instants the state holds."""
    timers = runner.waiting_timers()
    deadlines: dict[str, datetime] = {}
    for view in timers:
        if view.interrupting and view.attached_task_id:
            known = deadlines.get(view.attached_task_id)
            deadlines[view.attached_task_id] = min(view.due_at, known or view.due_at)
    for task in runner.ready_user_tasks():
        row = session.get(CaseTask, task.id)
        if row is not None:
            row.title, row.lane = task.title, task.lane
            row.due_at = deadlines.get(task.id)
            if task.properties.get("four_eyes") == "start":
                # R6 as the target asks; an exclusion the case already has is never lifted.
                row.excluded_person_id = case.started_by_id
    rows = {t.task_id: t for t in session.scalars(_WAITING_TIMERS, {"case_id": case.id})}
    for view in timers:
        timer = rows.get(view.task_id)
        if timer is not None:
            timer.name, timer.rule, timer.due_at = (
                view.name,
                view.properties.get("rule"),
                view.due_at,
            )


def _record_case(
    session: Session,
    clock: Clock,
    actor: Person,
    case: Case,
    action: str,
    target: ProcessVersion,
    reasons: tuple[str, ...],
) -> AuditContext:
    """One audit row on the case naming both versions; the context for what follows."""
    source = case.process_version.label
    audit = AuditContext(
        actor=actor.username or "",
        role=PROCESS_OWNER,
        case_id=case.id,
        holder=case.holder.label if case.holder else None,
        card_number=json.loads(case.data_json).get("card_number"),
        process_version=target.label if action == "migrated" else source,
    )
    if action == "migrated":
        message = (
            f"Flyttat från {source} till {target.label} / Moved from {source} to {target.label}"
        )
    else:
        message = " ".join(reasons)
    record(
        session,
        clock,
        audit,
        action,
        rule=MIGRATION_RULE,
        message=message,
        details={"from": source, "to": target.label, "reasons": list(reasons)},
    )
    return audit
